//! The absolute value.

use super::UnaryOp;
use crate::dtype::Float;

/// `|x|`; its derivative is the sign of `x`, taken as 0 at 0.
///
/// ```
/// use shaped_core::op_defs::{Abs, UnaryOp};
/// assert_eq!(Abs.f(-3.0f32), 3.0);
/// assert_eq!([Abs.df(-3.0f32), Abs.df(0.0), Abs.df(2.0)], [-1.0, 0.0, 1.0]);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Abs;

impl<E: Float> UnaryOp<E> for Abs {
    const DF_FROM_OUTPUT: bool = false;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        x.abs()
    }
    #[inline(always)]
    fn df(&self, x: E) -> E {
        if x > E::ZERO {
            E::ONE
        } else if x < E::ZERO {
            -E::ONE
        } else {
            E::ZERO
        }
    }
}
