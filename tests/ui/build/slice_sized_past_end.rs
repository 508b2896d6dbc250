use shaped::{shape, Tensor};

fn main() {
    let x = Tensor::<shape![2, 5000], u8>::zeros();
    // Past the compiler's range the length is written, and checked at build.
    let _ = x.slice_sized::<1, 4900, 5100, 200>();
}
