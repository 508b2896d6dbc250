use shaped::nn::{model, Dense, Relu, Softmax};

model! {
    /// Images need `Flatten` before a dense layer.
    pub struct Mnist: (28, 28) => [Dense<512, Relu>, Dense<10, Softmax>]
}

fn main() {}
