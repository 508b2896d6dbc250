//! Element-wise unary ops on [`Var`]s (relu, exp, ln, sqrt, powers, sigmoid,
//! tanh, abs, square, clamp, negation) and arithmetic with one number.
//! Each is its one definition in [`op_defs`](crate::op_defs) recorded by
//! [`Var::map_op`]: the backward multiplies the output gradient by the op's
//! derivative.

use crate::{
    autodiff::var::Var,
    dtype::Float,
    op_defs::{self, UnaryOp},
    shape::Shape,
};
use core::ops::{Add, Div, Mul, Neg, Sub};
use std::rc::Rc;

impl<S: Shape, E: Float> Var<S, E> {
    /// Records the element-wise op `op`: its value is
    /// [`Tensor::map_op`](crate::Tensor::map_op), and the backward adds
    /// [`op.grad(v, g)`](UnaryOp::grad) per element, with `v` the output or
    /// the input as [`DF_FROM_OUTPUT`](UnaryOp::DF_FROM_OUTPUT) says (the
    /// tape keeps only that one).
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, op_defs::Square, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([3., -1.]));
    /// let g = x.map_op(Square).sum_all().backward();
    /// assert_eq!(g.get(&x).unwrap().as_slice(), &[6., -2.]);
    /// ```
    pub fn map_op<Op: UnaryOp<E>>(&self, op: Op) -> Var<S, E> {
        let value = self.value.map_op(op);
        if Op::DF_FROM_OUTPUT {
            self.record1_with_output(value, move |g, y, gx| {
                for ((gx, &g), &y) in gx.iter_mut().zip(g).zip(y) {
                    *gx += op.grad(y, g);
                }
            })
        } else {
            let x = Rc::clone(&self.value);
            self.record1(value, move |g, gx| {
                for ((gx, &g), &x) in gx.iter_mut().zip(g).zip(&x.data) {
                    *gx += op.grad(x, g);
                }
            })
        }
    }

    /// max(x, 0), element-wise; NaN stays NaN. Its derivative is taken as 0
    /// at 0 (and at NaN, as PyTorch's).
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([3., -1.]));
    /// let y = x.relu();
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[3., 0.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[1., 0.]));
    /// ```
    pub fn relu(&self) -> Var<S, E> {
        self.map_op(op_defs::Relu)
    }
    /// e^x, element-wise.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([0., 1.]));
    /// let y = x.exp();
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[1., std::f64::consts::E]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[1., std::f64::consts::E]));
    /// ```
    pub fn exp(&self) -> Var<S, E> {
        self.map_op(op_defs::Exp)
    }
    /// The natural logarithm, element-wise.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    /// let y = x.ln();
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[0., std::f64::consts::LN_2]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[1., 0.5]));
    /// ```
    pub fn ln(&self) -> Var<S, E> {
        self.map_op(op_defs::Ln)
    }
    /// The square root, element-wise.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([4., 9.]));
    /// let y = x.sqrt();
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[2., 3.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[0.25, 1. / 6.]));
    /// ```
    pub fn sqrt(&self) -> Var<S, E> {
        self.map_op(op_defs::Sqrt)
    }
    /// 1 / (1 + e^-x), element-wise.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1], f64>::from_array([0.]));
    /// let y = x.sigmoid();
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[0.5]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[0.25]));
    /// ```
    pub fn sigmoid(&self) -> Var<S, E> {
        self.map_op(op_defs::Sigmoid)
    }
    /// The hyperbolic tangent, element-wise.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1], f64>::from_array([0.]));
    /// let y = x.tanh();
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[0.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[1.]));
    /// ```
    pub fn tanh(&self) -> Var<S, E> {
        self.map_op(op_defs::Tanh)
    }
    /// The absolute value, element-wise. Its derivative is taken as 0 at 0.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([-2., 3.]));
    /// let y = x.abs();
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[2., 3.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[-1., 1.]));
    /// ```
    pub fn abs(&self) -> Var<S, E> {
        self.map_op(op_defs::Abs)
    }
    /// x², element-wise.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([3., -1.]));
    /// let y = x.square();
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[9., 1.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[6., -2.]));
    /// ```
    pub fn square(&self) -> Var<S, E> {
        self.map_op(op_defs::Square)
    }
    /// x^n for an integer `n`, element-wise.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1], f64>::from_array([2.]));
    /// let y = x.powi(3);
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[8.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[12.]));
    /// ```
    pub fn powi(&self, n: i32) -> Var<S, E> {
        self.map_op(op_defs::Powi(n))
    }
    /// x^p for a real `p`, element-wise.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1], f64>::from_array([4.]));
    /// let y = x.powf(0.5);
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[2.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[0.25]));
    /// ```
    pub fn powf(&self, p: E) -> Var<S, E> {
        self.map_op(op_defs::Powf(p))
    }
    /// Each element limited to `[low, high]`; NaN stays NaN. The gradient passes where
    /// `low <= x <= high` and is 0 outside.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![3], f64>::from_array([-1., 0.5, 2.]));
    /// let y = x.clamp(0., 1.);
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[0., 0.5, 1.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[0., 1., 0.]));
    /// ```
    pub fn clamp(&self, low: E, high: E) -> Var<S, E> {
        self.map_op(op_defs::Clamp { low, high })
    }

    /// `x + c` for a number `c` (also written `&x + c`).
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1], f64>::from_array([1.]));
    /// let y = x.add_scalar(2.);
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[3.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[1.]));
    /// ```
    pub fn add_scalar(&self, c: E) -> Var<S, E> {
        self.map_op(op_defs::AddScalar(c))
    }
    /// `x - c` (also written `&x - c`).
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1], f64>::from_array([1.]));
    /// let y = x.sub_scalar(2.);
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[-1.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[1.]));
    /// ```
    pub fn sub_scalar(&self, c: E) -> Var<S, E> {
        self.map_op(op_defs::SubScalar(c))
    }
    /// `c - x` (also written `c - &x`).
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1], f64>::from_array([1.]));
    /// let y = x.scalar_sub(2.);
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[1.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[-1.]));
    /// ```
    pub fn scalar_sub(&self, c: E) -> Var<S, E> {
        self.map_op(op_defs::ScalarSub(c))
    }
    /// `x * c` (also written `&x * c` or `c * &x`).
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1], f64>::from_array([2.]));
    /// let y = x.mul_scalar(3.);
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[6.]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[3.]));
    /// ```
    pub fn mul_scalar(&self, c: E) -> Var<S, E> {
        self.map_op(op_defs::MulScalar(c))
    }
    /// `x / c` (also written `&x / c`).
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1], f64>::from_array([2.]));
    /// let y = x.div_scalar(4.);
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[0.5]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[0.25]));
    /// ```
    pub fn div_scalar(&self, c: E) -> Var<S, E> {
        self.map_op(op_defs::DivScalar(c))
    }
    /// `c / x` (also written `c / &x`).
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1], f64>::from_array([4.]));
    /// let y = x.scalar_div(2.);
    /// let g = y.sum_all().backward();
    /// let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
    /// assert!(near(y.value().as_slice(), &[0.5]));
    /// assert!(near(g.get_slice(&x).unwrap(), &[-0.125]));
    /// ```
    pub fn scalar_div(&self, c: E) -> Var<S, E> {
        self.map_op(op_defs::ScalarDiv(c))
    }
}

