//! Binary crossentropy on probabilities.

use super::{prob_minus_target, Loss, EPSILON};
use crate::{batch::Batched, ActivationKind};

/// `-(y log p + (1 - y) log(1 - p))` with `p` clipped, averaged over every
/// output and the batch (Keras's mean over the last axis, then the batch).
/// With a sigmoid output the gradient is `(p - y) / (n k)`.
///
/// ```
/// use shaped_nn::losses::{BinaryCrossentropy, Loss};
/// use shaped_core::shape;
/// let l = <BinaryCrossentropy as Loss<shape![1]>>::loss(&BinaryCrossentropy, &[0.8], &[1.], 1);
/// assert!((l - (-(0.8f32).ln())).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct BinaryCrossentropy;

impl<Out: Batched> Loss<Out> for BinaryCrossentropy {
    type Target = Out;
    const NAME: &'static str = "binary_crossentropy";
    fn loss(&self, pred: &[f32], target: &[f32], n: usize) -> f32 {
        let s: f64 = pred
            .iter()
            .zip(target)
            .map(|(&p, &y)| {
                let p = p.clamp(EPSILON, 1.0 - EPSILON) as f64;
                let y = y as f64;
                -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
            })
            .sum();
        (s / (n * Out::NUMEL) as f64) as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], n: usize, grad: &mut [f32]) {
        let inv = 1.0 / (n * Out::NUMEL) as f32;
        for ((g, &p), &y) in grad.iter_mut().zip(pred).zip(target) {
            *g = if (EPSILON..=1.0 - EPSILON).contains(&p) {
                (-y / p + (1.0 - y) / (1.0 - p)) * inv
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
        if act != ActivationKind::Sigmoid {
            return false;
        }
        prob_minus_target(pred, target, (n * Out::NUMEL) as f32, grad);
        true
    }
}
