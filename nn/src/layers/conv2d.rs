//! `Conv2D`: a 2-D convolution over channels-last `(height, width,
//! channels)` samples, `activation(conv(x, kernel) + bias)`, as Keras's
//! `Conv2D(filters, kernel_size, strides, padding, activation)`.
//!
//! The output size is computed where the model is defined: `(28, 28, 1)`
//! through `Conv2D<32, 3>` is `(26, 26, 32)`, and a kernel larger than its
//! input is a `cargo check` error at that layer, both sizes in decimals.

use crate::{
    activation::{Activation, Linear},
    init::glorot_uniform,
    layer::{batch_shape_name, Backward, Layer, LayerSpec, SummaryRow},
    sample_dims::{Reason, SampleDims},
    BatchMut, BatchRef, Batched, Compute, Parameters,
};
use core::marker::PhantomData;
use rand::rngs::StdRng;
use shaped_core::kernels::conv::{
    conv2d_backward, conv2d_forward, Conv2dGeometry, ConvScratch, Padding,
};
use std::cell::RefCell;

/// How a [`Conv2D`] treats the border: [`Valid`] or [`Same`], Keras's
/// `padding="valid"` and `padding="same"`. (A marker type rather than a
/// const, because stable Rust has no enum const parameters.)
///
/// ```
/// use shaped_nn::{PaddingMode, Same, Valid};
/// use shaped_core::kernels::conv::Padding;
/// assert_eq!((Valid::PADDING, Same::NAME), (Padding::Valid, "same"));
/// ```
pub trait PaddingMode: Copy + Default + Send + Sync + 'static {
    /// The kernels' padding.
    const PADDING: Padding;
    /// Keras's name for it.
    const NAME: &'static str;
}

/// No padding (Keras's default): only the positions where the kernel fits,
/// `(in - kernel) / stride + 1` of them.
///
/// ```
/// use shaped_nn::{Conv2D, LayerSpec, SampleDims, Valid};
/// use shaped_core::shape;
/// assert_eq!(
///     <Conv2D<8, 3, shaped_nn::Linear, Valid, 2> as LayerSpec<shape![9, 10, 1]>>::OUT,
///     Ok(SampleDims::new(&[4, 4, 8]))
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Valid;

/// Zeros around the input so that the output has `ceil(in / stride)`
/// positions per axis (the padding split evenly, the odd one at the bottom
/// and right, as TensorFlow).
///
/// ```
/// use shaped_nn::{Conv2D, LayerSpec, Relu, SampleDims, Same};
/// use shaped_core::shape;
/// assert_eq!(
///     <Conv2D<16, 3, Relu, Same> as LayerSpec<shape![28, 28, 1]>>::OUT,
///     Ok(SampleDims::new(&[28, 28, 16]))
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Same;

impl PaddingMode for Valid {
    const PADDING: Padding = Padding::Valid;
    const NAME: &'static str = "valid";
}
impl PaddingMode for Same {
    const PADDING: Padding = Padding::Same;
    const NAME: &'static str = "same";
}

/// A 2-D convolution as written in `model!`: `FILTERS` filters of
/// `KERNEL x KERNEL`, activation `A`, padding `P` ([`Valid`] or [`Same`]),
/// the same `STRIDE` along both axes. The input channels come from the
/// layer before it. Keras's defaults: no padding, stride 1, glorot-uniform
/// kernel, zero bias.
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::{model, Conv2D, Dense, Flatten, MaxPool2D, Relu, Softmax};
/// model! {
///     struct Small: (12, 12, 1) => [Conv2D<4, 3, Relu>, MaxPool2D<2>, Flatten, Dense<10, Softmax>]
/// }
/// let m = Small::seeded(0);
/// // 12 - 3 + 1 = 10, 10 / 2 = 5, 5 * 5 * 4 = 100 inputs to the dense layer.
/// assert_eq!(Small::PARAMS, (3 * 3 * 1 * 4 + 4) + (100 * 10 + 10));
/// assert!(m.summary().contains("(None, 10, 10, 4)"));
/// ```
///
/// A kernel larger than its input is refused, with both sizes:
///
/// ```
/// use shaped_nn::{Conv2D, LayerSpec};
/// use shaped_core::shape;
/// assert_eq!(
///     <Conv2D<64, 5> as LayerSpec<shape![4, 4, 64]>>::OUT.unwrap_err().as_str(),
///     "Conv2D<64, 5>: a 5x5 kernel does not fit an input of shape (4, 4, 64)"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Conv2D<
    const FILTERS: usize,
    const KERNEL: usize,
    A: Activation = Linear,
    P: PaddingMode = Valid,
    const STRIDE: usize = 1,
