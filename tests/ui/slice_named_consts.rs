use shaped::{shape, Tensor};

const START: usize = 16;
const END: usize = START + 16;

fn main() {
    let images = Tensor::<shape![_, 28, 28], u8>::zeros_with((shaped::Dyn(10), shaped::Sz, shaped::Sz));
    let _ = images.slice::<2, START, END>();
}
