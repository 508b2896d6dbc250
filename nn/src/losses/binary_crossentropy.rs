//! Binary crossentropy on probabilities.

use super::{prob_minus_target, Loss, EPSILON};
use crate::{batch::Batched, ActivationKind, Scored};

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

impl<Out: Batched> Loss<Out> for BinaryCrossentropy {
    type Target = Out;
    const NAME: &'static str = "binary_crossentropy";
    fn loss(&self, b: Scored<'_, Out, Out>) -> f32 {
        let s: f64 = b
            .elements()
            .map(|(p, y)| {
                let p = p.clamp(EPSILON, 1.0 - EPSILON) as f64;
                let y = y as f64;
                -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
            })
            .sum();
        (s / b.output_elements() as f64) as f32
    }
    fn grad(&self, b: Scored<'_, Out, Out>, grad: &mut Vec<f32>) {
        let inv = 1.0 / b.output_elements() as f32;
        let mut g = b.grad_batch(grad);
        for (g, (p, y)) in g.as_mut_slice().iter_mut().zip(b.elements()) {
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
        b: Scored<'_, Out, Out>,
        grad: &mut Vec<f32>,
    ) -> bool {
        if act != ActivationKind::Sigmoid {
            return false;
        }
        prob_minus_target(b, b.output_elements() as f32, grad);
        true
    }
}
