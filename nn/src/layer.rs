//! The layer traits: [`Layer`], what every layer and every `model!` struct
//! implements, and [`LayerSpec`], how a layer written in `model!` is built
//! for the shape the layer before it produces.

use crate::{
    activation::ActivationKind,
    batch::{BatchMut, BatchRef, Batched},
    params::Parameters,
    sample_dims::{Reason, SampleDims},
};
use rand::rngs::StdRng;
use shaped_core::{ConstShape, Float};

/// One row of a model summary: Keras's `Layer (type) | Output Shape | Param #`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryRow {
    /// The layer's name and type, e.g. `dense_0 (Dense)`.
    pub layer: String,
    /// The output shape, batch first: `(None, 512)`.
    pub output_shape: String,
    /// How many trainable scalars.
    pub params: usize,
}

/// A layer: a differentiable map from a batch of `Input`-shaped samples to a
/// batch of `Output`-shaped samples, with trainable [`Parameters`], computing
/// in element type `E` (`f32` unless named; `f64` for the layers generic
/// over it, such as `Dense` and the `model!` structs declared `<E>`).
///
/// Batches are typed views: a [`BatchRef`] of `Input` samples in, a
/// [`BatchMut`] of as many `Output` samples out (flat, row-major `E`,
/// the sample shape in the type and the length checked when the view was
/// made). The output batch comes sized; the layer writes every element.
/// The training path reuses the buffers behind the views (the outputs, the
/// `Cache`, the gradients), so after the first step at a batch size
/// nothing is allocated.
///
/// The `model!` macro implements this for the structs it generates, so a
/// model is a layer too. A user-defined layer implements it directly (see
/// the crate docs for an example with its gradient check), or writes only
/// its forward from tape ops with [`OpsLayer`](crate::OpsLayer) and is used as
/// [`TapeLayer`](crate::TapeLayer), whose backward is the tape's.
pub trait Layer<E: Float = f32>: Parameters<E> + Sized + Send + Sync {
    /// The shape of one input sample.
    type Input: Batched;
    /// The shape of one output sample.
    type Output: Batched;
    /// The gradients: same tensors, names and shapes as the parameters.
    type Grads: Parameters<E> + Send + Sync;
    /// What the training forward keeps for backward, beyond the input and
    /// output (a dropout mask, inner layers' outputs).
    type Cache: Default + Send;
    /// The number of trainable scalars.
    const PARAMS: usize;
    /// The activation the layer ends with (so a loss can fuse with softmax).
    const FINAL_ACTIVATION: ActivationKind = ActivationKind::Linear;

