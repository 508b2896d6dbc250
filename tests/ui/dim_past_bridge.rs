use shaped::{shape, Tensor};

fn main() {
    let x = Tensor::<shape![2, 5000], u8>::zeros();
    let _ = x.slice::<1, 0, 100>();
}
