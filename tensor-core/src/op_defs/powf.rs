//! A real power.

use super::UnaryOp;
use crate::dtype::Float;

/// `x^p` for a real `p`; its derivative `p x^(p-1)` from the input.
///
/// ```
/// use shaped_core::op_defs::{Powf, UnaryOp};
/// assert_eq!(Powf(0.5f64).f(9.0), 3.0);
/// assert_eq!(Powf(0.5f64).df(4.0), 0.25);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Powf<E>(pub E);

impl<E: Float> UnaryOp<E> for Powf<E> {
    const DF_FROM_OUTPUT: bool = false;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        x.powf(self.0)
    }
    #[inline(always)]
    fn df(&self, x: E) -> E {
        self.0 * x.powf(self.0 - E::ONE)
    }
}
