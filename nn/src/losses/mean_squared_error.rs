//! Mean squared error.

use super::Loss;
use crate::{batch::Batched, Scored};

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

impl<Out: Batched> Loss<Out> for MeanSquaredError {
    type Target = Out;
    const NAME: &'static str = "mean_squared_error";
    fn loss(&self, b: Scored<'_, Out, Out>) -> f32 {
        let s: f64 = b.elements().map(|(p, y)| ((p - y) as f64).powi(2)).sum();
        (s / b.output_elements() as f64) as f32
    }
    fn grad(&self, b: Scored<'_, Out, Out>, grad: &mut Vec<f32>) {
        let k = 2.0 / b.output_elements() as f32;
        let mut g = b.grad_batch(grad);
        for (g, (p, y)) in g.as_mut_slice().iter_mut().zip(b.elements()) {
            *g = k * (p - y);
        }
    }
}
