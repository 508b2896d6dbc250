//! Sparse categorical crossentropy: probabilities against integer labels.

use super::{Loss, EPSILON};
use crate::{batch::Batched, ActivationKind};
use tensor_core::One;

/// `-log(clip(p[label]))` per sample, averaged; each target is one label,
/// stored as an `f32` integer. With a softmax output the gradient is taken
/// through the softmax: `(p - onehot(label)) / n`.
///
/// ```
/// use nn::losses::{Loss, SparseCategoricalCrossentropy};
/// use tensor_core::shape;
/// let l = <SparseCategoricalCrossentropy as Loss<shape![2]>>::loss(&SparseCategoricalCrossentropy, &[0.25, 0.75], &[1.], 1);
/// assert!((l - (-(0.75f32).ln())).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SparseCategoricalCrossentropy;

fn label(y: f32, k: usize) -> usize {
    let l = y as usize;
    assert!(
        y >= 0.0 && y.fract() == 0.0 && l < k,
        "sparse_categorical_crossentropy: label {y} is not a class below {k}"
    );
    l
}

impl<Out: Batched> Loss<Out> for SparseCategoricalCrossentropy {
    type Target = (One,);
    const NAME: &'static str = "sparse_categorical_crossentropy";
    fn loss(&self, pred: &[f32], target: &[f32], n: usize) -> f32 {
        let k = Out::NUMEL;
        let s: f64 = pred
            .chunks(k)
            .zip(target)
            .map(|(p, &y)| -(p[label(y, k)].clamp(EPSILON, 1.0 - EPSILON) as f64).ln())
            .sum();
        (s / n as f64) as f32
    }
    fn grad(&self, pred: &[f32], target: &[f32], n: usize, grad: &mut [f32]) {
        let k = Out::NUMEL;
        let inv = 1.0 / n as f32;
        for ((g, p), &y) in grad.chunks_mut(k).zip(pred.chunks(k)).zip(target) {
            g.fill(0.0);
            let l = label(y, k);
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
            let l = label(y, k);
            for (j, (g, &p)) in g.iter_mut().zip(p).enumerate() {
                *g = (p - if j == l { 1.0 } else { 0.0 }) * inv;
            }
        }
        true
    }
}
