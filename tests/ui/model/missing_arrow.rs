use shaped::nn::model;

model! {
    pub struct Mnist: 784 [Dense<512, Relu>, Dense<10, Softmax>]
}

fn main() {}
