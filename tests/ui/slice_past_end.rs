use shaped::{shape, Tensor};

fn main() {
    let digit = Tensor::<shape![28, 28], u8>::zeros();
    // Rows 20..30 of a 28-row image.
    let _ = digit.slice::<0, 20, 30>();
}
