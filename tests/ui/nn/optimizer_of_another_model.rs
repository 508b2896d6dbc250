use shaped::nn::{
    losses::CategoricalCrossentropy, metrics::Accuracy, model, optim::RmsProp, train::Trainer,
    Dense, Relu, Softmax,
};

model! {
    pub struct Small: 784 => [Dense<32, Relu>, Dense<10, Softmax>]
}

model! {
    pub struct Big: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

fn main() {
    let opt: RmsProp<Small> = RmsProp::default();
    let _ = Trainer::new(Big::seeded(0), opt, CategoricalCrossentropy, Accuracy::default());
}
