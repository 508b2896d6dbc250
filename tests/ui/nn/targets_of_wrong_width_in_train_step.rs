use shaped::nn::{
    losses::CategoricalCrossentropy, metrics::Accuracy, model, optim::RmsProp, train::Trainer,
    Dense, Relu, Softmax,
};
use shaped::{shape, Dyn, Sz, Tensor};

model! {
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

fn main() {
    let x = Tensor::<shape![_, 784]>::zeros_with((Dyn(2), Sz));
    // One-hot rows of 9 for a model of 10 outputs.
    let y = Tensor::<shape![_, 9]>::zeros_with((Dyn(2), Sz));
    let mut t = Trainer::new(Mnist::seeded(0), RmsProp::default(), CategoricalCrossentropy, Accuracy::default());
    let _ = t.train_step(&x, &y);
}
