use shaped::nn::{model, DenseLayer, Relu, Softmax};

model! {
    /// The second layer expects 500 inputs but receives 512.
    pub struct Mnist: 784 => [DenseLayer<784, 512, Relu>, DenseLayer<500, 10, Softmax>]
}

fn main() {}
