//! `Dropout<P>`: during training, zeroes each value with probability P% and
//! scales the rest by 1 / (1 - P%); at inference, the identity (Keras's
//! inverted dropout).

use crate::batch::{BatchMut, BatchRef, Batched};
use crate::layer::{batch_shape_name, Backward, Layer, LayerSpec, SummaryRow};
use crate::sample_dims::{Reason, SampleDims};
use core::marker::PhantomData;
use rand::{rngs::StdRng, Rng};
use shaped_core::Float;

/// Dropout with a rate of `PERCENT` percent, as written in `model!`:
/// `Dropout<50>` is Keras's `Dropout(0.5)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Dropout<const PERCENT: usize>;

/// Dropout built for samples of shape `S`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DropoutLayer<S: Batched, const PERCENT: usize, E: Float = f32>(PhantomData<(S, E)>);

crate::parameters_struct!([S: Batched, const P: usize, E: Float] DropoutLayer<S, P, E>: Parameters<E> {});

impl<S: Batched, const P: usize, E: Float> Layer<E> for DropoutLayer<S, P, E> {
    type Input = S;
    type Output = S;
    type Grads = ();
    /// The mask of the last training forward: 0 or 1 / (1 - rate).
    type Cache = Vec<E>;
    const PARAMS: usize = 0;

    fn init(_: &mut StdRng) -> Self {
        DropoutLayer(PhantomData)
    }
    fn zero_grads(&self) {}
    fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
        rows.push(SummaryRow {
            layer: format!("{name} (Dropout)"),
            output_shape: batch_shape_name::<S>(),
            params: 0,
        });
    }
    fn forward(&self, x: BatchRef<'_, S, E>, mut out: BatchMut<'_, S, E>) {
        out.copy_from(x).expect(crate::layer::SAME_SAMPLES);
    }
    fn forward_train(
        &self,
        x: BatchRef<'_, S, E>,
        out: BatchMut<'_, S, E>,
        mask: &mut Vec<E>,
        rng: &mut StdRng,
    ) {
        let x = x.as_slice();
        let rate = P as f32 / 100.0;
        // In `E` (for `f32`, the same operations as `rate`'s).
        let rate_e = E::from_f64(P as f64) / E::from_f64(100.0);
        let keep = E::ONE / (E::ONE - rate_e);
        mask.clear();
        mask.extend(x.iter().map(|_| {
            if rng.random::<f32>() < rate {
                E::ZERO
            } else {
                keep
            }
        }));
        for ((o, &a), &m) in out.into_slice().iter_mut().zip(x).zip(mask.iter()) {
            *o = a * m;
        }
    }
    fn backward(&self, args: Backward<'_, Self, E>) {
        let Backward {
            grad_out,
            cache: mask,
            grad_in,
            ..
        } = args;
        assert_eq!(
            mask.len(),
            grad_out.as_slice().len(),
            "Dropout: backward without the training forward of this batch"
        );
        if let Some(g) = &grad_in {
            assert_eq!(g.len(), grad_out.len(), "{}", crate::layer::SAME_SAMPLES);
        }
        if let Some(g) = grad_in {
            let g = g.into_slice().iter_mut();
            for ((d, &a), &m) in g.zip(grad_out.as_slice()).zip(mask.iter()) {
                *d = a * m;
            }
        }
    }
}

impl<S: Batched, const P: usize, E: Float> LayerSpec<S, E> for Dropout<P> {
    const OUT: Result<SampleDims, Reason> = if P < 100 {
        Ok(SampleDims::of::<S>())
    } else {
        Err(Reason::new("Dropout<")
            .num(P)
            .text(">: the rate P is a percentage below 100"))
    };
    type Layer<Out: Batched> = DropoutLayer<S, P, E>;
}
