//! `Flatten<N>`: a sample of any static shape holding `N` elements becomes a
//! vector of `N`. The count is checked where the model is defined.

use crate::batch::Batched;
use crate::layer::{batch_shape_name, Layer, LayerSpec, SummaryRow};
use core::marker::PhantomData;
use rand::rngs::StdRng;
use tensor_core::Sz;

/// Flattens each sample to `N` values, as written in `model!`:
/// `(28, 28) => [Flatten<784>, Dense<512, Relu>, ...]`. A shape that does
/// not hold `N` elements fails at `cargo check`, naming both.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flatten<const N: usize>;

/// The flatten layer built for input shape `S`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FlattenLayer<S: Batched, const N: usize>(PhantomData<S>);

crate::parameters_struct!([S: Batched, const N: usize] FlattenLayer<S, N> {});

impl<S: Batched, const N: usize> Layer for FlattenLayer<S, N> {
    type Input = S;
    type Output = (Sz<N>,);
    type Grads = ();
    type Cache = ();
    const PARAMS: usize = 0;

    fn init(_: &mut StdRng) -> Self {
        FlattenLayer(PhantomData)
    }
    fn zero_grads(&self) {}
    fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
        rows.push(SummaryRow {
            layer: format!("{name} (Flatten)"),
            output_shape: batch_shape_name::<Self::Output>(),
            params: 0,
        });
    }
    fn forward(&self, x: &[f32], _: usize, out: &mut Vec<f32>) {
        out.clear();
        out.extend_from_slice(x);
    }
    fn forward_train(&self, x: &[f32], n: usize, out: &mut Vec<f32>, _: &mut (), _: &mut StdRng) {
        self.forward(x, n, out)
    }
    fn backward(
        &self,
        _: &[f32],
        _: &[f32],
        _: usize,
        grad_out: &mut [f32],
        _: bool,
        _: &mut (),
        _: &mut (),
        grad_in: Option<&mut Vec<f32>>,
    ) {
        if let Some(g) = grad_in {
            g.clear();
            g.extend_from_slice(grad_out);
        }
    }
}

impl<S: Batched, const N: usize> LayerSpec<S> for Flatten<N> {
    type Layer = FlattenLayer<S, N>;
    const CHECK: () = assert!(
        S::NUMEL == N,
        "Flatten<N> receives a shape that does not hold N elements"
    );
}
