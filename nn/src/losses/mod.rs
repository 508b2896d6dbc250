//! Losses: each the mean over the batch of a per-sample loss, with its
//! gradient with respect to the model's output. Probabilities are clipped to
//! `[EPSILON, 1 - EPSILON]` as Keras does.

mod binary_crossentropy;
mod categorical_crossentropy;
mod mean_absolute_error;
mod mean_squared_error;
mod sparse_categorical_crossentropy;

pub use binary_crossentropy::BinaryCrossentropy;
pub use categorical_crossentropy::CategoricalCrossentropy;
pub use mean_absolute_error::MeanAbsoluteError;
pub use mean_squared_error::MeanSquaredError;
pub use sparse_categorical_crossentropy::SparseCategoricalCrossentropy;

use crate::{batch::Batched, ActivationKind, BatchRef, Scored};
use shaped_core::Float;

/// Keras's `epsilon()`, the clipping bound of probabilities.
pub const EPSILON: f32 = 1e-7;

/// [`EPSILON`] in the loss's element type (for `f32`, `EPSILON` itself).
pub(crate) fn epsilon<E: Float>() -> E {
    E::from_f64(1e-7)
}

/// Whether `p` lies inside the clipping range, where the clip's gradient
/// is 1 (outside it, 0).
pub(crate) fn inside_clip<E: Float>(p: E) -> bool {
    p >= epsilon::<E>() && p <= E::ONE - epsilon::<E>()
}

/// `p` clipped to `[EPSILON, 1 - EPSILON]`; NaN stays NaN.
pub(crate) fn clip<E: Float>(p: E) -> E {
    let (lo, hi) = (epsilon::<E>(), E::ONE - epsilon::<E>());
    if p < lo {
        lo
    } else if p > hi {
        hi
    } else {
        p
    }
}

/// A loss for a model whose samples have output shape `Out`.
///
/// It takes a [`Scored`] batch: the model's outputs beside one target of
/// shape [`Target`](Loss::Target) for each, the counts checked equal.
///
/// ```
/// use shaped_nn::losses::{Loss, MeanSquaredError};
/// use shaped_nn::{BatchRef, Scored};
/// use shaped_core::shape;
/// let pred = BatchRef::<shape![2]>::new(&[1.0, 2.0, 0.0, 0.0], 2).unwrap();
/// let target = BatchRef::<shape![2]>::new(&[0.0; 4], 2).unwrap();
/// let b = Scored::new(pred, target).unwrap();
/// assert_eq!(MeanSquaredError.loss(b), 1.25);
/// let mut grad = Vec::new();
/// MeanSquaredError.grad(b, &mut grad);
/// assert_eq!(grad, [0.5, 1.0, 0.0, 0.0]);
/// ```
pub trait Loss<Out: Batched, E: Float = f32> {
    /// The shape of one target sample (the output's shape, or one label).
    type Target: Batched;
    /// Keras's name for it.
    const NAME: &'static str;
    /// The mean loss over the batch's samples.
    fn loss(&self, b: Scored<'_, Out, Self::Target, E>) -> f32;
    /// Checks a batch of targets before a step uses them: the sparse losses
    /// refuse a label that is not a class of the output. The default takes
    /// every target.
    fn check_targets(
        &self,
        target: BatchRef<'_, Self::Target, E>,
    ) -> Result<(), crate::train::TrainError> {
        let _ = target;
        Ok(())
    }
    /// dLoss/dPred into `grad`, resized to the outputs' length (with
    /// [`Scored::grad_batch`]).
    fn grad(&self, b: Scored<'_, Out, Self::Target, E>, grad: &mut Vec<E>);
    /// When the model ends with `act` and this loss has a simpler exact
    /// gradient with respect to the activation's input (softmax or sigmoid
    /// with crossentropy: `(p - y) / n`), writes it into `grad` (resized
    /// as in [`grad`](Loss::grad)) and returns true; otherwise returns
    /// false and leaves `grad` alone.
    fn grad_before_activation(
        &self,
        act: ActivationKind,
        b: Scored<'_, Out, Self::Target, E>,
        grad: &mut Vec<E>,
    ) -> bool {
        let _ = (act, b, grad);
        false
    }
}

/// `(p - y) / scale`, the fused gradient of crossentropy through softmax or
/// sigmoid.
/// Writes it into `grad`, resized to the outputs' length.
pub(crate) fn prob_minus_target<Out: Batched, E: Float>(
    b: Scored<'_, Out, Out, E>,
    scale: E,
    grad: &mut Vec<E>,
) {
    let mut g = b.grad_batch(grad);
    let (p, y) = (b.pred().as_slice(), b.target().as_slice());
    shaped_core::op_defs::crossentropy::prob_minus_target(p, y, scale, g.as_mut_slice())
}
