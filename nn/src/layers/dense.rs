//! `Dense`: a fully connected layer, `activation(x W + b)`, with the bias add
//! fused into the matrix product and the activation applied in place.

use crate::{
    activation::{Activation, Linear},
    init::glorot_uniform,
    layer::{batch_shape_name, Backward, Layer, LayerSpec, SummaryRow},
    parameters_struct,
    sample_dims::{Reason, SampleDims},
    BatchMut, BatchRef, Batched, Compute, Parameters,
};
use core::marker::PhantomData;
use rand::rngs::StdRng;
use shaped_core::{
    kernels::{matmul, Accum, MatMut, MatRef, Scratch, SparseLhs},
    Float, StaticDim, Sz, Tensor,
};
use std::cell::RefCell;

/// What a dense layer's training forward keeps for backward: its input as
/// sparse tiles when the [`SparsePolicy`](shaped_core::kernels::SparsePolicy)
/// chose them, the tiles of the output's gradient (built in backward, under
/// the same policy), and the products' packing buffers.
#[derive(Clone, Debug, Default)]
pub struct DenseCache {
    lhs: SparseLhs,
    grad_lhs: SparseLhs,
    scratch: Scratch,
}

impl DenseCache {
    /// Whether the last training forward kept its input as sparse tiles.
    pub fn used_sparse(&self) -> bool {
        self.lhs.is_sparse()
    }

    /// Whether the last backward that computed the input's gradient (not
    /// the first layer's) took `g W^T` from sparse tiles of `g` (the
    /// output's gradient, zero wherever a relu was off).
    pub fn grad_used_sparse(&self) -> bool {
        self.grad_lhs.is_sparse()
    }
}

std::thread_local! {
    /// The packing buffers of inference (`forward` has no cache).
    static INFERENCE: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The sizes of a layer's buffers follow from its shape and the batch.
const SIZES: &str = "dense: buffers sized for the layer and the batch";

/// A dense layer as written in `model!`: `Dense<512, Relu>` has 512 outputs
/// and takes its input width from the layer before it.
///
/// ```
/// use shaped_nn::{Dense, LayerSpec, Relu};
/// use shaped_core::shape;
/// type L = <Dense<512, Relu> as LayerSpec<shape![784]>>::Layer<shape![512]>;
/// assert_eq!(<L as shaped_nn::Layer>::PARAMS, 784 * 512 + 512);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Dense<const OUT: usize, A: Activation = Linear>(PhantomData<A>);

/// The weights of a dense layer: `kernel` (IN x OUT) and `bias` (OUT), as
/// Keras names them. Also the type of its gradients and optimizer state.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseParams<const IN: usize, const OUT: usize, E: Float = f32> {
    /// The weight matrix, input-major: `y = x . kernel + bias`.
    pub kernel: Tensor<(Sz<IN>, Sz<OUT>), E>,
    /// The bias.
    pub bias: Tensor<(Sz<OUT>,), E>,
}
parameters_struct!([const IN: usize, const OUT: usize, E: Float] DenseParams<IN, OUT, E>: Parameters<E> { kernel, bias });

impl<const IN: usize, const OUT: usize, E: Float> DenseParams<IN, OUT, E> {
    /// All zeros.
    pub fn zeros() -> Self {
        DenseParams {
            kernel: Tensor::zeros(),
            bias: Tensor::zeros(),
        }
    }
}

/// A dense layer with `IN` inputs, `OUT` outputs and activation `A`,
/// computing in `E` (`f32` unless named, or `f64`).
/// Written in `model!` it accepts only an input of width `IN`.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseLayer<const IN: usize, const OUT: usize, A: Activation = Linear, E: Float = f32> {
    /// The weights.
    pub params: DenseParams<IN, OUT, E>,
    /// How the products run: on how many of the kernel threads (default:
    /// all), and when the training products may use sparse tiles of the
    /// input (default: when the kernels' cost model says they are
    /// cheaper). [`Layer::set_compute`] sets it.
    pub compute: Compute,
    _act: PhantomData<A>,
}

impl<const IN: usize, const OUT: usize, A: Activation, E: Float> DenseLayer<IN, OUT, A, E> {
    /// A layer with the given weights.
    pub fn from_params(params: DenseParams<IN, OUT, E>) -> Self {
        DenseLayer {
            params,
            compute: Compute::default(),
            _act: PhantomData,
        }
    }
}

impl<const IN: usize, const OUT: usize, A: Activation, E: Float> Parameters<E>
    for DenseLayer<IN, OUT, A, E>
{
    fn len(&self) -> usize {
        2
    }
    fn name_of(&self, i: usize) -> String {
        self.params.name_of(i)
    }
    fn shape_of(&self, i: usize) -> Vec<usize> {
        self.params.shape_of(i)
    }
    fn get(&self, i: usize) -> &[E] {
        self.params.get(i)
    }
    fn get_mut(&mut self, i: usize) -> &mut [E] {
        self.params.get_mut(i)
    }
}

