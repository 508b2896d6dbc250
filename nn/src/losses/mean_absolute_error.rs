//! Mean absolute error.

use super::Loss;
use crate::batch::Batched;

/// `mean(|p - y|)` over every output and the batch.
///
/// ```
/// use shaped_nn::losses::{Loss, MeanAbsoluteError};
/// use shaped_core::shape;
/// let l = <MeanAbsoluteError as Loss<shape![2]>>::loss(&MeanAbsoluteError, &[1., -2.], &[0., 0.], 1);
/// assert_eq!(l, 1.5);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MeanAbsoluteError;

impl<Out: Batched> Loss<Out> for MeanAbsoluteError {
    type Target = Out;
    const NAME: &'static str = "mean_absolute_error";
    fn loss(&self, pred: &[f32], target: &[f32], n: usize) -> f32 {
        let s: f64 = pred
            .iter()
            .zip(target)
            .map(|(&p, &y)| ((p - y) as f64).abs())
            .sum();
        (s / (n * Out::NUMEL) as f64) as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], n: usize, grad: &mut [f32]) {
        let k = 1.0 / (n * Out::NUMEL) as f32;
        for ((g, &p), &y) in grad.iter_mut().zip(pred).zip(target) {
            *g = k * (p - y).signum() * if p == y { 0.0 } else { 1.0 };
        }
    }
}
