//! The logistic sigmoid.

use super::UnaryOp;
use crate::dtype::Float;

/// `1 / (1 + e^-x)`, computed without overflow; its derivative `y (1 - y)`
/// from the output.
///
/// ```
/// use shaped_core::op_defs::{Sigmoid, UnaryOp};
/// assert!((Sigmoid.f(0.0f64) - 0.5).abs() < 1e-12);
/// assert_eq!(Sigmoid.f(-1000.0f64), 0.0); // no overflow
/// assert_eq!(Sigmoid.df(0.5f64), 0.25);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Sigmoid;

impl<E: Float> UnaryOp<E> for Sigmoid {
    const DF_FROM_OUTPUT: bool = true;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        if x >= E::ZERO {
            E::ONE / (E::ONE + (-x).exp())
        } else {
            let e = x.exp();
            e / (E::ONE + e)
        }
    }
    #[inline(always)]
    fn df(&self, y: E) -> E {
        y * (E::ONE - y)
    }
}