impl<const IN: usize, const OUT: usize, A: Activation, E: Float> DenseLayer<IN, OUT, A, E> {
    /// `out = x W + b` for `n` rows, then the activation; `lhs` gives the
    /// tiles of `x` when they were prepared.
    fn affine(
        &self,
        x: BatchRef<'_, (Sz<IN>,), E>,
        out: BatchMut<'_, (Sz<OUT>,), E>,
        lhs: &SparseLhs,
        scratch: &mut Scratch,
    ) {
        let (n, x, out) = (x.len(), x.as_slice(), out.into_slice());
        let b = self.params.bias.as_slice();
        for row in out.chunks_mut(OUT) {
            row.copy_from_slice(b);
        }
        let x = MatRef::row_major(x, n, IN).expect(SIZES);
        let w = MatRef::row_major(self.params.kernel.as_slice(), IN, OUT).expect(SIZES);
        matmul(
            MatMut::row_major(out, n, OUT).expect(SIZES),
            Accum::Add,
            lhs.of(x),
            w,
            E::ONE,
            self.compute.parallelism,
            scratch,
        )
        .expect(SIZES);
        A::forward(out, OUT);
    }
}

impl<const IN: usize, const OUT: usize, A: Activation, E: Float> Layer<E>
    for DenseLayer<IN, OUT, A, E>
{
    type Input = (Sz<IN>,);
    type Output = (Sz<OUT>,);
    type Grads = DenseParams<IN, OUT, E>;
    type Cache = DenseCache;
    const PARAMS: usize = IN * OUT + OUT;
    const FINAL_ACTIVATION: crate::ActivationKind = A::KIND;

    /// Keras's defaults: glorot-uniform kernel, zero bias.
    fn init(rng: &mut StdRng) -> Self {
        let mut kernel = Tensor::zeros();
        glorot_uniform(kernel.as_mut_slice(), IN, OUT, rng);
        Self::from_params(DenseParams {
            kernel,
            bias: Tensor::zeros(),
        })
    }
    fn zero_grads(&self) -> Self::Grads {
        DenseParams::zeros()
    }
    fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
        rows.push(SummaryRow {
            layer: format!("{name} (Dense)"),
            output_shape: batch_shape_name::<Self::Output>(),
            params: Self::PARAMS,
        });
    }
    fn forward(&self, x: BatchRef<'_, (Sz<IN>,), E>, out: BatchMut<'_, (Sz<OUT>,), E>) {
        let dense = SparseLhs::default();
        INFERENCE.with(|s| self.affine(x, out, &dense, &mut s.borrow_mut()))
    }
    fn forward_train(
        &self,
        x: BatchRef<'_, (Sz<IN>,), E>,
        out: BatchMut<'_, (Sz<OUT>,), E>,
        cache: &mut DenseCache,
        _: &mut StdRng,
    ) {
        let xv = MatRef::row_major(x.as_slice(), x.len(), IN).expect(SIZES);
        cache
            .lhs
            .prepare(xv, OUT, self.compute.sparse, self.compute.parallelism);
        self.affine(x, out, &cache.lhs, &mut cache.scratch)
    }
    fn set_compute(&mut self, compute: Compute) {
        self.compute = compute;
    }
    fn backward(&self, args: Backward<'_, Self, E>) {
        let Backward {
            x,
            out,
            mut grad_out,
            grad_of,
            cache,
            grads,
            grad_in,
        } = args;
        let n = x.len();
        if grad_of.applies_activation() {
            A::backward(out.as_slice(), grad_out.as_mut_slice(), OUT);
        }
        let g: &[E] = grad_out.as_slice();
        let gv = MatRef::row_major(g, n, OUT).expect(SIZES);
        let xv = MatRef::row_major(x.as_slice(), n, IN).expect(SIZES);
        // dW = x^T g (IN x n . n x OUT), from the tiles of x when kept.
        matmul(
            MatMut::row_major(grads.kernel.as_mut_slice(), IN, OUT).expect(SIZES),
            Accum::Replace,
            cache.lhs.of(xv.t()),
            gv,
            E::ONE,
            self.compute.parallelism,
            &mut cache.scratch,
        )
        .expect(SIZES);
        // db = column sums of g.
        let db = grads.bias.as_mut_slice();
        db.fill(E::ZERO);
        for row in g.chunks(OUT) {
            for (d, &v) in db.iter_mut().zip(row) {
                *d += v;
            }
        }
        // dx = g W^T (n x OUT . OUT x IN), only when the layer below needs
        // it; from tiles of g when the policy says they pay (after a relu,
        // g is zero wherever the unit was off).
        if let Some(dx) = grad_in {
            let w = MatRef::row_major(self.params.kernel.as_slice(), IN, OUT).expect(SIZES);
            cache
                .grad_lhs
                .prepare(gv, IN, self.compute.sparse, self.compute.parallelism);
            matmul(
                MatMut::row_major(dx.into_slice(), n, IN).expect(SIZES),
                Accum::Replace,
                cache.grad_lhs.of(gv),
                w.t(),
                E::ONE,
                self.compute.parallelism,
                &mut cache.scratch,
            )
            .expect(SIZES);
        }
    }
}

