//! [`Refused`]: the layer a spec names for an input it refuses, which is
//! never built. `Dense` names it for a sample of rank 2 or more
//! ([`DenseRefused`](crate::DenseRefused)); a layer that computes in `f32`
//! alone (the convolution, the pools, a tape layer) names it for `f64`, in
//! a model declared generic over its element type, with the refusal
//! [`f32_only`] (`Conv2D<4, 3> computes in f32 only; this model is generic
//! over its element type: declare it without <E>`). `model!` checks each
//! refusal at the layer, so the layer is never built.

use crate::{
    batch::{BatchMut, BatchRef, Batched},
    layer::{Backward, Layer, SummaryRow},
    parameters_struct,
    sample_dims::{Reason, SampleDims},
};
use core::marker::PhantomData;
use rand::rngs::StdRng;
use shaped_core::Float;

/// The layer a spec names for what it refuses: never built (its `init`
/// does not compile), since the spec's `OUT` refuses where the model is
/// defined.
///
/// ```
/// use shaped_nn::{LayerSpec, MaxPool2D};
/// use shaped_core::shape;
/// assert_eq!(
///     <MaxPool2D<2> as LayerSpec<shape![4, 4, 1], f64>>::OUT.unwrap_err().as_str(),
///     "MaxPool2D<2> computes in f32 only; this model is generic over its element type: declare it without <E>"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Refused<In: Batched, Out: Batched, E: Float = f32>(PhantomData<(In, Out, E)>);

parameters_struct!([In: Batched, Out: Batched, E: Float] Refused<In, Out, E>: Parameters<E> {});

impl<In: Batched, Out: Batched, E: Float> Layer<E> for Refused<In, Out, E> {
    type Input = In;
    type Output = Out;
    type Grads = ();
    type Cache = ();
    const PARAMS: usize = 0;

    fn init(_: &mut StdRng) -> Self {
        const {
            panic!("a layer whose spec refuses its input is never built");
        }
    }
    fn zero_grads(&self) {}
    fn summary_rows(&self, _: &str, _: &mut Vec<SummaryRow>) {}
    fn forward(&self, _: BatchRef<'_, In, E>, _: BatchMut<'_, Out, E>) {}
    fn forward_train(
        &self,
        _: BatchRef<'_, In, E>,
        _: BatchMut<'_, Out, E>,
        _: &mut (),
        _: &mut StdRng,
    ) {
    }
    fn backward(&self, _: Backward<'_, Self, E>) {}
}

/// The `OUT` of an `f32`-only layer's spec for `f64`: the refusal, naming
/// the layer.
///
/// ```
/// use shaped_nn::{layers::refused::f32_only, Reason};
/// assert!(f32_only(Reason::new("Conv2D<4, 3>")).unwrap_err().as_str().starts_with("Conv2D<4, 3> computes in f32 only"));
/// ```
// Evaluated at compile time, as every `LayerSpec::OUT` is.
#[allow(clippy::result_large_err)]
pub const fn f32_only(who: Reason) -> Result<SampleDims, Reason> {
    Err(who.text(
        " computes in f32 only; this model is generic over its element type: declare it without <E>",
    ))
}
