//! Categorical crossentropy on probabilities with one-hot targets.

use super::{prob_minus_target, Loss, EPSILON};
use crate::{batch::Batched, ActivationKind};

/// `-sum(y * log(clip(p)))` per sample, averaged over the batch; targets are
/// one-hot (or any distribution) of the output's shape. With a softmax
/// output, the gradient is taken through the softmax exactly: `(p - y) / n`.
///
/// ```
/// use shaped_nn::losses::{CategoricalCrossentropy, Loss};
/// use shaped_core::shape;
/// let l = <CategoricalCrossentropy as Loss<shape![2]>>::loss(&CategoricalCrossentropy, &[0.25, 0.75], &[0., 1.], 1);
/// assert!((l - (-(0.75f32).ln())).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct CategoricalCrossentropy;

impl<Out: Batched> Loss<Out> for CategoricalCrossentropy {
    type Target = Out;
    const NAME: &'static str = "categorical_crossentropy";
    fn loss(&self, pred: &[f32], target: &[f32], n: usize) -> f32 {
        let s: f64 = pred
            .iter()
            .zip(target)
            .map(|(&p, &y)| {
                if y == 0.0 {
                    0.0
                } else {
                    -(y as f64) * (p.clamp(EPSILON, 1.0 - EPSILON) as f64).ln()
                }
            })
            .sum();
        (s / n as f64) as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], n: usize, grad: &mut [f32]) {
        let inv = 1.0 / n as f32;
        for ((g, &p), &y) in grad.iter_mut().zip(pred).zip(target) {
            // The clip has zero gradient outside its range.
            *g = if (EPSILON..=1.0 - EPSILON).contains(&p) {
                -y / p * inv
            } else {
                0.0
            };
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
        prob_minus_target(pred, target, n as f32, grad);
        true
    }
}
