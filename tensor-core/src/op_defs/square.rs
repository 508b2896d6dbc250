//! The square.

use super::UnaryOp;
use crate::dtype::Float;

/// `x²`; its derivative `2x` from the input.
///
/// ```
/// use shaped_core::op_defs::{Square, UnaryOp};
/// assert_eq!(Square.f(-3.0f32), 9.0);
/// assert_eq!(Square.df(-3.0f32), -6.0);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Square;

impl<E: Float> UnaryOp<E> for Square {
    const DF_FROM_OUTPUT: bool = false;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        x * x
    }
    #[inline(always)]
    fn df(&self, x: E) -> E {
        x + x
    }
}
