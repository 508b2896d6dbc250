use shaped::nn::{
    losses::CategoricalCrossentropy, metrics::Accuracy, model, optim::RmsProp, to_categorical,
    train::{FitConfig, Trainer}, Dense, Relu, Softmax,
};
use shaped::{shape, Dyn, Sz, Tensor};

model! {
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

fn main() {
    let x = Tensor::<shape![_, 784]>::zeros_with((Dyn(2), Sz));
    // Nine classes for a model with ten outputs.
    let y = to_categorical::<9>(&[1u8, 2]).unwrap();
    let mut t = Trainer::new(Mnist::seeded(0), RmsProp::default(), CategoricalCrossentropy, Accuracy::default());
    let _ = t.fit(&x, &y, FitConfig::new().epochs(5).batch_size(128));
}
