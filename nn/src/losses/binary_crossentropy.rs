//! Binary crossentropy on probabilities.

use super::{clip, inside_clip, prob_minus_target, Loss};
use crate::{batch::Batched, ActivationKind, Scored};
use shaped_core::Float;

/// `-(y log p + (1 - y) log(1 - p))` with `p` clipped, averaged over every
/// output and the batch (Keras's mean over the last axis, then the batch).
/// With a sigmoid output the gradient is `(p - y) / (n k)`.
///
/// ```
/// use shaped_nn::losses::{BinaryCrossentropy, Loss};
/// use shaped_core::shape;
/// use shaped_nn::{BatchRef, Scored};
/// let p = BatchRef::<shape![1]>::new(&[0.8], 1).unwrap();
/// let y = BatchRef::<shape![1]>::new(&[1.], 1).unwrap();
/// let l = BinaryCrossentropy.loss(Scored::new(p, y).unwrap());
/// assert!((l - (-(0.8f32).ln())).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct BinaryCrossentropy;

impl<Out: Batched, E: Float> Loss<Out, E> for BinaryCrossentropy {
    type Target = Out;
    const NAME: &'static str = "binary_crossentropy";
    fn loss(&self, b: Scored<'_, Out, Out, E>) -> f32 {
        let s: f64 = b
            .elements()
            .map(|(p, y)| {
                let p = clip(p).to_f64();
                let y = y.to_f64();
                -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
            })
            .sum();
        (s / b.output_elements() as f64) as f32
    }
    fn grad(&self, b: Scored<'_, Out, Out, E>, grad: &mut Vec<E>) {
        let inv = E::ONE / E::from_usize(b.output_elements());
        let mut g = b.grad_batch(grad);
        for (g, (p, y)) in g.as_mut_slice().iter_mut().zip(b.elements()) {
            *g = if inside_clip(p) {
                (-y / p + (E::ONE - y) / (E::ONE - p)) * inv
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
        if act != ActivationKind::Sigmoid {
            return false;
        }
        prob_minus_target(b, E::from_usize(b.output_elements()), grad);
        true
    }
}
