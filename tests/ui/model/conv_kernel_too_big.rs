use shaped::nn::{model, Conv2D, Dense, Flatten, MaxPool2D, Softmax};

model! {
    /// 28 -> 24 -> 12 -> 8 -> 4: the third 5x5 kernel meets a 4x4 input.
    pub struct Cnn: (28, 28, 1) => [
        Conv2D<32, 5>, MaxPool2D<2>,
        Conv2D<64, 5>, MaxPool2D<2>,
        Conv2D<64, 5>,
        Flatten, Dense<10, Softmax>
    ]
}

fn main() {}
