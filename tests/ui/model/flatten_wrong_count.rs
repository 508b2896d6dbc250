use shaped::nn::{model, Dense, Flatten, Relu, Softmax};

model! {
    /// 28 x 28 is 784, not 768.
    pub struct Mnist: (28, 28) => [Flatten<768>, Dense<512, Relu>, Dense<10, Softmax>]
}

fn main() {}
