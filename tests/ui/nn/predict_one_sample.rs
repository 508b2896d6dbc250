use shaped::nn::{model, train::predict, Dense, Relu, Softmax};
use shaped::{shape, Sz, Tensor};

model! {
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

fn main() {
    let model = Mnist::seeded(0);
    // One image, without the batch axis.
    let image = Tensor::<shape![784]>::zeros_with((Sz,));
    let _ = predict(&model, &image);
}
