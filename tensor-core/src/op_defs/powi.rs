//! An integer power.

use super::UnaryOp;
use crate::dtype::Float;

/// `x^n` for an integer `n`; its derivative `n x^(n-1)` from the input.
///
/// ```
/// use shaped_core::op_defs::{Powi, UnaryOp};
/// assert_eq!(Powi(3).f(2.0f64), 8.0);
/// assert_eq!(Powi(3).df(2.0f64), 12.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Powi(pub i32);

impl<E: Float> UnaryOp<E> for Powi {
    const DF_FROM_OUTPUT: bool = false;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        x.powi(self.0)
    }
    #[inline(always)]
    fn df(&self, x: E) -> E {
        E::from_f64(self.0 as f64) * x.powi(self.0 - 1)
    }
}
