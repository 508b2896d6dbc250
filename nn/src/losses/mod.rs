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

use crate::{batch::Batched, ActivationKind};

/// Keras's `epsilon()`, the clipping bound of probabilities.
pub const EPSILON: f32 = 1e-7;

/// A loss for a model whose samples have output shape `Out`.
///
/// Buffers are flat: `pred` holds `n` output samples, `target` `n` target
/// samples of shape [`Target`](Loss::Target).
pub trait Loss<Out: Batched> {
    /// The shape of one target sample (the output's shape, or one label).
    type Target: Batched;
    /// Keras's name for it.
    const NAME: &'static str;
    /// The mean loss over the `n` samples.
    fn loss(&self, pred: &[f32], target: &[f32], n: usize) -> f32;
    /// Checks a batch of targets before a step uses them: the sparse losses
    /// refuse a label that is not a class of the output. The default takes
    /// every target.
    fn check_targets(&self, target: &[f32]) -> Result<(), crate::train::TrainError> {
        let _ = target;
        Ok(())
    }
    /// dLoss/dPred into `grad`.
    fn grad(&self, pred: &[f32], target: &[f32], n: usize, grad: &mut [f32]);
    /// When the model ends with `act` and this loss has a simpler exact
    /// gradient with respect to the activation's input (softmax or sigmoid
    /// with crossentropy: `(p - y) / n`), writes it into `grad` and returns
    /// true; otherwise returns false and leaves `grad` alone.
    fn grad_before_activation(
        &self,
        act: ActivationKind,
        pred: &[f32],
        target: &[f32],
        n: usize,
        grad: &mut [f32],
    ) -> bool {
        let _ = (act, pred, target, n, grad);
        false
    }
}

/// `(p - y) / scale`, the fused gradient of crossentropy through softmax or
/// sigmoid.
pub(crate) fn prob_minus_target(pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) {
    shaped_core::op_defs::crossentropy::prob_minus_target(pred, target, scale, grad)
}
