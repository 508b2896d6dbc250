//! Activation functions, as type markers: `Dense<512, Relu>`.
//!
//! Each is applied in place after a layer's matrix product (fused with the
//! bias add) and differentiated in place from the layer's output, so no
//! extra buffer is kept. The math is not written here: each is the one
//! definition in [`shaped_core::op_defs`] (value and derivative), called from
//! a plain slice loop that the compiler vectorizes.

use shaped_core::{
    op_defs::{self, softmax, UnaryOp},
    Float,
};

/// `op` applied in place to every element.
#[inline(always)]
fn forward_with<E: Float, Op: UnaryOp<E>>(op: Op, x: &mut [E]) {
    x.iter_mut().for_each(|v| *v = op.f(*v));
}

/// The gradient of `op`'s output turned into its input's, in place, from
/// the output `y` (the forward overwrote the input).
#[inline(always)]
fn backward_with<E: Float, Op: UnaryOp<E>>(op: Op, y: &[E], grad: &mut [E]) {
    const { assert!(Op::DF_FROM_OUTPUT, "an in-place activation needs df(y)") };
    for (g, &y) in grad.iter_mut().zip(y) {
        *g = op.grad(y, *g);
    }
}

/// Which activation a layer ends with; the training loop fuses softmax with
/// categorical crossentropy when the model ends with [`Softmax`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationKind {
    /// No activation (or a layer without one).
    Linear,
    /// max(x, 0); NaN stays NaN.
    Relu,
    /// 1 / (1 + e^-x).
    Sigmoid,
    /// tanh(x).
    Tanh,
    /// softmax over each sample's outputs.
    Softmax,
}

/// An activation function applied to each sample's row of outputs.
pub trait Activation: Copy + Default + Send + Sync + 'static {
    /// Which one it is.
    const KIND: ActivationKind;
    /// Keras's name for it.
    const NAME: &'static str;
    /// Applies it in place to `rows` of length `n`, in any float type.
    fn forward<E: Float>(x: &mut [E], n: usize);
    /// Turns `grad` (w.r.t. the output `y`) into the gradient w.r.t. the
    /// input, in place.
    fn backward<E: Float>(y: &[E], grad: &mut [E], n: usize);
}

/// The identity: a purely linear layer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Linear;
/// max(x, 0); NaN stays NaN, as in numpy, PyTorch and TensorFlow.
#[derive(Clone, Copy, Debug, Default)]
pub struct Relu;
/// The logistic sigmoid.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sigmoid;
/// The hyperbolic tangent.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tanh;
/// softmax over each sample's outputs: they become probabilities.
#[derive(Clone, Copy, Debug, Default)]
pub struct Softmax;

impl Activation for Linear {
    const KIND: ActivationKind = ActivationKind::Linear;
    const NAME: &'static str = "linear";
    fn forward<E: Float>(_: &mut [E], _: usize) {}
    fn backward<E: Float>(_: &[E], _: &mut [E], _: usize) {}
}

macro_rules! elementwise {
    ($($t:ident => $op:expr, $kind:ident, $name:literal;)*) => {$(
        impl Activation for $t {
            const KIND: ActivationKind = ActivationKind::$kind;
            const NAME: &'static str = $name;
            fn forward<E: Float>(x: &mut [E], _: usize) {
                forward_with($op, x)
            }
            fn backward<E: Float>(y: &[E], grad: &mut [E], _: usize) {
                backward_with($op, y, grad)
            }
        }
    )*};
}
elementwise! {
    Relu => op_defs::Relu, Relu, "relu";
    Sigmoid => op_defs::Sigmoid, Sigmoid, "sigmoid";
    Tanh => op_defs::Tanh, Tanh, "tanh";
}

impl Activation for Softmax {
    const KIND: ActivationKind = ActivationKind::Softmax;
    const NAME: &'static str = "softmax";
    fn forward<E: Float>(x: &mut [E], n: usize) {
        softmax::forward_rows(x, n)
    }
    fn backward<E: Float>(y: &[E], grad: &mut [E], n: usize) {
        softmax::backward_rows(y, grad, n)
    }
}
