//! Activation functions, as type markers: `Dense<512, Relu>`.
//!
//! Each is applied in place after a layer's matrix product (fused with the
//! bias add) and differentiated in place from the layer's output, so no
//! extra buffer is kept.

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
    /// Applies it in place to `rows` of length `n`.
    fn forward(x: &mut [f32], n: usize);
    /// Turns `grad` (w.r.t. the output `y`) into the gradient w.r.t. the
    /// input, in place.
    fn backward(y: &[f32], grad: &mut [f32], n: usize);
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
    fn forward(_: &mut [f32], _: usize) {}
    fn backward(_: &[f32], _: &mut [f32], _: usize) {}
}

impl Activation for Relu {
    const KIND: ActivationKind = ActivationKind::Relu;
    const NAME: &'static str = "relu";
    fn forward(x: &mut [f32], _: usize) {
        // `v.max(0.0)` would turn NaN into 0 and hide it; this keeps it
        // (numpy, PyTorch, TensorFlow), and is still a select that vectorizes.
        x.iter_mut()
            .for_each(|v| *v = if *v < 0.0 { 0.0 } else { *v });
    }
    fn backward(y: &[f32], grad: &mut [f32], _: usize) {
        for (g, &y) in grad.iter_mut().zip(y) {
            // A select, not a branch, so that the loop vectorizes.
            *g = if y > 0.0 { *g } else { 0.0 };
        }
    }
}

impl Activation for Sigmoid {
    const KIND: ActivationKind = ActivationKind::Sigmoid;
    const NAME: &'static str = "sigmoid";
    fn forward(x: &mut [f32], _: usize) {
        x.iter_mut()
            .for_each(|v| *v = tensor_core::Float::sigmoid(*v));
    }
    fn backward(y: &[f32], grad: &mut [f32], _: usize) {
        for (g, &y) in grad.iter_mut().zip(y) {
            *g *= y * (1.0 - y);
        }
    }
}

impl Activation for Tanh {
    const KIND: ActivationKind = ActivationKind::Tanh;
    const NAME: &'static str = "tanh";
    fn forward(x: &mut [f32], _: usize) {
        x.iter_mut().for_each(|v| *v = v.tanh());
    }
    fn backward(y: &[f32], grad: &mut [f32], _: usize) {
        for (g, &y) in grad.iter_mut().zip(y) {
            *g *= 1.0 - y * y;
        }
    }
}

impl Activation for Softmax {
    const KIND: ActivationKind = ActivationKind::Softmax;
    const NAME: &'static str = "softmax";
    fn forward(x: &mut [f32], n: usize) {
        for row in x.chunks_mut(n) {
            let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            let mut s = 0.0;
            for v in row.iter_mut() {
                *v = (*v - m).exp();
                s += *v;
            }
            let inv = 1.0 / s;
            row.iter_mut().for_each(|v| *v *= inv);
        }
    }
    fn backward(y: &[f32], grad: &mut [f32], n: usize) {
        for (g, y) in grad.chunks_mut(n).zip(y.chunks(n)) {
            let dot: f32 = g.iter().zip(y).map(|(a, b)| a * b).sum();
            for (g, &y) in g.iter_mut().zip(y) {
                *g = y * (*g - dot);
            }
        }
    }
}