    /// A freshly initialised layer (Keras's initializers).
    fn init(rng: &mut StdRng) -> Self;
    /// Zero gradients shaped like the parameters.
    fn zero_grads(&self) -> Self::Grads;
    /// Adds this layer's rows to a summary, under the given name.
    fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>);

    /// Inference: writes into `out` the outputs of the samples in `x`.
    ///
    /// `out` holds as many samples as `x` (`model!`, the trainer and
    /// `check_layer` size it so); a layer may panic when it does not (the
    /// built-in ones do, naming the contract), as a slice panics on an
    /// index past its end. The same holds for the batches of
    /// [`forward_train`](Self::forward_train) and [`backward`](Self::backward).
    fn forward(&self, x: BatchRef<'_, Self::Input, E>, out: BatchMut<'_, Self::Output, E>);
    /// Inference through reused buffers: like [`forward`](Self::forward),
    /// with `scratch` (a cache kept by the caller from call to call) for
    /// any inner buffers, so that after the first call at a batch size
    /// nothing is allocated. `evaluate` and `predict` call this. The
    /// default calls `forward`; a `model!` struct chains its layers through
    /// `scratch`'s buffers.
    fn forward_reusing(
        &self,
        x: BatchRef<'_, Self::Input, E>,
        out: BatchMut<'_, Self::Output, E>,
        scratch: &mut Self::Cache,
    ) {
        let _ = scratch;
        self.forward(x, out);
    }
    /// Training forward: like [`forward`](Self::forward), keeping what
    /// backward needs in `cache`; `rng` drives dropout.
    fn forward_train(
        &self,
        x: BatchRef<'_, Self::Input, E>,
        out: BatchMut<'_, Self::Output, E>,
        cache: &mut Self::Cache,
        rng: &mut StdRng,
    );
    /// Backward: from what the training forward saw and wrote and the
    /// gradient of the loss with respect to the output, writes the
    /// parameters' gradients and, when asked, the input's. The arguments
    /// are one [`Backward`] struct, destructured by name.
    fn backward(&self, args: Backward<'_, Self, E>);
    /// Sets how the layer computes ([`Compute`](crate::Compute)): how many
    /// of the kernel threads its products may use, and when its training
    /// products may use sparse tiles of their input. A model passes it to
    /// each of its layers, and layers without products ignore it (the
    /// default).
    ///
    /// ```
    /// # extern crate shaped_nn as shaped;
    /// use shaped_nn::{model, Compute, Dense, Layer, Relu};
    /// use shaped_core::kernels::SparsePolicy;
    /// model! { struct Net: 4 => [Dense<3, Relu>, Dense<2, Relu>] }
    /// let mut net = Net::seeded(0);
    /// let one = Compute::default().threads(1).sparse(SparsePolicy::Never);
    /// net.set_compute(one);
    /// assert_eq!(net.dense_1.compute, one);
    /// ```
    fn set_compute(&mut self, _compute: crate::Compute) {}
}

/// Why a layer's output batch holds its input's samples: the caller sized
/// it so (`model!`, the trainer, `check_layer`).
pub(crate) const SAME_SAMPLES: &str = "a layer's output batch holds its input's samples";

/// What [`Layer::backward`] receives: the training forward's input and
/// output, the gradient flowing back, and where to write the gradients.
///
/// A layer destructures it by name and ignores what it does not need:
///
/// ```
/// use shaped_nn::{Backward, GradOf};
/// fn scale_backward(w: f32, args: Backward<'_, shaped_nn::DenseLayer<1, 1>>) {
///     let Backward { grad_out, grad_of, grad_in, .. } = args;
///     assert_eq!(grad_of, GradOf::Output);
///     if let Some(mut dx) = grad_in {
///         for (d, g) in dx.as_mut_slice().iter_mut().zip(grad_out.as_slice()) {
///             *d = g * w;
///         }
///     }
/// }
/// ```
pub struct Backward<'a, L: Layer<E>, E: Float = f32> {
    /// The input of the training forward (its length is the number of
    /// samples).
    pub x: BatchRef<'a, L::Input, E>,
    /// The output the training forward wrote.
    pub out: BatchRef<'a, L::Output, E>,
    /// The gradient of the loss with respect to the output (or to the
    /// final activation's input, see [`grad_of`](Self::grad_of)); the
    /// layer may overwrite it.
    pub grad_out: BatchMut<'a, L::Output, E>,
    /// What `grad_out` is the gradient with respect to.
    pub grad_of: GradOf,
    /// What the training forward kept for backward.
    pub cache: &'a mut L::Cache,
    /// Where the parameters' gradients go (replaced, not added to).
    pub grads: &'a mut L::Grads,
    /// Where the gradient with respect to the input goes, when the layer
    /// below needs it (`None` for a model's first layer): sized like `x`,
    /// holding stale values, so the layer writes every element.
    pub grad_in: Option<BatchMut<'a, L::Input, E>>,
}

/// What a gradient flowing back into a layer is taken with respect to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradOf {
    /// The layer's output: the layer applies its activation's derivative.
    Output,
    /// The input of the layer's final activation: the loss has fused its
    /// gradient with the activation's (softmax + crossentropy's
    /// `(p - y) / n`), so the layer skips that derivative.
    PreActivation,
}

