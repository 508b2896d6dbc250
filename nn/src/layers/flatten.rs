//! `Flatten`: a sample of any static shape becomes a vector of all its
//! elements, the count computed where the model is defined.

use crate::batch::{BatchMut, BatchRef, Batched};
use crate::layer::{batch_shape_name, Backward, Layer, LayerSpec, SummaryRow};
use crate::sample_dims::{Reason, SampleDims};
use core::marker::PhantomData;
use rand::rngs::StdRng;
use shaped_core::Float;

/// The `N` of a [`Flatten`] written without one: the count is computed.
pub const COMPUTED: usize = usize::MAX;

/// Flattens each sample to one axis, as written in `model!`:
/// `(28, 28) => [Flatten, Dense<512, Relu>, ...]` gives the dense layer 784
/// inputs.
///
/// `Flatten<N>` states the count as well and is checked: `Flatten<768>` of
/// a `(28, 28)` sample fails at `cargo check` with
/// `Flatten<768> receives shape (28, 28), which holds 784 elements`.
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::{model, Dense, DenseLayer, Flatten, Relu, Softmax};
/// model! { struct Images: (28, 28) => [Flatten, Dense<512, Relu>, Dense<10, Softmax>] }
/// let m = Images::seeded(0);
/// let hidden: &DenseLayer<784, 512, Relu> = &m.dense_1; // 784 computed
/// assert_eq!(Images::PARAMS, 784 * 512 + 512 + 512 * 10 + 10);
/// ```
///
/// ```
/// use shaped_nn::{Flatten, LayerSpec, SampleDims};
/// use shaped_core::shape;
/// assert_eq!(<Flatten as LayerSpec<shape![13, 13, 32]>>::OUT, Ok(SampleDims::new(&[5408])));
/// assert_eq!(
///     <Flatten<768> as LayerSpec<shape![28, 28]>>::OUT.unwrap_err().as_str(),
///     "Flatten<768> receives shape (28, 28), which holds 784 elements"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Flatten<const N: usize = COMPUTED>;

/// The flatten layer built for input shape `In`; `Out` is `(Sz<n>,)`, `n`
/// the number of elements of `In`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FlattenLayer<In: Batched, Out: Batched, E: Float = f32>(PhantomData<(In, Out, E)>);

crate::parameters_struct!([In: Batched, Out: Batched, E: Float] FlattenLayer<In, Out, E>: Parameters<E> {});

impl<In: Batched, Out: Batched, E: Float> Layer<E> for FlattenLayer<In, Out, E> {
    type Input = In;
    type Output = Out;
    type Grads = ();
    type Cache = ();
    const PARAMS: usize = 0;

    fn init(_: &mut StdRng) -> Self {
        const {
            assert!(
                Out::RANK == 1 && In::NUMEL == Out::NUMEL,
                "FlattenLayer<In, Out>: Out must be one axis holding In's elements"
            )
        };
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
    fn forward(&self, x: BatchRef<'_, In, E>, mut out: BatchMut<'_, Out, E>) {
        out.copy_from(x).expect(crate::layer::SAME_SAMPLES);
    }
    fn forward_train(
        &self,
        x: BatchRef<'_, In, E>,
        out: BatchMut<'_, Out, E>,
        _: &mut (),
        _: &mut StdRng,
    ) {
        self.forward(x, out)
    }
    fn backward(&self, args: Backward<'_, Self, E>) {
        let Backward {
            grad_out, grad_in, ..
        } = args;
        if let Some(mut g) = grad_in {
            g.copy_from(grad_out.as_batch_ref())
                .expect(crate::layer::SAME_SAMPLES);
        }
    }
}

impl<S: Batched, const N: usize, E: Float> LayerSpec<S, E> for Flatten<N> {
    const OUT: Result<SampleDims, Reason> = {
        let dims = SampleDims::of::<S>();
        match dims.checked_numel() {
            None => Err(Reason::new("Flatten receives shape ")
                .dims(dims)
                .text(", whose element count overflows usize")),
            Some(n) if N == COMPUTED || N == n => Ok(SampleDims::new(&[n])),
            Some(n) => Err(Reason::new("Flatten<")
                .num(N)
                .text("> receives shape ")
                .dims(dims)
                .text(", which holds ")
                .num(n)
                .text(" elements")),
        }
    };
    type Layer<Out: Batched> = FlattenLayer<S, Out, E>;
}
