use shaped::nn::{model, Conv2D, Dense, Flatten, MaxPool2D, Softmax};

model! {
    /// The pooling layer comes after the flatten instead of before it.
    pub struct Cnn: (28, 28, 1) => [Conv2D<32, 3>, Flatten, MaxPool2D<2>, Dense<10, Softmax>]
}

fn main() {}
