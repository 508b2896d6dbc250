//! relu: `max(x, 0)`, with NaN kept as NaN.

use super::UnaryOp;
use crate::dtype::Float;

/// max(x, 0); NaN stays NaN (numpy, PyTorch and TensorFlow do the same:
/// `x.max(0.0)` would turn NaN into 0 and hide it). Its derivative is 1
/// where the output is positive and 0 elsewhere (at 0 and at NaN, as
/// PyTorch's), read from the output.
///
/// ```
/// use shaped_core::op_defs::{Relu, UnaryOp};
/// assert_eq!(Relu.f(-2.0f32), 0.0);
/// assert!(Relu.f(f32::NAN).is_nan());
/// assert_eq!(Relu.grad(3.0f32, 5.0), 5.0);
/// assert_eq!(Relu.grad(0.0f32, f32::INFINITY), 0.0);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Relu;

impl<E: Float> UnaryOp<E> for Relu {
    const DF_FROM_OUTPUT: bool = true;
    #[inline(always)]
    fn f(&self, x: E) -> E {
        // A select, not `max`, so NaN passes and the loop vectorizes.
        if x < E::ZERO {
            E::ZERO
        } else {
            x
        }
    }
    #[inline(always)]
    fn df(&self, y: E) -> E {
        if y > E::ZERO {
            E::ONE
        } else {
            E::ZERO
        }
    }
    #[inline(always)]
    fn grad(&self, y: E, g: E) -> E {
        // A select, not a product, so that the loop vectorizes and an
        // inactive unit passes no gradient at all.
        if y > E::ZERO {
            g
        } else {
            E::ZERO
        }
    }
}
