use shaped::nn::{model, Dense, Relu, Softmax};

model! {
    /// A classifier head, written once, that takes 512 features.
    pub struct Head: 512 => [Dense<10, Softmax>]
}

model! {
    /// Fed 256 features instead.
    pub struct Net: 784 => [Dense<256, Relu>, Head]
}

fn main() {}
