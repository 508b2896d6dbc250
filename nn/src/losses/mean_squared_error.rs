//! Mean squared error.

use super::Loss;
use crate::batch::Batched;

/// `mean((p - y)^2)` over every output and the batch.
///
/// ```
/// use shaped_nn::losses::{Loss, MeanSquaredError};
/// use shaped_core::shape;
/// let l = <MeanSquaredError as Loss<shape![2]>>::loss(&MeanSquaredError, &[1., 2.], &[0., 0.], 1);
/// assert_eq!(l, 2.5);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MeanSquaredError;

impl<Out: Batched> Loss<Out> for MeanSquaredError {
    type Target = Out;
    const NAME: &'static str = "mean_squared_error";
    fn loss(&self, pred: &[f32], target: &[f32], n: usize) -> f32 {
        let s: f64 = pred
            .iter()
            .zip(target)
            .map(|(&p, &y)| ((p - y) as f64).powi(2))
            .sum();
        (s / (n * Out::NUMEL) as f64) as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], n: usize, grad: &mut [f32]) {
        let k = 2.0 / (n * Out::NUMEL) as f32;
        for ((g, &p), &y) in grad.iter_mut().zip(pred).zip(target) {
            *g = k * (p - y);
        }
    }
}
