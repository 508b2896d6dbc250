//! Categorical crossentropy on probabilities with one-hot targets.

use super::{clip, inside_clip, prob_minus_target, Loss};
use crate::{batch::Batched, ActivationKind, Scored};
use shaped_core::Float;

/// `-sum(y * log(clip(p)))` per sample, averaged over the batch; targets are
/// one-hot (or any distribution) of the output's shape. With a softmax
/// output, the gradient is taken through the softmax exactly: `(p - y) / n`.
///
/// ```
/// use shaped_nn::losses::{CategoricalCrossentropy, Loss};
/// use shaped_core::shape;
/// use shaped_nn::{BatchRef, Scored};
/// let p = BatchRef::<shape![2]>::new(&[0.25, 0.75], 1).unwrap();
/// let y = BatchRef::<shape![2]>::new(&[0., 1.], 1).unwrap();
/// let l = CategoricalCrossentropy.loss(Scored::new(p, y).unwrap());
/// assert!((l - (-(0.75f32).ln())).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct CategoricalCrossentropy;

impl<Out: Batched, E: Float> Loss<Out, E> for CategoricalCrossentropy {
    type Target = Out;
    const NAME: &'static str = "categorical_crossentropy";
    fn loss(&self, b: Scored<'_, Out, Out, E>) -> f32 {
        let s: f64 = b
            .elements()
            .map(|(p, y)| {
                if y == E::ZERO {
                    0.0
                } else {
                    -y.to_f64() * clip(p).to_f64().ln()
                }
            })
            .sum();
        (s / b.len() as f64) as f32
    }
    fn grad(&self, b: Scored<'_, Out, Out, E>, grad: &mut Vec<E>) {
        let inv = E::ONE / E::from_usize(b.len());
        let mut g = b.grad_batch(grad);
        for (g, (p, y)) in g.as_mut_slice().iter_mut().zip(b.elements()) {
            // The clip has zero gradient outside its range.
            *g = if inside_clip(p) {
                -y / p * inv
            } else {
                E::ZERO
            };
        }
    }
    fn grad_before_activation(
        &self,
        act: ActivationKind,
        b: Scored<'_, Out, Out, E>,
        grad: &mut Vec<E>,
    ) -> bool {
        if act != ActivationKind::Softmax {
            return false;
        }
        prob_minus_target(b, E::from_usize(b.len()), grad);
        true
    }
}
