//! Mean absolute error.

use super::Loss;
use crate::{batch::Batched, Scored};

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

impl<Out: Batched> Loss<Out> for MeanAbsoluteError {
    type Target = Out;
    const NAME: &'static str = "mean_absolute_error";
    fn loss(&self, b: Scored<'_, Out, Out>) -> f32 {
        let s: f64 = b.elements().map(|(p, y)| ((p - y) as f64).abs()).sum();
        (s / b.output_elements() as f64) as f32
    }
    fn grad(&self, b: Scored<'_, Out, Out>, grad: &mut Vec<f32>) {
        let k = 1.0 / b.output_elements() as f32;
        let mut g = b.grad_batch(grad);
        for (g, (p, y)) in g.as_mut_slice().iter_mut().zip(b.elements()) {
            *g = k * (p - y).signum() * if p == y { 0.0 } else { 1.0 };
        }
    }
}
