//! Sparse categorical crossentropy: probabilities against integer labels.

use super::{Loss, EPSILON};
use crate::{batch::Batched, train::TrainError, ActivationKind};
use shaped_core::One;

/// `-log(clip(p[label]))` per sample, averaged; each target is one label,
/// stored as an `f32` integer. With a softmax output the gradient is taken
/// through the softmax: `(p - onehot(label)) / n`.
///
/// ```
/// use shaped_nn::losses::{Loss, SparseCategoricalCrossentropy};
/// use shaped_core::shape;
/// let l = <SparseCategoricalCrossentropy as Loss<shape![2]>>::loss(&SparseCategoricalCrossentropy, &[0.25, 0.75], &[1.], 1);
/// assert!((l - (-(0.75f32).ln())).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SparseCategoricalCrossentropy;

/// The class of target `y` among `k`, or `None` when it is not one (then
/// the loss is NaN and the sample's gradient row NaN; the trainer refuses
/// such a batch first, with [`Loss::check_targets`]).
fn label(y: f32, k: usize) -> Option<usize> {
    (y >= 0.0 && y.fract() == 0.0 && (y as usize) < k).then_some(y as usize)
}

impl<Out: Batched> Loss<Out> for SparseCategoricalCrossentropy {
    type Target = (One,);
    const NAME: &'static str = "sparse_categorical_crossentropy";
    fn loss(&self, pred: &[f32], target: &[f32], n: usize) -> f32 {
        let k = Out::NUMEL;
        let s: f64 = pred
            .chunks(k)
            .zip(target)
            .map(|(p, &y)| match label(y, k) {
                Some(l) => -(p[l].clamp(EPSILON, 1.0 - EPSILON) as f64).ln(),
                None => f64::NAN,
            })
            .sum();
        (s / n as f64) as f32
    }
    fn check_targets(&self, target: &[f32]) -> Result<(), TrainError> {
        let k = Out::NUMEL;
        match target.iter().position(|&y| label(y, k).is_none()) {
            None => Ok(()),
            Some(sample) => Err(TrainError::BadTarget {
                sample,
                value: target[sample],
                classes: k,
            }),
        }
    }
    fn grad(&self, pred: &[f32], target: &[f32], n: usize, grad: &mut [f32]) {
        let k = Out::NUMEL;
        let inv = 1.0 / n as f32;
        for ((g, p), &y) in grad.chunks_mut(k).zip(pred.chunks(k)).zip(target) {
            g.fill(0.0);
            let Some(l) = label(y, k) else {
                g.fill(f32::NAN);
                continue;
            };
            if (EPSILON..=1.0 - EPSILON).contains(&p[l]) {
                g[l] = -inv / p[l];
            }
        }
    }
    fn grad_before_activation(
        &self,
        act: ActivationKind,
        pred: &[f32],
        target: &[f32],
        n: usize,
        grad: &mut [f32],
    ) -> bool {
        if act != ActivationKind::Softmax {
            return false;
        }
        let k = Out::NUMEL;
        let inv = 1.0 / n as f32;
        for ((g, p), &y) in grad.chunks_mut(k).zip(pred.chunks(k)).zip(target) {
            let Some(l) = label(y, k) else {
                g.fill(f32::NAN);
                continue;
            };
            for (j, (g, &p)) in g.iter_mut().zip(p).enumerate() {
                *g = (p - if j == l { 1.0 } else { 0.0 }) * inv;
            }
        }
        true
    }
}
