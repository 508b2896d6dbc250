//! Clamping to an interval (numpy's `clip`).

use super::UnaryOp;
use crate::dtype::Float;

/// `x` limited to `[low, high]`, NaN if any of the three is NaN (numpy's
/// `clip`). The gradient passes where `low <= x <= high` and is 0 outside.
///
/// ```
/// use shaped_core::op_defs::{Clamp, UnaryOp};
/// let c = Clamp { low: 0.0f32, high: 1.0 };
/// assert_eq!([c.f(-1.0), c.f(0.5), c.f(2.0)], [0.0, 0.5, 1.0]);
/// assert!(c.f(f32::NAN).is_nan());
/// assert_eq!([c.df(-1.0), c.df(0.5)], [0.0, 1.0]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Clamp<E> {
    /// The lower bound.
    pub low: E,
    /// The upper bound.
    pub high: E,
}

impl<E: Float> UnaryOp<E> for Clamp<E> {
    const DF_FROM_OUTPUT: bool = false;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        use crate::ops::binary::{nan_max, nan_min};
        nan_min(nan_max(x, self.low), self.high)
    }
    #[inline(always)]
    fn df(&self, x: E) -> E {
        if x >= self.low && x <= self.high {
            E::ONE
        } else {
            E::ZERO
        }
    }
}
