//! The hyperbolic tangent.

use super::UnaryOp;
use crate::dtype::Float;

/// `tanh(x)`; its derivative `1 - y²` from the output.
///
/// ```
/// use shaped_core::op_defs::{Tanh, UnaryOp};
/// assert_eq!(Tanh.f(0.0f32), 0.0);
/// assert_eq!(Tanh.df(0.5f32), 0.75);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Tanh;

impl<E: Float> UnaryOp<E> for Tanh {
    const DF_FROM_OUTPUT: bool = true;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        x.tanh()
    }
    #[inline(always)]
    fn df(&self, y: E) -> E {
        E::ONE - y * y
    }
}
