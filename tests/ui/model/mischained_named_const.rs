use shaped::nn::{model, DenseLayer, Relu, Softmax};

const PIXELS: usize = 28 * 28;
const HIDDEN: usize = 512;
const EXPECTED: usize = 748; // a typo for 784

model! {
    pub struct Mnist: PIXELS => [DenseLayer<EXPECTED, HIDDEN, Relu>, DenseLayer<HIDDEN, 10, Softmax>]
}

fn main() {}
