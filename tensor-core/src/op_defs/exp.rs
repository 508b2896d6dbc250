//! The exponential.

use super::UnaryOp;
use crate::dtype::Float;

/// `e^x`; its derivative is its value.
///
/// ```
/// use shaped_core::op_defs::{Exp, UnaryOp};
/// assert_eq!(Exp.f(0.0f64), 1.0);
/// assert_eq!(Exp.df(7.0f64), 7.0); // from the output
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Exp;

impl<E: Float> UnaryOp<E> for Exp {
    const DF_FROM_OUTPUT: bool = true;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        x.exp()
    }
    #[inline(always)]
    fn df(&self, y: E) -> E {
        y
    }
}
