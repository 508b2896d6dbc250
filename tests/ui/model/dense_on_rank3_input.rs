use shaped::nn::{model, Conv2D, Dense, MaxPool2D, Relu, Softmax};

model! {
    /// The book's convnet without its `Flatten`: the dense layer meets a
    /// (3, 3, 64) image.
    pub struct Convnet: (28, 28, 1) => [
        Conv2D<32, 3, Relu>, MaxPool2D<2>, Conv2D<64, 3, Relu>, MaxPool2D<2>, Conv2D<64, 3, Relu>,
        Dense<64, Relu>, Dense<10, Softmax>
    ]
}

fn main() {}
