use shaped::nn::{
    losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::Adam, train::{FitConfig, Trainer},
    Dense, Tanh,
};
use shaped::{shape, Dyn, Sz, Tensor};

model! {
    pub struct Net: 2 => [Dense<8, Tanh>, Dense<1>]
}

fn main() {
    // f64 inputs for a model that computes in f32.
    let x = Tensor::<shape![_, 2], f64>::zeros_with((Dyn(4), Sz));
    let y = Tensor::<(Dyn, Sz<1>)>::zeros_with((Dyn(4), Sz));
    let mut t = Trainer::new(Net::seeded(0), Adam::default(), MeanSquaredError, BinaryAccuracy::default());
    let _ = t.fit(&x, &y, FitConfig::new());
}
