//! Negation.

use super::UnaryOp;
use crate::dtype::Float;

/// `-x`; its derivative is -1.
///
/// ```
/// use shaped_core::op_defs::{Neg, UnaryOp};
/// assert_eq!(Neg.f(2.0f32), -2.0);
/// assert_eq!(Neg.df(2.0f32), -1.0);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Neg;

impl<E: Float> UnaryOp<E> for Neg {
    const DF_FROM_OUTPUT: bool = false;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        -x
    }
    #[inline(always)]
    fn df(&self, _: E) -> E {
        -E::ONE
    }
}
