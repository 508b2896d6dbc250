use shaped::nn::{model, Dense, DenseLayer, LayerSpec, Reason, SampleDims};
use shaped::Sz;

/// A user's spec written for one input shape: (4,) in, (4,) out.
pub struct Square4;

impl LayerSpec<(Sz<4>,)> for Square4 {
    const OUT: Result<SampleDims, Reason> = Ok(SampleDims::new(&[4]));
    type Layer<Out: shaped::nn::Batched> = DenseLayer<4, 4>;
}

model! {
    /// Fed 8 features instead.
    pub struct Net: 2 => [Dense<8>, Square4]
}

fn main() {}
