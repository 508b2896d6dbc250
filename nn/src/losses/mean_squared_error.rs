//! Mean squared error.

use super::Loss;
use crate::{batch::Batched, Scored};
use shaped_core::Float;

/// `mean((p - y)^2)` over every output and the batch.
///
/// ```
/// use shaped_nn::losses::{Loss, MeanSquaredError};
/// use shaped_core::shape;
/// use shaped_nn::{BatchRef, Scored};
/// let p = BatchRef::<shape![2]>::new(&[1., 2.], 1).unwrap();
/// let y = BatchRef::<shape![2]>::new(&[0., 0.], 1).unwrap();
/// assert_eq!(MeanSquaredError.loss(Scored::new(p, y).unwrap()), 2.5);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MeanSquaredError;

impl<Out: Batched, E: Float> Loss<Out, E> for MeanSquaredError {
    type Target = Out;
    const NAME: &'static str = "mean_squared_error";
    fn loss(&self, b: Scored<'_, Out, Out, E>) -> f32 {
        let s: f64 = b.elements().map(|(p, y)| (p - y).to_f64().powi(2)).sum();
        (s / b.output_elements() as f64) as f32
    }
    fn grad(&self, b: Scored<'_, Out, Out, E>, grad: &mut Vec<E>) {
        let k = E::from_f64(2.0) / E::from_usize(b.output_elements());
        let mut g = b.grad_batch(grad);
        for (g, (p, y)) in g.as_mut_slice().iter_mut().zip(b.elements()) {
            *g = k * (p - y);
        }
    }
}
