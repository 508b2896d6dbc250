//! `Dense`: a fully connected layer, `activation(x W + b)`, with the bias add
//! fused into the matrix product and the activation applied in place.

use crate::{
    activation::{Activation, Linear},
    init::glorot_uniform,
    layer::{batch_shape_name, Layer, LayerSpec, SummaryRow},
    parameters_struct,
    sample_dims::{Reason, SampleDims},
    Batched, Parameters,
};
use core::marker::PhantomData;
use rand::rngs::StdRng;
use std::sync::atomic::{AtomicBool, Ordering};
use tensor_core::{
    kernels::{
        gemm::{gemm, MatRef},
        sparse::SparseBlocks,
    },
    Sz, Tensor,
};

/// Inputs with at most this share of non-zeros take the sparse path.
pub const SPARSE_MAX_DENSITY: f32 = 0.3;

static SPARSE_INPUTS: AtomicBool = AtomicBool::new(true);

/// Turns the sparse-input path of training on or off (on by default).
///
/// When a dense layer's input batch is mostly exact zeros (MNIST's pixels:
/// 19% non-zero), its training forward `x W` and its weight gradient
/// `x^T g` are computed from the non-zeros alone, which gives the same
/// result up to the order of additions in a fraction of the time. Turning it
/// off makes every product a dense GEMM (for measuring, or for comparison).
///
/// ```
/// nn::layers::dense::set_sparse_inputs(false);
/// assert!(!nn::layers::dense::sparse_inputs());
/// nn::layers::dense::set_sparse_inputs(true);
/// ```
pub fn set_sparse_inputs(enabled: bool) {
    SPARSE_INPUTS.store(enabled, Ordering::Relaxed);
}

/// Whether the sparse-input path is on.
pub fn sparse_inputs() -> bool {
    SPARSE_INPUTS.load(Ordering::Relaxed)
}

/// What a dense layer's training forward keeps for backward: the non-zeros
/// of its input, when the input was sparse enough to use them.
#[derive(Clone, Debug, Default)]
pub struct DenseCache {
    sparse: SparseBlocks,
    used_sparse: bool,
}

/// A dense layer as written in `model!`: `Dense<512, Relu>` has 512 outputs
/// and takes its input width from the layer before it.
///
/// ```
/// use nn::{Dense, LayerSpec, Relu};
/// use tensor_core::shape;
/// type L = <Dense<512, Relu> as LayerSpec<shape![784]>>::Layer<shape![512]>;
/// assert_eq!(<L as nn::Layer>::PARAMS, 784 * 512 + 512);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Dense<const OUT: usize, A: Activation = Linear>(PhantomData<A>);

/// The weights of a dense layer: `kernel` (IN x OUT) and `bias` (OUT), as
/// Keras names them. Also the type of its gradients and optimizer state.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseParams<const IN: usize, const OUT: usize> {
    /// The weight matrix, input-major: `y = x . kernel + bias`.
    pub kernel: Tensor<(Sz<IN>, Sz<OUT>)>,
    /// The bias.
    pub bias: Tensor<(Sz<OUT>,)>,
}
parameters_struct!([const IN: usize, const OUT: usize] DenseParams<IN, OUT> { kernel, bias });

impl<const IN: usize, const OUT: usize> DenseParams<IN, OUT> {
    /// All zeros.
    pub fn zeros() -> Self {
        DenseParams {
            kernel: Tensor::zeros(),
            bias: Tensor::zeros(),
        }
    }
}

/// A dense layer with `IN` inputs, `OUT` outputs and activation `A`.
/// Written in `model!` it accepts only an input of width `IN`.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseLayer<const IN: usize, const OUT: usize, A: Activation = Linear> {
    /// The weights.
    pub params: DenseParams<IN, OUT>,
    _act: PhantomData<A>,
}

impl<const IN: usize, const OUT: usize, A: Activation> DenseLayer<IN, OUT, A> {
    /// A layer with the given weights.
    pub fn from_params(params: DenseParams<IN, OUT>) -> Self {
        DenseLayer {
            params,
            _act: PhantomData,
        }
    }
}

impl<const IN: usize, const OUT: usize, A: Activation> Parameters for DenseLayer<IN, OUT, A> {
    fn len(&self) -> usize {
        2
    }
    fn name_of(&self, i: usize) -> String {
        self.params.name_of(i)
    }
    fn shape_of(&self, i: usize) -> Vec<usize> {
        self.params.shape_of(i)
    }
    fn get(&self, i: usize) -> &[f32] {
        self.params.get(i)
    }
    fn get_mut(&mut self, i: usize) -> &mut [f32] {
        self.params.get_mut(i)
    }
}