>(PhantomData<(A, P)>);

/// The weights of a convolution: `kernel`, shaped `(kernel, kernel,
/// in_channels, filters)`, and `bias`, shaped `(filters,)`, as Keras names
/// and lays them out. Also the type of its gradients and optimizer state.
///
/// ```
/// use shaped_nn::{layers::conv2d::Conv2DParams, Parameters};
/// let p = Conv2DParams::zeros([3, 3, 1, 32]);
/// assert_eq!((p.name_of(0), p.shape_of(0)), ("kernel".to_string(), vec![3, 3, 1, 32]));
/// assert_eq!((p.name_of(1), p.get(1).len()), ("bias".to_string(), 32));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2DParams {
    kernel: Vec<f32>,
    bias: Vec<f32>,
    shape: [usize; 4],
}

impl Conv2DParams {
    /// All zeros, the kernel of shape `(kh, kw, in_channels, filters)`.
    /// Panics if its element count overflows `usize`.
    ///
    /// ```
    /// let p = shaped_nn::layers::conv2d::Conv2DParams::zeros([3, 3, 1, 2]);
    /// assert_eq!((p.kernel().len(), p.bias(), p.kernel_shape()), (18, &[0.0, 0.0][..], [3, 3, 1, 2]));
    /// ```
    pub fn zeros(shape: [usize; 4]) -> Self {
        let len = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .expect("conv2d: the kernel's element count overflows usize");
        Conv2DParams {
            kernel: vec![0.0; len],
            bias: vec![0.0; shape[3]],
            shape,
        }
    }
    /// The kernel, laid out `(kh, kw, in_channels, filters)` row-major.
    pub fn kernel(&self) -> &[f32] {
        &self.kernel
    }
    /// The bias, one per filter.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }
    /// The kernel's shape `(kh, kw, in_channels, filters)`.
    pub fn kernel_shape(&self) -> [usize; 4] {
        self.shape
    }
}

impl Parameters for Conv2DParams {
    fn len(&self) -> usize {
        2
    }
    fn name_of(&self, i: usize) -> String {
        match i {
            0 => "kernel".into(),
            1 => "bias".into(),
            _ => panic!("no parameter {i}"),
        }
    }
    fn shape_of(&self, i: usize) -> Vec<usize> {
        match i {
            0 => self.shape.to_vec(),
            1 => vec![self.shape[3]],
            _ => panic!("no parameter {i}"),
        }
    }
    fn get(&self, i: usize) -> &[f32] {
        match i {
            0 => &self.kernel,
            1 => &self.bias,
            _ => panic!("no parameter {i}"),
        }
    }
    fn get_mut(&mut self, i: usize) -> &mut [f32] {
        match i {
            0 => &mut self.kernel,
            1 => &mut self.bias,
            _ => panic!("no parameter {i}"),
        }
    }
}

/// What a convolution's training forward keeps for backward: the patch
/// matrices and packing buffers, reused from step to step.
///
/// ```
/// use shaped_nn::{Conv2D, Layer, LayerSpec};
/// use shaped_core::shape;
/// type L = <Conv2D<2, 3> as LayerSpec<shape![4, 4, 1]>>::Layer<shape![2, 2, 2]>;
/// let layer = L::init(&mut rand::SeedableRng::seed_from_u64(0));
/// let (mut out, mut cache) = (Vec::new(), shaped_nn::layers::conv2d::Conv2DCache::default());
/// let x = shaped_nn::BatchRef::new(&[1.0; 16], 1).unwrap();
/// layer.forward_reusing(x, shaped_nn::BatchMut::resized(&mut out, 1), &mut cache);
/// assert_eq!(out.len(), 8);
/// ```
#[derive(Debug, Default)]
pub struct Conv2DCache {
    scratch: ConvScratch,
}

std::thread_local! {
    /// The buffers of inference (`forward` has no cache).
    static INFERENCE: RefCell<ConvScratch> = RefCell::new(ConvScratch::default());
}

/// The sizes of a layer's buffers follow from its shape and the batch.
const SIZES: &str = "conv2d: buffers sized for the layer and the batch";