impl GradOf {
    /// Whether the layer still applies its final activation's derivative.
    ///
    /// ```
    /// assert!(shaped_nn::GradOf::Output.applies_activation());
    /// assert!(!shaped_nn::GradOf::PreActivation.applies_activation());
    /// ```
    pub const fn applies_activation(self) -> bool {
        matches!(self, GradOf::Output)
    }
}

/// How a layer written in `model!` is built for its input shape `In` (the
/// previous layer's output): the contract every layer, built-in or not,
/// implements.
///
/// * [`OUT`](Self::OUT) computes the output dims from the input dims in a
///   `const` (any `const fn` arithmetic: a convolution's `H - K + 1`, a
///   flatten's product), or gives the [`Reason`] it cannot take `In`.
///   `model!` evaluates it where the model is defined, so a refusal is a
///   `cargo check` error at that layer with the message as its headline.
/// * [`Layer`](Self::Layer) is the built layer, typed by the output shape
///   `Out` that `OUT` describes (`model!` computes `Out` and passes it), so
///   a layer whose output size is arithmetic on its input needs no type-level
///   arithmetic: `type Layer<Out> = MyConv<In, Out>`. Where `OUT` accepts
///   `In`, its [`Layer::Input`] must be `In` and its [`Layer::Output`]
///   `Out` (`model!` checks both).
///
/// A spec that has no impl for `In` at all (a user's spec written for one
/// input shape) is a trait error at the layer, naming both; the built-in
/// layers, `model!` structs and [`TapeLayer`](crate::TapeLayer)s implement
/// it for every input and refuse in `OUT`, in decimals (`Dense` fed an
/// image names the image's shape; a model fed another width says `Head
/// takes samples of shape (512,); it receives shape (256,)`).
///
/// ```
/// use shaped_nn::{Dense, LayerSpec, Relu, SampleDims};
/// use shaped_core::shape;
/// assert_eq!(
///     <Dense<512, Relu> as LayerSpec<shape![784]>>::OUT,
///     Ok(SampleDims::new(&[512]))
/// );
/// type L = <Dense<512, Relu> as LayerSpec<shape![784]>>::Layer<shape![512]>;
/// assert_eq!(<L as shaped_nn::Layer>::PARAMS, 784 * 512 + 512);
/// ```
#[diagnostic::on_unimplemented(
    message = "layer `{Self}` cannot take an input of shape `{In}`",
    label = "this layer receives `{In}` from the layer before it",
    note = "each layer's input is the output of the layer before it (the model's input for the first); a sample of rank 2 or more needs `Flatten` before `Dense`; in a model generic over its element type (`struct Net<E>`), each layer needs a `LayerSpec` for `f64` too (this one is asked for `{E}`)"
)]
pub trait LayerSpec<In: Batched, E: Float = f32> {
    /// The dims of one output sample for input `In`, or why `In` does not
    /// fit.
    const OUT: Result<SampleDims, Reason>;
    /// The layer built for input `In` and output `Out` (the shape `OUT`
    /// describes). Where `OUT` accepts `In`, its input is `In` (`model!`
    /// checks this); where `OUT` refuses, it is never built, and may be
    /// any layer (a `model!` struct's is itself, whatever `In`).
    type Layer<Out: Batched>: Layer<E>;
}

/// Formats a per-sample shape with the batch axis first, as Keras does:
/// `(None, 512)`.
///
/// ```
/// use shaped_core::shape;
/// assert_eq!(shaped_nn::layer::batch_shape_name::<shape![28, 28]>(), "(None, 28, 28)");
/// ```
pub fn batch_shape_name<S: ConstShape>() -> String {
    let dims: Vec<String> = S::DIMS.as_ref().iter().map(|d| d.to_string()).collect();
    format!("(None, {})", dims.join(", "))
}
