//! The one definition of every element-wise op: its value `f` and its
//! derivative `df`, side by side, one op a file.
//!
//! [`Tensor`](crate::Tensor)'s ops ([`relu`](crate::Tensor::relu),
//! [`sigmoid`](crate::Tensor::sigmoid), ...), the tape's ([`Var::relu`](crate::Var::relu),
//! ...) and the `nn` crate's activations (their in-place slice loops) all call
//! these, so a formula is written once. [`softmax`] holds the row-wise
//! softmax and log-softmax, forward and backward, used the same way, and
//! [`crossentropy`] the fused softmax + crossentropy gradient `(p - y) / n`.
//!
//! A new op is one [`UnaryOp`] impl; [`Tensor::map_op`](crate::Tensor::map_op)
//! and [`Var::map_op`](crate::Var::map_op) then give its plain and its
//! differentiable form:
//!
//! ```
//! use shaped_core::op_defs::UnaryOp;
//! use shaped_core::{autodiff::gradcheck::{gradcheck1, project, random_input}, shape, Float, Tensor};
//!
//! /// softplus: ln(1 + e^x), whose derivative is the sigmoid.
//! #[derive(Clone, Copy)]
//! struct Softplus;
//! impl<E: Float> UnaryOp<E> for Softplus {
//!     const DF_FROM_OUTPUT: bool = false;
//!     fn f(&self, x: E) -> E { (E::ONE + x.exp()).ln() }
//!     fn df(&self, x: E) -> E { x.sigmoid() }
//! }
//!
//! let x = Tensor::<shape![3], f64>::from_array([-1., 0., 2.]);
//! assert!((x.map_op(Softplus).as_slice()[1] - 2f64.ln()).abs() < 1e-12);
//! let x = random_input::<shape![2, 3]>(Default::default(), &mut rand::rng());
//! gradcheck1(&x, |x| project(&x.map_op(Softplus))).unwrap();
//! ```

mod abs;
pub mod argmax;
mod clamp;
pub mod crossentropy;
mod exp;
mod ln;
mod neg;
mod powf;
mod powi;
mod relu;
mod scalar;
mod sigmoid;
pub mod softmax;
mod sqrt;
mod square;
mod tanh;

pub use abs::Abs;
pub use clamp::Clamp;
pub use exp::Exp;
pub use ln::Ln;
pub use neg::Neg;
pub use powf::Powf;
pub use powi::Powi;
pub use relu::Relu;
pub use scalar::{AddScalar, DivScalar, MulScalar, ScalarDiv, ScalarSub, SubScalar};
pub use sigmoid::Sigmoid;
pub use sqrt::Sqrt;
pub use square::Square;
pub use tanh::Tanh;

use crate::dtype::Float;

/// An element-wise op: its value and its derivative (dfdx's
/// `UnaryDerivative` is the model).
///
/// The derivative is taken from the op's output `y = f(x)` when
/// [`DF_FROM_OUTPUT`](Self::DF_FROM_OUTPUT) is true (sigmoid: `y (1 - y)`),
/// so that an in-place forward that overwrote `x` can still be
/// differentiated, and from its input `x` otherwise (ln: `1 / x`).
pub trait UnaryOp<E: Float>: Copy + 'static {
    /// Whether [`df`](Self::df) and [`grad`](Self::grad) take the output
    /// `y` (true) or the input `x` (false).
    const DF_FROM_OUTPUT: bool;
    /// The value at `x`.
    fn f(&self, x: E) -> E;
    /// The derivative `df/dx`, given `y` or `x` (see
    /// [`DF_FROM_OUTPUT`](Self::DF_FROM_OUTPUT)).
    fn df(&self, v: E) -> E;
    /// One element of the backward pass: the input's gradient given the
    /// output's gradient `g`; `g * df(v)` unless an op needs another form
    /// (relu selects, so that a zero derivative stops even an infinite `g`).
    #[inline(always)]
    fn grad(&self, v: E, g: E) -> E {
        g * self.df(v)
    }
}