/// The convolution built for input shape `In` and output shape `Out`
/// (`model!` computes `Out` from [`Conv2D`]'s `OUT`).
///
/// ```
/// use shaped_nn::{Conv2D, Layer, LayerSpec, Relu};
/// use shaped_core::shape;
/// type L = <Conv2D<32, 3, Relu> as LayerSpec<shape![28, 28, 1]>>::Layer<shape![26, 26, 32]>;
/// assert_eq!(<L as Layer>::PARAMS, 3 * 3 * 1 * 32 + 32);
/// let layer = L::init(&mut rand::SeedableRng::seed_from_u64(0));
/// let mut out = Vec::new();
/// let x = vec![0.5; 2 * 28 * 28];
/// layer.forward(shaped_nn::BatchRef::new(&x, 2).unwrap(), shaped_nn::BatchMut::resized(&mut out, 2));
/// assert_eq!(out.len(), 2 * 26 * 26 * 32);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2DLayer<
    In: Batched,
    Out: Batched,
    const FILTERS: usize,
    const KERNEL: usize,
    A: Activation = Linear,
    P: PaddingMode = Valid,
    const STRIDE: usize = 1,
> {
    /// The weights.
    pub params: Conv2DParams,
    /// How the products run: on how many of the kernel threads (default:
    /// all). [`Layer::set_compute`] sets it; convolutions take no sparse
    /// tiles.
    pub compute: Compute,
    _shapes: PhantomData<(In, Out, A, P)>,
}

impl<
        In: Batched,
        Out: Batched,
        const FILTERS: usize,
        const KERNEL: usize,
        A: Activation,
        P: PaddingMode,
        const STRIDE: usize,
    > Conv2DLayer<In, Out, FILTERS, KERNEL, A, P, STRIDE>
{
    /// The convolution of one sample, with the sizes `model!` checked.
    ///
    /// ```
    /// use shaped_nn::{Conv2D, LayerSpec, Same};
    /// use shaped_core::shape;
    /// type L = <Conv2D<4, 3, shaped_nn::Linear, Same, 2> as LayerSpec<shape![9, 9, 2]>>::Layer<shape![5, 5, 4]>;
    /// assert_eq!((L::GEOMETRY.out_h(), L::GEOMETRY.in_c), (5, 2));
    /// assert_eq!(L::KERNEL_SHAPE, [3, 3, 2, 4]);
    /// ```
    pub const GEOMETRY: Conv2dGeometry = {
        let d = SampleDims::of::<In>();
        let o = SampleDims::of::<Out>();
        let g = Conv2dGeometry {
            in_h: d.dim(0),
            in_w: d.dim(1),
            in_c: d.dim(2),
            kernel_h: KERNEL,
            kernel_w: KERNEL,
            filters: FILTERS,
            stride_h: STRIDE,
            stride_w: STRIDE,
            padding: P::PADDING,
        };
        assert!(
            d.rank() == 3 && o.rank() == 3,
            "Conv2DLayer<In, Out, ..>: In and Out must be (height, width, channels)"
        );
        assert!(
            g.out_h() == o.dim(0) && g.out_w() == o.dim(1) && o.dim(2) == FILTERS,
            "Conv2DLayer<In, Out, ..>: Out is not the convolution's output shape"
        );
        g
    };
    /// The kernel's shape, `(kernel, kernel, in_channels, filters)`.
    pub const KERNEL_SHAPE: [usize; 4] = [KERNEL, KERNEL, Self::GEOMETRY.in_c, FILTERS];

    /// A layer with the given weights; `None` unless the kernel's shape is
    /// [`KERNEL_SHAPE`](Self::KERNEL_SHAPE).
    ///
    /// ```
    /// use shaped_nn::{layers::conv2d::Conv2DParams, Conv2D, LayerSpec};
    /// use shaped_core::shape;
    /// type L = <Conv2D<8, 3> as LayerSpec<shape![5, 5, 2]>>::Layer<shape![3, 3, 8]>;
    /// assert!(L::from_params(Conv2DParams::zeros([3, 3, 2, 8])).is_some());
    /// assert!(L::from_params(Conv2DParams::zeros([3, 3, 1, 8])).is_none());
    /// ```
    pub fn from_params(params: Conv2DParams) -> Option<Self> {
        (params.shape == Self::KERNEL_SHAPE).then_some(Conv2DLayer {
            params,
            compute: Compute::default(),
            _shapes: PhantomData,
        })
    }

    fn run(&self, x: BatchRef<'_, In>, out: BatchMut<'_, Out>, scratch: &mut ConvScratch) {
        let out = out.into_slice();
        conv2d_forward(
            &Self::GEOMETRY,
            x.len(),
            x.as_slice(),
            &self.params.kernel,
            &self.params.bias,
            out,
            self.compute.parallelism,
            scratch,
        )
        .expect(SIZES);
        A::forward(out, FILTERS);
    }
}

