use shaped::nn::{model, train::predict, Dense, Relu, Softmax};
use shaped::{shape, Dyn, Sz, Tensor};

model! {
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

fn main() {
    let model = Mnist::seeded(0);
    // Images not flattened: (N, 28, 28) where the model takes (N, 784).
    let images = Tensor::<shape![_, 28, 28]>::zeros_with((Dyn(4), Sz, Sz));
    let _ = predict(&model, &images);
}
