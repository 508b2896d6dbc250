use shaped::nn::{model, Dense, Relu};

model! {
    pub struct Mnist: 784 => [Dense<512, Relu>, Dens<10>]
}

fn main() {}