impl<
        In: Batched,
        Out: Batched,
        const FILTERS: usize,
        const KERNEL: usize,
        A: Activation,
        P: PaddingMode,
        const STRIDE: usize,
    > Parameters for Conv2DLayer<In, Out, FILTERS, KERNEL, A, P, STRIDE>
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
    fn get(&self, i: usize) -> &[f32] {
        self.params.get(i)
    }
    fn get_mut(&mut self, i: usize) -> &mut [f32] {
        self.params.get_mut(i)
    }
}

impl<
        In: Batched,
        Out: Batched,
        const FILTERS: usize,
        const KERNEL: usize,
        A: Activation,
        P: PaddingMode,
        const STRIDE: usize,
    > Layer for Conv2DLayer<In, Out, FILTERS, KERNEL, A, P, STRIDE>
{
    type Input = In;
    type Output = Out;
    type Grads = Conv2DParams;
    type Cache = Conv2DCache;
    const PARAMS: usize = KERNEL * KERNEL * Self::GEOMETRY.in_c * FILTERS + FILTERS;
    const FINAL_ACTIVATION: crate::ActivationKind = A::KIND;

    /// Keras's defaults: glorot-uniform kernel (fan in `k * k * in_c`, fan
    /// out `k * k * filters`), zero bias.
    fn init(rng: &mut StdRng) -> Self {
        let mut params = Conv2DParams::zeros(Self::KERNEL_SHAPE);
        let field = KERNEL * KERNEL;
        glorot_uniform(
            &mut params.kernel,
            field * Self::GEOMETRY.in_c,
            field * FILTERS,
            rng,
        );
        Conv2DLayer {
            params,
            compute: Compute::default(),
            _shapes: PhantomData,
        }
    }
    fn zero_grads(&self) -> Conv2DParams {
        Conv2DParams::zeros(Self::KERNEL_SHAPE)
    }
    fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
        rows.push(SummaryRow {
            layer: format!("{name} (Conv2D)"),
            output_shape: batch_shape_name::<Out>(),
            params: Self::PARAMS,
        });
    }
    fn forward(&self, x: BatchRef<'_, In>, out: BatchMut<'_, Out>) {
        INFERENCE.with(|s| self.run(x, out, &mut s.borrow_mut()))
    }
    fn forward_reusing(
        &self,
        x: BatchRef<'_, In>,
        out: BatchMut<'_, Out>,
        cache: &mut Conv2DCache,
    ) {
        self.run(x, out, &mut cache.scratch)
    }
    fn forward_train(
        &self,
        x: BatchRef<'_, In>,
        out: BatchMut<'_, Out>,
        cache: &mut Conv2DCache,
        _: &mut StdRng,
    ) {
        self.run(x, out, &mut cache.scratch)
    }
    fn set_compute(&mut self, compute: Compute) {
        self.compute = compute;
    }
    fn backward(&self, args: Backward<'_, Self>) {
        let Backward {
            x,
            out,
            mut grad_out,
            grad_of,
            cache,
            grads,
            grad_in,
        } = args;
        if grad_of.applies_activation() {
            A::backward(out.as_slice(), grad_out.as_mut_slice(), FILTERS);
        }
        conv2d_backward(
            &Self::GEOMETRY,
            x.len(),
            x.as_slice(),
            &self.params.kernel,
            grad_out.as_slice(),
            &mut grads.kernel,
            &mut grads.bias,
            grad_in.map(BatchMut::into_slice),
            self.compute.parallelism,
            &mut cache.scratch,
        )
        .expect(SIZES);
    }
}

/// `Err` unless `d` is `(height, width, channels)`, naming the layer. (A
/// `Reason` is large, but it only ever lives in consts the compiler
/// evaluates.)
#[allow(clippy::result_large_err)]
pub(crate) const fn image(layer: Reason, d: SampleDims) -> Result<(usize, usize, usize), Reason> {
    if d.rank() == 3 {
        Ok((d.dim(0), d.dim(1), d.dim(2)))
    } else {
        Err(layer
            .text(" takes (height, width, channels) samples; it receives shape ")
            .dims(d))
    }
}