/// The dense layer built for an input sample shape: [`DenseLayer`] for
/// `(features,)`, [`DenseRefused`] for any other rank. Implemented for
/// every shape `model!` can produce, so that `Dense` after an image is the
/// message of [`Dense`]'s `OUT` (its shape in decimals), not a trait error.
///
/// ```
/// use shaped_nn::{DenseInput, DenseLayer, Relu};
/// use shaped_core::Sz;
/// fn same<T>(_: Option<T>, _: Option<T>) {}
/// same(None::<<(Sz<784>,) as DenseInput<512, Relu>>::Layer>, None::<DenseLayer<784, 512, Relu>>);
/// ```
pub trait DenseInput<const OUT: usize, A: Activation, E: Float = f32>: Batched {
    /// The layer `Dense<OUT, A>` builds for this input.
    type Layer: Layer<E, Input = Self>;
}

impl<const IN: usize, const OUT: usize, A: Activation, E: Float> DenseInput<OUT, A, E>
    for (Sz<IN>,)
{
    type Layer = DenseLayer<IN, OUT, A, E>;
}

macro_rules! refused_ranks {
    ($(($($D:ident),+))*) => {$(
        impl<$($D: StaticDim,)+ const OUT: usize, A: Activation, E: Float> DenseInput<OUT, A, E> for ($($D,)+) {
            type Layer = DenseRefused<($($D,)+), OUT, E>;
        }
    )*};
}
refused_ranks!((H, W)(H, W, C)(H, W, C, D)(H, W, C, D, F));

/// What `Dense` would build on a sample of rank 2 or more: never built,
/// since [`Dense`]'s `OUT` refuses that input where the model is defined
/// (`Dense<64> takes (features,) samples; it receives shape (5, 5, 64):
/// put Flatten before it`): a [`Refused`](super::refused::Refused) layer.
///
/// ```
/// use shaped_nn::{Dense, LayerSpec};
/// use shaped_core::shape;
/// assert_eq!(
///     <Dense<64> as LayerSpec<shape![5, 5, 64]>>::OUT.unwrap_err().as_str(),
///     "Dense<64> takes (features,) samples; it receives shape (5, 5, 64): put Flatten before it"
/// );
/// ```
pub type DenseRefused<In, const OUT: usize, E = f32> = super::refused::Refused<In, (Sz<OUT>,), E>;

impl<S: DenseInput<OUT, A, E>, const OUT: usize, A: Activation, E: Float> LayerSpec<S, E>
    for Dense<OUT, A>
{
    const OUT: Result<SampleDims, Reason> = {
        let d = SampleDims::of::<S>();
        if d.rank() == 1 {
            Ok(SampleDims::new(&[OUT]))
        } else {
            Err(Reason::new("Dense<")
                .num(OUT)
                .text("> takes (features,) samples; it receives shape ")
                .dims(d)
                .text(": put Flatten before it"))
        }
    };
    type Layer<Out: Batched> = <S as DenseInput<OUT, A, E>>::Layer;
}

/// `DenseLayer<IN, OUT, A>` takes any input and refuses, in decimals, one
/// that is not `(IN,)`: `DenseLayer<500, 10> takes samples of shape (500,);
/// it receives shape (512,)`. What it builds is the layer for the input it
/// receives, which is itself whenever `OUT` accepts.
///
/// ```
/// use shaped_nn::{DenseLayer, LayerSpec, SampleDims};
/// use shaped_core::shape;
/// assert_eq!(<DenseLayer<512, 10> as LayerSpec<shape![512]>>::OUT, Ok(SampleDims::new(&[10])));
/// assert_eq!(
///     <DenseLayer<500, 10> as LayerSpec<shape![512]>>::OUT.unwrap_err().as_str(),
///     "DenseLayer<500, 10> takes samples of shape (500,); it receives shape (512,)"
/// );
/// assert_eq!(
///     <DenseLayer<784, 10> as LayerSpec<shape![28, 28]>>::OUT.unwrap_err().as_str(),
///     "DenseLayer<784, 10> takes samples of shape (784,); it receives shape (28, 28): put Flatten before it"
/// );
/// ```
impl<S: DenseInput<OUT, A, E>, const IN: usize, const OUT: usize, A: Activation, E: Float>
    LayerSpec<S, E> for DenseLayer<IN, OUT, A, E>
{
    const OUT: Result<SampleDims, Reason> = {
        let who = Reason::new("DenseLayer<")
            .num(IN)
            .text(", ")
            .num(OUT)
            .text(">");
        match crate::model_support::takes_only::<S, (Sz<IN>,)>(who, SampleDims::new(&[OUT])) {
            Err(r) if SampleDims::of::<S>().rank() != 1 => Err(r.text(": put Flatten before it")),
            out => out,
        }
    };
    type Layer<Out: Batched> = <S as DenseInput<OUT, A, E>>::Layer;
}