/// `-x`.
impl<S: Shape, E: Float> Neg for &Var<S, E> {
    type Output = Var<S, E>;
    fn neg(self) -> Var<S, E> {
        self.map_op(op_defs::Neg)
    }
}

/// `-x`.
impl<S: Shape, E: Float> Neg for Var<S, E> {
    type Output = Var<S, E>;
    fn neg(self) -> Var<S, E> {
        -&self
    }
}

macro_rules! scalar_ops {
    ($($t:ty),*) => {$(
        scalar_ops!(@op $t, Add, add, add_scalar, add_scalar);
        scalar_ops!(@op $t, Sub, sub, sub_scalar, scalar_sub);
        scalar_ops!(@op $t, Mul, mul, mul_scalar, mul_scalar);
        scalar_ops!(@op $t, Div, div, div_scalar, scalar_div);
    )*};
    (@op $t:ty, $Trait:ident, $m:ident, $right:ident, $left:ident) => {
        #[doc = concat!("`x ", stringify!($m), " c` with a number, element-wise.")]
        impl<S: Shape> $Trait<$t> for &Var<S, $t> {
            type Output = Var<S, $t>;
            fn $m(self, c: $t) -> Var<S, $t> {
                self.$right(c)
            }
        }
        #[doc = concat!("`x ", stringify!($m), " c` with a number, element-wise.")]
        impl<S: Shape> $Trait<$t> for Var<S, $t> {
            type Output = Var<S, $t>;
            fn $m(self, c: $t) -> Var<S, $t> {
                self.$right(c)
            }
        }
        #[doc = concat!("`c ", stringify!($m), " x` with a number, element-wise.")]
        impl<S: Shape> $Trait<&Var<S, $t>> for $t {
            type Output = Var<S, $t>;
            fn $m(self, x: &Var<S, $t>) -> Var<S, $t> {
                x.$left(self)
            }
        }
        #[doc = concat!("`c ", stringify!($m), " x` with a number, element-wise.")]
        impl<S: Shape> $Trait<Var<S, $t>> for $t {
            type Output = Var<S, $t>;
            fn $m(self, x: Var<S, $t>) -> Var<S, $t> {
                x.$left(self)
            }
        }
    };
}
scalar_ops!(f32, f64);
