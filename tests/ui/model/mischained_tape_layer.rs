use shaped::rand::rngs::StdRng;
use shaped::{shape, Tensor};
use shaped::nn::layers::tape_layer::BatchVar;
use shaped::nn::{model, parameters_struct, Dense, OpsLayer, TapeLayer, TapeParams};

/// A per-feature scale of 8 features.
#[derive(Clone)]
struct Scale {
    w: Tensor<shape![8]>,
}
parameters_struct!([] Scale { w });

impl OpsLayer for Scale {
    type Input = shape![8];
    type Output = shape![8];
    const PARAMS: usize = 8;
    const NAME: &'static str = "Scale";
    fn init(_: &mut StdRng) -> Self {
        Scale { w: Tensor::ones() }
    }
    fn forward(&self, x: BatchVar<shape![8]>, p: &mut TapeParams) -> BatchVar<shape![8]> {
        &x * &p.var(&self.w)
    }
}

model! {
    /// The scale fed 16 features.
    pub struct Net: 4 => [Dense<16>, TapeLayer<Scale>, Dense<1>]
}

fn main() {}
