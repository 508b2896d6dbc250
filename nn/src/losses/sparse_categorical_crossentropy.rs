//! Sparse categorical crossentropy: probabilities against integer labels.

use super::{clip, inside_clip, Loss};
use crate::{batch::Batched, train::TrainError, ActivationKind, BatchRef, Scored};
use shaped_core::{Float, One};

/// `-log(clip(p[label]))` per sample, averaged; each target is one label,
/// stored as an integer in the model's element type. With a softmax output the gradient is taken
/// through the softmax: `(p - onehot(label)) / n`.
///
/// ```
/// use shaped_nn::losses::{Loss, SparseCategoricalCrossentropy};
/// use shaped_core::shape;
/// use shaped_nn::{BatchRef, Scored};
/// let p = BatchRef::<shape![2]>::new(&[0.25, 0.75], 1).unwrap();
/// let y = BatchRef::<shape![1]>::new(&[1.], 1).unwrap();
/// let l = SparseCategoricalCrossentropy.loss(Scored::new(p, y).unwrap());
/// assert!((l - (-(0.75f32).ln())).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SparseCategoricalCrossentropy;

/// The class of target `y` among `k`, or `None` when it is not one (then
/// the loss is NaN and the sample's gradient row NaN; the trainer refuses
/// such a batch first, with [`Loss::check_targets`]).
fn label<E: Float>(y: E, k: usize) -> Option<usize> {
    let y = y.to_f64();
    (y >= 0.0 && y.fract() == 0.0 && (y as usize) < k).then_some(y as usize)
}

impl<Out: Batched, E: Float> Loss<Out, E> for SparseCategoricalCrossentropy {
    type Target = (One,);
    const NAME: &'static str = "sparse_categorical_crossentropy";
    fn loss(&self, b: Scored<'_, Out, (One,), E>) -> f32 {
        let k = Out::NUMEL;
        let s: f64 = b
            .samples()
            .map(|(p, y)| match label(y[0], k) {
                Some(l) => -clip(p[l]).to_f64().ln(),
                None => f64::NAN,
            })
            .sum();
        (s / b.len() as f64) as f32
    }
    fn check_targets(&self, target: BatchRef<'_, (One,), E>) -> Result<(), TrainError> {
        let k = Out::NUMEL;
        let target = target.as_slice();
        match target.iter().position(|&y| label(y, k).is_none()) {
            None => Ok(()),
            Some(sample) => Err(TrainError::BadTarget {
                sample,
                value: target[sample].to_f64() as f32,
                classes: k,
            }),
        }
    }
    fn grad(&self, b: Scored<'_, Out, (One,), E>, grad: &mut Vec<E>) {
        let k = Out::NUMEL;
        let inv = E::ONE / E::from_usize(b.len());
        let mut g = b.grad_batch(grad);
        let rows = g.as_mut_slice().chunks_mut(k.max(1));
        for (g, (p, y)) in rows.zip(b.samples()) {
            g.fill(E::ZERO);
            let Some(l) = label(y[0], k) else {
                g.fill(E::NAN);
                continue;
            };
            if inside_clip(p[l]) {
                g[l] = -inv / p[l];
            }
        }
    }
    fn grad_before_activation(
        &self,
        act: ActivationKind,
        b: Scored<'_, Out, (One,), E>,
        grad: &mut Vec<E>,
    ) -> bool {
        if act != ActivationKind::Softmax {
            return false;
        }
        let k = Out::NUMEL;
        let inv = E::ONE / E::from_usize(b.len());
        let mut g = b.grad_batch(grad);
        let rows = g.as_mut_slice().chunks_mut(k.max(1));
        for (g, (p, y)) in rows.zip(b.samples()) {
            let Some(l) = label(y[0], k) else {
                g.fill(E::NAN);
                continue;
            };
            for (j, (g, &p)) in g.iter_mut().zip(p).enumerate() {
                *g = (p - if j == l { E::ONE } else { E::ZERO }) * inv;
            }
        }
        true
    }
}
