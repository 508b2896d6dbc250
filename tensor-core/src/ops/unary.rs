//! Element-wise unary ops: negation, relu, exp, ln, sqrt, powers, sigmoid,
//! tanh, abs, clamp, and `map` for anything else; in-place `_inplace` forms.

//!
//! The value of each op is its one definition in [`op_defs`],
//! shared with the tape and the `nn` crate.

use crate::{
    device::Cpu,
    dtype::{Dtype, Float},
    op_defs::{self, UnaryOp},
    shape::Shape,
    Tensor,
};
use core::ops::Neg;

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// Applies `f` to every element, giving a tensor of the same shape
    /// (possibly of another element type).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let px = Tensor::<shape![2], u8>::from_array([0, 255]);
    /// let x = px.map(|p| p as f32 / 255.0);
    /// assert_eq!(x.as_slice(), &[0.0, 1.0]);
    /// ```
    pub fn map<O: Dtype>(&self, f: impl Fn(E) -> O) -> Tensor<S, O, Cpu> {
        Tensor {
            shape: self.shape,
            data: self.data.iter().map(|&x| f(x)).collect(),
            device: Cpu,
        }
    }
    /// Applies `f` to every element in place.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let mut x = Tensor::<shape![2], i32>::from_array([1, -2]);
    /// x.map_inplace(|v| v * 3);
    /// assert_eq!(x.as_slice(), &[3, -6]);
    /// ```
    pub fn map_inplace(&mut self, f: impl Fn(E) -> E) {
        self.data.iter_mut().for_each(|x| *x = f(*x));
    }
    /// Converts every element to another type, like numpy's `astype`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2], u8>::from_array([3, 4]).cast::<f64>();
    /// assert_eq!(x.as_slice(), &[3.0, 4.0]);
    /// ```
    pub fn cast<O: crate::Num>(&self) -> Tensor<S, O, Cpu>
    where
        E: crate::Num,
    {
        self.map(|x| O::from_f64(x.to_f64()))
    }
}

impl<S: Shape, E: Float> Tensor<S, E, Cpu> {
    /// Applies the element-wise op `op` (its value [`f`](UnaryOp::f)); the
    /// tape's [`Var::map_op`](crate::Var::map_op) is its differentiable form.
    ///
    /// ```
    /// use shaped_core::{op_defs::Relu, shape, Tensor};
    /// let x = Tensor::<shape![2]>::from_array([-1., 2.]);
    /// assert_eq!(x.map_op(Relu).as_slice(), &[0., 2.]);
    /// ```
    pub fn map_op(&self, op: impl UnaryOp<E>) -> Self {
        self.map(|x| op.f(x))
    }
    /// [`map_op`](Self::map_op) in place.
    ///
    /// ```
    /// use shaped_core::{op_defs::Relu, shape, Tensor};
    /// let mut x = Tensor::<shape![2]>::from_array([-1., 2.]);
    /// x.map_op_inplace(Relu);
    /// assert_eq!(x.as_slice(), &[0., 2.]);
    /// ```
    pub fn map_op_inplace(&mut self, op: impl UnaryOp<E>) {
        self.map_inplace(|x| op.f(x))
    }
}

macro_rules! unary {
    ($($name:ident, $inplace:ident, $f:expr, $doc:literal, $ex_in:literal, $ex_out:literal;)*) => {
        impl<S: Shape, E: Float> Tensor<S, E, Cpu> {$(
            #[doc = $doc]
            ///
            /// ```
            /// use shaped_core::{shape, Tensor};
            #[doc = concat!("let x = Tensor::<shape![2], f64>::from_array(", $ex_in, ");")]
            #[doc = concat!("let y = x.", stringify!($name), "();")]
            #[doc = concat!("let want = ", $ex_out, ";")]
            /// assert!(y.as_slice().iter().zip(want).all(|(a, b): (&f64, f64)| (a - b).abs() < 1e-12));
            /// ```
            pub fn $name(&self) -> Self {
                self.map_op($f)
            }
            #[doc = concat!("[`", stringify!($name), "`](Self::", stringify!($name), ") in place.")]
            pub fn $inplace(&mut self) {
                self.map_op_inplace($f)
            }
        )*}
    };
}
unary! {
    relu, relu_inplace, op_defs::Relu, "max(x, 0), element-wise; NaN stays NaN (numpy, PyTorch).", "[-1.0, 2.0]", "[0.0, 2.0]";
    exp, exp_inplace, op_defs::Exp, "e^x, element-wise.", "[0.0, 1.0]", "[1.0, std::f64::consts::E]";
    ln, ln_inplace, op_defs::Ln, "The natural logarithm, element-wise.", "[1.0, std::f64::consts::E]", "[0.0, 1.0]";
    sqrt, sqrt_inplace, op_defs::Sqrt, "The square root, element-wise.", "[4.0, 9.0]", "[2.0, 3.0]";
    sigmoid, sigmoid_inplace, op_defs::Sigmoid, "1 / (1 + e^-x), element-wise.", "[0.0, 100.0]", "[0.5, 1.0]";
    tanh, tanh_inplace, op_defs::Tanh, "The hyperbolic tangent, element-wise.", "[0.0, 100.0]", "[0.0, 1.0]";
    abs, abs_inplace, op_defs::Abs, "The absolute value, element-wise.", "[-3.0, 2.0]", "[3.0, 2.0]";
    square, square_inplace, op_defs::Square, "x², element-wise.", "[-3.0, 2.0]", "[9.0, 4.0]";
}

impl<S: Shape, E: Float> Tensor<S, E, Cpu> {
    /// x^n for an integer `n`, element-wise.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2]>::from_array([2., 3.]).powi(3).as_slice(), &[8., 27.]);
    /// ```
    pub fn powi(&self, n: i32) -> Self {
        self.map_op(op_defs::Powi(n))
    }
    /// x^p for a real `p`, element-wise.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2]>::from_array([4., 9.]).powf(0.5).as_slice(), &[2., 3.]);
    /// ```
    pub fn powf(&self, p: E) -> Self {
        self.map_op(op_defs::Powf(p))
    }
    /// Each element limited to `[low, high]` (numpy's `clip`): NaN stays
    /// NaN, and a NaN bound makes every element NaN, as in numpy.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![4]>::from_array([-1., 0.5, 2., f32::NAN]);
    /// let c = x.clamp(0., 1.);
    /// assert_eq!(&c.as_slice()[..3], &[0., 0.5, 1.]);
    /// assert!(c.as_slice()[3].is_nan());
    /// ```
    pub fn clamp(&self, low: E, high: E) -> Self {
        self.map_op(op_defs::Clamp { low, high })
    }
}

impl<S: Shape, E: Float> Neg for &Tensor<S, E, Cpu> {
    type Output = Tensor<S, E, Cpu>;
    fn neg(self) -> Self::Output {
        self.map_op(op_defs::Neg)
    }
}

impl<S: Shape, E: Float> Neg for Tensor<S, E, Cpu> {
    type Output = Tensor<S, E, Cpu>;
    fn neg(mut self) -> Self::Output {
        self.map_op_inplace(op_defs::Neg);
        self
    }
}
