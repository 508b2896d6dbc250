//! Element-wise unary ops on [`Var`]s (relu, exp, ln, sqrt, powers, sigmoid,
//! tanh, abs, square, clamp, negation) and arithmetic with one number.
//! Each backward multiplies the output gradient by the op's derivative.

use crate::{autodiff::var::Var, dtype::Float, shape::Shape};
use core::ops::{Add, Div, Mul, Neg, Sub};
use std::rc::Rc;

impl<S: Shape, E: Float> Var<S, E> {
    /// Records `self.value.map(f)`; the backward adds `g * d(x)` per element.
    fn map_var(&self, f: impl Fn(E) -> E, d: impl Fn(E) -> E + 'static) -> Var<S, E> {
        let x = Rc::clone(&self.value);
        self.record1(self.value.map(f), move |g, gx| {
            for ((gx, &g), &x) in gx.iter_mut().zip(g).zip(&x.data) {
                *gx += g * d(x);
            }
        })
    }
    /// Records `self.value.map(f)`; the backward adds `g * d(y)` per element,
    /// from the output `y`.
    fn map_var_out(&self, f: impl Fn(E) -> E, d: impl Fn(E) -> E + 'static) -> Var<S, E> {
        self.record1_with_output(self.value.map(f), move |g, y, gx| {
            for ((gx, &g), &y) in gx.iter_mut().zip(g).zip(y) {
                *gx += g * d(y);
            }
        })
    }

    /// max(x, 0), element-wise; NaN stays NaN. Its derivative is taken as 0
    /// at 0 (and at NaN, as PyTorch's).
    pub fn relu(&self) -> Var<S, E> {
        self.map_var(Float::relu, |x| if x > E::ZERO { E::ONE } else { E::ZERO })
    }
    /// e^x, element-wise.
    pub fn exp(&self) -> Var<S, E> {
        self.map_var_out(Float::exp, |y| y)
    }
    /// The natural logarithm, element-wise.
    pub fn ln(&self) -> Var<S, E> {
        self.map_var(Float::ln, |x| E::ONE / x)
    }
    /// The square root, element-wise.
    pub fn sqrt(&self) -> Var<S, E> {
        self.map_var_out(Float::sqrt, |y| E::ONE / (y + y))
    }
    /// 1 / (1 + e^-x), element-wise.
    pub fn sigmoid(&self) -> Var<S, E> {
        self.map_var_out(Float::sigmoid, |y| y * (E::ONE - y))
    }
    /// The hyperbolic tangent, element-wise.
    pub fn tanh(&self) -> Var<S, E> {
        self.map_var_out(Float::tanh, |y| E::ONE - y * y)
    }
    /// The absolute value, element-wise. Its derivative is taken as 0 at 0.
    pub fn abs(&self) -> Var<S, E> {
        self.map_var(Float::abs, |x| {
            if x > E::ZERO {
                E::ONE
            } else if x < E::ZERO {
                -E::ONE
            } else {
                E::ZERO
            }
        })
    }
    /// x², element-wise.
    pub fn square(&self) -> Var<S, E> {
        self.map_var(|x| x * x, |x| x + x)
    }
    /// x^n for an integer `n`, element-wise.
    pub fn powi(&self, n: i32) -> Var<S, E> {
        let nf = E::from_f64(n as f64);
        self.map_var(move |x| x.powi(n), move |x| nf * x.powi(n - 1))
    }
    /// x^p for a real `p`, element-wise.
    pub fn powf(&self, p: E) -> Var<S, E> {
        self.map_var(move |x| x.powf(p), move |x| p * x.powf(p - E::ONE))
    }
    /// Each element limited to `[low, high]`; NaN stays NaN. The gradient passes where
    /// `low <= x <= high` and is 0 outside.
    pub fn clamp(&self, low: E, high: E) -> Var<S, E> {
        self.map_var(
            move |x| crate::ops::unary::clamp_nan(x, low, high),
            move |x| {
                if x >= low && x <= high {
                    E::ONE
                } else {
                    E::ZERO
                }
            },
        )
    }

    /// `x + c` for a number `c` (also written `&x + c`).
    pub fn add_scalar(&self, c: E) -> Var<S, E> {
        self.map_var(move |x| x + c, |_| E::ONE)
    }
    /// `x - c` (also written `&x - c`).
    pub fn sub_scalar(&self, c: E) -> Var<S, E> {
        self.map_var(move |x| x - c, |_| E::ONE)
    }
    /// `c - x` (also written `c - &x`).
    pub fn scalar_sub(&self, c: E) -> Var<S, E> {
        self.map_var(move |x| c - x, |_| -E::ONE)
    }
    /// `x * c` (also written `&x * c` or `c * &x`).
    pub fn mul_scalar(&self, c: E) -> Var<S, E> {
        self.map_var(move |x| x * c, move |_| c)
    }
    /// `x / c` (also written `&x / c`).
    pub fn div_scalar(&self, c: E) -> Var<S, E> {
        self.map_var(move |x| x / c, move |_| E::ONE / c)
    }
    /// `c / x` (also written `c / &x`).
    pub fn scalar_div(&self, c: E) -> Var<S, E> {
        self.map_var(move |x| c / x, move |x| -c / (x * x))
    }
}

/// `-x`.
impl<S: Shape, E: Float> Neg for &Var<S, E> {
    type Output = Var<S, E>;
    fn neg(self) -> Var<S, E> {
        self.map_var(|x| -x, |_| -E::ONE)
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