/// `k * k * c * f + f`, or `None` when it overflows.
const fn param_count(k: usize, c: usize, f: usize) -> Option<usize> {
    let Some(kk) = k.checked_mul(k) else {
        return None;
    };
    let Some(kc) = kk.checked_mul(c) else {
        return None;
    };
    let Some(kf) = kc.checked_mul(f) else {
        return None;
    };
    kf.checked_add(f)
}

/// Output positions along one axis: `(input - k) / s + 1` without padding,
/// `ceil(input / s)` with (the callers checked `s > 0`, and `k <= input`
/// without padding).
const fn positions(input: usize, k: usize, s: usize, same: bool) -> usize {
    if same {
        input.div_ceil(s)
    } else {
        (input - k) / s + 1
    }
}

impl<
        S: Batched,
        const FILTERS: usize,
        const KERNEL: usize,
        A: Activation,
        P: PaddingMode,
        const STRIDE: usize,
    > LayerSpec<S> for Conv2D<FILTERS, KERNEL, A, P, STRIDE>
{
    const OUT: Result<SampleDims, Reason> = {
        let same = matches!(P::PADDING, Padding::Same);
        let name = Conv2D::<FILTERS, KERNEL, A, P, STRIDE>::NAME;
        let d = SampleDims::of::<S>();
        match image(name, d) {
            Err(e) => Err(e),
            Ok(_) if KERNEL == 0 || FILTERS == 0 || STRIDE == 0 => {
                Err(name.text(": the kernel size, filter count and stride must be at least 1"))
            }
            Ok((h, w, _)) if !same && (KERNEL > h || KERNEL > w) => Err(name
                .text(": a ")
                .num(KERNEL)
                .text("x")
                .num(KERNEL)
                .text(" kernel does not fit an input of shape ")
                .dims(d)),
            Ok((h, w, c)) => {
                let g = Conv2dGeometry {
                    in_h: h,
                    in_w: w,
                    in_c: c,
                    kernel_h: KERNEL,
                    kernel_w: KERNEL,
                    filters: FILTERS,
                    stride_h: STRIDE,
                    stride_w: STRIDE,
                    padding: P::PADDING,
                };
                let (oh, ow) = (
                    positions(h, KERNEL, STRIDE, same),
                    positions(w, KERNEL, STRIDE, same),
                );
                let sizes = param_count(KERNEL, c, FILTERS);
                let out = SampleDims::new(&[oh, ow, FILTERS]);
                if sizes.is_none() || out.checked_numel().is_none() {
                    Err(name
                        .text(": its sizes overflow usize on an input of shape ")
                        .dims(d))
                } else if g.out_h() != oh || g.out_w() != ow {
                    Err(name.text(": the kernels compute another output size"))
                } else {
                    Ok(out)
                }
            }
        }
    };
    type Layer<Out: Batched> = Conv2DLayer<S, Out, FILTERS, KERNEL, A, P, STRIDE>;
}

impl<
        const FILTERS: usize,
        const KERNEL: usize,
        A: Activation,
        P: PaddingMode,
        const STRIDE: usize,
    > Conv2D<FILTERS, KERNEL, A, P, STRIDE>
{
    /// How its messages name it: `Conv2D<32, 3>`, `Conv2D<8, 3, same, stride 2>`.
    const NAME: Reason = {
        let mut name = Reason::new("Conv2D<").num(FILTERS).text(", ").num(KERNEL);
        if matches!(P::PADDING, Padding::Same) {
            name = name.text(", same");
        }
        if STRIDE != 1 {
            name = name.text(", stride ").num(STRIDE);
        }
        name.text(">")
    };
}

/// The convolution computes in `f32` only: in a model generic over its
/// element type, its spec for `f64` refuses, at the layer.
impl<
        S: Batched,
        const FILTERS: usize,
        const KERNEL: usize,
        A: Activation,
        P: PaddingMode,
        const STRIDE: usize,
    > LayerSpec<S, f64> for Conv2D<FILTERS, KERNEL, A, P, STRIDE>
{
    const OUT: Result<SampleDims, Reason> = super::refused::f32_only(Self::NAME);
    type Layer<Out: Batched> = super::refused::Refused<S, Out, f64>;
}
