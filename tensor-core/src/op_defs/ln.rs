//! The natural logarithm.

use super::UnaryOp;
use crate::dtype::Float;

/// `ln(x)`; its derivative `1 / x` from the input.
///
/// ```
/// use shaped_core::op_defs::{Ln, UnaryOp};
/// assert_eq!(Ln.f(1.0f64), 0.0);
/// assert_eq!(Ln.df(4.0f64), 0.25);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Ln;

impl<E: Float> UnaryOp<E> for Ln {
    const DF_FROM_OUTPUT: bool = false;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        x.ln()
    }
    #[inline(always)]
    fn df(&self, x: E) -> E {
        E::ONE / x
    }
}
