//! The square root.

use super::UnaryOp;
use crate::dtype::Float;

/// `√x`; its derivative `1 / (2 y)` from the output.
///
/// ```
/// use shaped_core::op_defs::{Sqrt, UnaryOp};
/// assert_eq!(Sqrt.f(9.0f64), 3.0);
/// assert_eq!(Sqrt.df(2.0f64), 0.25);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Sqrt;

impl<E: Float> UnaryOp<E> for Sqrt {
    const DF_FROM_OUTPUT: bool = true;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        x.sqrt()
    }
    #[inline(always)]
    fn df(&self, y: E) -> E {
        E::ONE / (y + y)
    }
}