impl<const IN: usize, const OUT: usize, A: Activation> DenseLayer<IN, OUT, A> {
    /// `out = x W + b` for `n` rows, then the activation; from the
    /// non-zeros of `x` when `sparse` is given.
    fn affine(&self, x: &[f32], n: usize, out: &mut Vec<f32>, sparse: Option<&SparseBlocks>) {
        assert_eq!(x.len(), n * IN, "dense: input is not {n} x {IN}");
        out.resize(n * OUT, 0.0);
        let b = self.params.bias.as_slice();
        for row in out.chunks_mut(OUT) {
            row.copy_from_slice(b);
        }
        let w = self.params.kernel.as_slice();
        match sparse {
            Some(s) => s.matmul_add(w, OUT, out),
            None => gemm(
                n,
                IN,
                OUT,
                1.0,
                MatRef::row_major(x, IN),
                MatRef::row_major(w, OUT),
                1.0,
                out,
            ),
        }
        A::forward(out, OUT);
    }
}

impl<const IN: usize, const OUT: usize, A: Activation> Layer for DenseLayer<IN, OUT, A> {
    type Input = (Sz<IN>,);
    type Output = (Sz<OUT>,);
    type Grads = DenseParams<IN, OUT>;
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
    fn forward(&self, x: &[f32], n: usize, out: &mut Vec<f32>) {
        self.affine(x, n, out, None)
    }
    fn forward_train(
        &self,
        x: &[f32],
        n: usize,
        out: &mut Vec<f32>,
        cache: &mut DenseCache,
        _: &mut StdRng,
    ) {
        // Judge the density on a few rows: cheap, and batches are alike.
        cache.used_sparse =
            sparse_inputs() && SparseBlocks::density(x, IN, 8) <= SPARSE_MAX_DENSITY;
        if cache.used_sparse {
            cache.sparse.build(x, n, IN);
            self.affine(x, n, out, Some(&cache.sparse));
        } else {
            self.affine(x, n, out, None)
        }
    }
    fn backward(
        &self,
        x: &[f32],
        out: &[f32],
        n: usize,
        grad_out: &mut [f32],
        skip_activation: bool,
        cache: &mut DenseCache,
        grads: &mut Self::Grads,
        grad_in: Option<&mut Vec<f32>>,
    ) {
        if !skip_activation {
            A::backward(out, grad_out, OUT);
        }
        let g: &[f32] = grad_out;
        // dW = x^T g (IN x n . n x OUT), read through a transposed view.
        if cache.used_sparse {
            cache.sparse.t_matmul(g, OUT, grads.kernel.as_mut_slice());
        } else {
            gemm(
                IN,
                n,
                OUT,
                1.0,
                MatRef::transposed(x, IN),
                MatRef::row_major(g, OUT),
                0.0,
                grads.kernel.as_mut_slice(),
            );
        }
        // db = column sums of g.
        let db = grads.bias.as_mut_slice();
        db.fill(0.0);
        for row in g.chunks(OUT) {
            for (d, &v) in db.iter_mut().zip(row) {
                *d += v;
            }
        }
        // dx = g W^T (n x OUT . OUT x IN), only when the layer below needs it.
        if let Some(dx) = grad_in {
            dx.resize(n * IN, 0.0);
            gemm(
                n,
                OUT,
                IN,
                1.0,
                MatRef::row_major(g, OUT),
                MatRef::transposed(self.params.kernel.as_slice(), OUT),
                0.0,
                dx,
            );
        }
    }
}

impl<const IN: usize, const OUT: usize, A: Activation> LayerSpec<(Sz<IN>,)> for Dense<OUT, A> {
    const OUT: Result<SampleDims, Reason> = Ok(SampleDims::new(&[OUT]));
    type Layer<Out: Batched> = DenseLayer<IN, OUT, A>;
}

impl<const IN: usize, const OUT: usize, A: Activation> LayerSpec<(Sz<IN>,)>
    for DenseLayer<IN, OUT, A>
{
    const OUT: Result<SampleDims, Reason> = Ok(SampleDims::new(&[OUT]));
    type Layer<Out: Batched> = Self;
}
