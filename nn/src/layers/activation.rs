//! Activations as layers of their own: `[Dense<512>, Relu, ...]` in `model!`.

use crate::batch::{BatchMut, BatchRef, Batched};
use crate::{
    activation::{Activation, Linear, Relu, Sigmoid, Softmax, Tanh},
    layer::{batch_shape_name, Backward, Layer, LayerSpec, SummaryRow},
    sample_dims::{Reason, SampleDims},
};
use core::marker::PhantomData;
use rand::rngs::StdRng;
use shaped_core::Float;

/// Activation `A` applied to samples of shape `S` (softmax along the last
/// axis).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ActivationLayer<S: Batched, A: Activation, E: Float = f32>(PhantomData<(S, A, E)>);

impl<S: Batched, A: Activation, E: Float> ActivationLayer<S, A, E> {
    fn last() -> usize {
        S::DIMS.as_ref().last().copied().unwrap_or(1)
    }
}

crate::parameters_struct!([S: Batched, A: Activation, E: Float] ActivationLayer<S, A, E>: Parameters<E> {});

impl<S: Batched, A: Activation, E: Float> Layer<E> for ActivationLayer<S, A, E> {
    type Input = S;
    type Output = S;
    type Grads = ();
    type Cache = ();
    const PARAMS: usize = 0;
    const FINAL_ACTIVATION: crate::ActivationKind = A::KIND;

    fn init(_: &mut StdRng) -> Self {
        ActivationLayer(PhantomData)
    }
    fn zero_grads(&self) {}
    fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
        rows.push(SummaryRow {
            layer: format!("{name} (Activation)"),
            output_shape: batch_shape_name::<S>(),
            params: 0,
        });
    }
    fn forward(&self, x: BatchRef<'_, S, E>, mut out: BatchMut<'_, S, E>) {
        out.copy_from(x).expect(crate::layer::SAME_SAMPLES);
        A::forward(out.as_mut_slice(), Self::last());
    }
    fn forward_train(
        &self,
        x: BatchRef<'_, S, E>,
        out: BatchMut<'_, S, E>,
        _: &mut (),
        _: &mut StdRng,
    ) {
        self.forward(x, out)
    }
    fn backward(&self, args: Backward<'_, Self, E>) {
        let Backward {
            out,
            mut grad_out,
            grad_of,
            grad_in,
            ..
        } = args;
        if grad_of.applies_activation() {
            A::backward(out.as_slice(), grad_out.as_mut_slice(), Self::last());
        }
        if let Some(mut g) = grad_in {
            g.copy_from(grad_out.as_batch_ref())
                .expect(crate::layer::SAME_SAMPLES);
        }
    }
}

macro_rules! activation_spec {
    ($($a:ty),*) => {$(
        impl<S: Batched, E: Float> LayerSpec<S, E> for $a {
            const OUT: Result<SampleDims, Reason> = Ok(SampleDims::of::<S>());
            type Layer<Out: Batched> = ActivationLayer<S, $a, E>;
        }
    )*};
}
activation_spec!(Linear, Relu, Sigmoid, Tanh, Softmax);
