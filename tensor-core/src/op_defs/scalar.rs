//! Arithmetic with one number, as element-wise ops: `x + c`, `x - c`,
//! `c - x`, `x * c`, `x / c`, `c / x`.

use super::UnaryOp;
use crate::dtype::Float;

/// `x + c`; its derivative is 1.
///
/// ```
/// use shaped_core::op_defs::{AddScalar, UnaryOp};
/// assert_eq!(AddScalar(2.0f32).f(1.0), 3.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AddScalar<E>(pub E);
/// `x - c`; its derivative is 1.
#[derive(Clone, Copy, Debug)]
pub struct SubScalar<E>(pub E);
/// `c - x`; its derivative is -1.
#[derive(Clone, Copy, Debug)]
pub struct ScalarSub<E>(pub E);
/// `x * c`; its derivative is `c`.
#[derive(Clone, Copy, Debug)]
pub struct MulScalar<E>(pub E);
/// `x / c`; its derivative is `1 / c`.
#[derive(Clone, Copy, Debug)]
pub struct DivScalar<E>(pub E);
/// `c / x`; its derivative is `-c / x²`.
///
/// ```
/// use shaped_core::op_defs::{ScalarDiv, UnaryOp};
/// assert_eq!(ScalarDiv(2.0f32).df(2.0), -0.5);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ScalarDiv<E>(pub E);

macro_rules! scalar_op {
    ($($op:ident: |$c:ident, $x:ident| $f:expr, $df:expr;)*) => {$(
        impl<E: Float> UnaryOp<E> for $op<E> {
            const DF_FROM_OUTPUT: bool = false;
            #[inline(always)]
            fn f(&self, $x: E) -> E {
                let $c = self.0;
                $f
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn df(&self, $x: E) -> E {
                let $c = self.0;
                $df
            }
        }
    )*};
}
scalar_op! {
    AddScalar: |c, x| x + c, E::ONE;
    SubScalar: |c, x| x - c, E::ONE;
    ScalarSub: |c, x| c - x, -E::ONE;
    MulScalar: |c, x| x * c, c;
    DivScalar: |c, x| x / c, E::ONE / c;
    ScalarDiv: |c, x| c / x, -c / (x * x);
}
