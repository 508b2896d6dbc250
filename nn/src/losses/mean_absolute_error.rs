//! Mean absolute error.

use super::Loss;
use crate::{batch::Batched, Scored};
use shaped_core::Float;

/// `mean(|p - y|)` over every output and the batch.
///
/// ```
/// use shaped_nn::losses::{Loss, MeanAbsoluteError};
/// use shaped_core::shape;
/// use shaped_nn::{BatchRef, Scored};
/// let p = BatchRef::<shape![2]>::new(&[1., -2.], 1).unwrap();
/// let y = BatchRef::<shape![2]>::new(&[0., 0.], 1).unwrap();
/// assert_eq!(MeanAbsoluteError.loss(Scored::new(p, y).unwrap()), 1.5);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MeanAbsoluteError;

impl<Out: Batched, E: Float> Loss<Out, E> for MeanAbsoluteError {
    type Target = Out;
    const NAME: &'static str = "mean_absolute_error";
    fn loss(&self, b: Scored<'_, Out, Out, E>) -> f32 {
        let s: f64 = b.elements().map(|(p, y)| (p - y).to_f64().abs()).sum();
        (s / b.output_elements() as f64) as f32
    }
    fn grad(&self, b: Scored<'_, Out, Out, E>, grad: &mut Vec<E>) {
        let k = E::ONE / E::from_usize(b.output_elements());
        let mut g = b.grad_batch(grad);
        for (g, (p, y)) in g.as_mut_slice().iter_mut().zip(b.elements()) {
            let d = p - y;
            // The sign of the difference (0 where equal); NaN stays NaN.
            *g = if d > E::ZERO {
                k
            } else if d < E::ZERO {
                -k
            } else if d == E::ZERO {
                E::ZERO
            } else {
                d
            };
        }
    }
}
