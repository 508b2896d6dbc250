use shaped::{shape, Tensor};

fn main() {
    let digit = Tensor::<shape![28, 28], u8>::zeros();
    // 7..-7 holds 14 rows, not 12.
    let _ = digit.slice::<0, 7, -7, 12>();
}
