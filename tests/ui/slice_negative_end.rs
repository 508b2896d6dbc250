use shaped::{shape, Tensor};

fn main() {
    let digit = Tensor::<shape![28, 28], u8>::zeros();
    // Python's digit[:, 20:-10]: column 20 to column 18.
    let _ = digit.slice_trim::<1, 20, 10>();
}
