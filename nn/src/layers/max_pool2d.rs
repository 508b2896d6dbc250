//! `MaxPool2D`: the largest value of each `P x P` window of each channel,
//! windows `P` apart (Keras's `MaxPooling2D(P)`), the position of each
//! maximum kept for backward.

use crate::{
    batch::{BatchMut, BatchRef, Batched},
    layer::{batch_shape_name, Backward, Layer, LayerSpec, SummaryRow},
    layers::conv2d::image,
    sample_dims::{Reason, SampleDims},
};
use core::marker::PhantomData;
use rand::rngs::StdRng;
use shaped_core::kernels::pool::{max_pool2d_backward, max_pool2d_forward, Pool2dGeometry};
use std::cell::RefCell;

/// 2-D max pooling as written in `model!`: `P x P` windows with stride `P`
/// (Keras's `MaxPooling2D(P)`): `(H, W, C) -> (H / P, W / P, C)`, rounded
/// down.
///
/// ```
/// use shaped_nn::{LayerSpec, MaxPool2D, SampleDims};
/// use shaped_core::shape;
/// assert_eq!(<MaxPool2D<2> as LayerSpec<shape![11, 11, 64]>>::OUT, Ok(SampleDims::new(&[5, 5, 64])));
/// assert_eq!(
///     <MaxPool2D<2> as LayerSpec<shape![5408]>>::OUT.unwrap_err().as_str(),
///     "MaxPool2D<2> takes (height, width, channels) samples; it receives shape (5408,)"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MaxPool2D<const P: usize>;

/// The output dims of a `P x P` pooling with stride `P`, or why not.
#[allow(clippy::result_large_err)]
pub(crate) const fn pool_out(name: Reason, d: SampleDims, p: usize) -> Result<SampleDims, Reason> {
    match image(name, d) {
        Err(e) => Err(e),
        Ok(_) if p == 0 => Err(name.text(": the pool size must be at least 1")),
        Ok((h, w, _)) if p > h || p > w => Err(name
            .text(": a ")
            .num(p)
            .text("x")
            .num(p)
            .text(" window does not fit an input of shape ")
            .dims(d)),
        Ok((h, w, c)) => Ok(SampleDims::new(&[(h - p) / p + 1, (w - p) / p + 1, c])),
    }
}

/// The pooling geometry of one sample of shape `In` (rank 3, checked by
/// [`pool_out`] where the model is defined, and asserted here).
pub(crate) const fn geometry<In: Batched, Out: Batched>(p: usize) -> Pool2dGeometry {
    let d = SampleDims::of::<In>();
    let o = SampleDims::of::<Out>();
    assert!(
        d.rank() == 3 && o.rank() == 3 && p > 0,
        "pooling layer: In and Out must be (height, width, channels)"
    );
    assert!(
        p <= d.dim(0)
            && p <= d.dim(1)
            && o.dim(0) == (d.dim(0) - p) / p + 1
            && o.dim(1) == (d.dim(1) - p) / p + 1
            && o.dim(2) == d.dim(2),
        "pooling layer: Out is not the pooling's output shape"
    );
    Pool2dGeometry {
        in_h: d.dim(0),
        in_w: d.dim(1),
        channels: d.dim(2),
        pool_h: p,
        pool_w: p,
        stride_h: p,
        stride_w: p,
    }
}

/// The sizes of a layer's buffers follow from its shape and the batch.
pub(crate) const SIZES: &str = "pooling: buffers sized for the layer and the batch";

/// What a max pooling's training forward keeps for backward: where each
/// maximum was.
///
/// ```
/// use shaped_nn::{layers::max_pool2d::MaxPool2DCache, Layer, LayerSpec, MaxPool2D};
/// use shaped_core::shape;
/// type L = <MaxPool2D<2> as LayerSpec<shape![2, 2, 1]>>::Layer<shape![1, 1, 1]>;
/// let layer = L::init(&mut rand::SeedableRng::seed_from_u64(0));
/// let (mut out, mut cache) = (Vec::new(), MaxPool2DCache::default());
/// let x = shaped_nn::BatchRef::new(&[1.0, 4.0, -2.0, 3.0], 1).unwrap();
/// layer.forward_reusing(x, shaped_nn::BatchMut::resized(&mut out, 1), &mut cache);
/// assert_eq!(out, [4.0]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct MaxPool2DCache {
    argmax: Vec<u32>,
}

std::thread_local! {
    /// The argmax buffer of inference (`forward` has no cache).
    static INFERENCE: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

/// The max pooling built for input shape `In`, output shape `Out`.
///
/// ```
/// use shaped_nn::{Layer, LayerSpec, MaxPool2D};
/// use shaped_core::shape;
/// type L = <MaxPool2D<2> as LayerSpec<shape![2, 2, 1]>>::Layer<shape![1, 1, 1]>;
/// let mut out = Vec::new();
/// let x = shaped_nn::BatchRef::new(&[1.0, 4.0, -2.0, 3.0], 1).unwrap();
/// L::init(&mut rand::SeedableRng::seed_from_u64(0)).forward(x, shaped_nn::BatchMut::resized(&mut out, 1));
/// assert_eq!(out, [4.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MaxPool2DLayer<In: Batched, Out: Batched, const P: usize>(PhantomData<(In, Out)>);

crate::parameters_struct!([In: Batched, Out: Batched, const P: usize] MaxPool2DLayer<In, Out, P> {});

impl<In: Batched, Out: Batched, const P: usize> MaxPool2DLayer<In, Out, P> {
    const GEOMETRY: Pool2dGeometry = geometry::<In, Out>(P);

    fn run(&self, x: BatchRef<'_, In>, out: BatchMut<'_, Out>, argmax: &mut Vec<u32>) {
        let out = out.into_slice();
        argmax.resize(out.len(), 0);
        max_pool2d_forward(&Self::GEOMETRY, x.len(), x.as_slice(), out, argmax).expect(SIZES);
    }
}

impl<In: Batched, Out: Batched, const P: usize> Layer for MaxPool2DLayer<In, Out, P> {
    type Input = In;
    type Output = Out;
    type Grads = ();
    type Cache = MaxPool2DCache;
    const PARAMS: usize = 0;

    fn init(_: &mut StdRng) -> Self {
        let _ = Self::GEOMETRY;
        MaxPool2DLayer(PhantomData)
    }
    fn zero_grads(&self) {}
    fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
        rows.push(SummaryRow {
            layer: format!("{name} (MaxPooling2D)"),
            output_shape: batch_shape_name::<Out>(),
            params: 0,
        });
    }
    fn forward(&self, x: BatchRef<'_, In>, out: BatchMut<'_, Out>) {
        INFERENCE.with(|a| self.run(x, out, &mut a.borrow_mut()))
    }
    fn forward_reusing(
        &self,
        x: BatchRef<'_, In>,
        out: BatchMut<'_, Out>,
        cache: &mut MaxPool2DCache,
    ) {
        self.run(x, out, &mut cache.argmax)
    }
    fn forward_train(
        &self,
        x: BatchRef<'_, In>,
        out: BatchMut<'_, Out>,
        cache: &mut MaxPool2DCache,
        _: &mut StdRng,
    ) {
        self.run(x, out, &mut cache.argmax)
    }
    fn backward(&self, args: Backward<'_, Self>) {
        let Backward {
            grad_out,
            cache,
            grad_in,
            ..
        } = args;
        if let Some(dx) = grad_in {
            let (n, g) = (grad_out.len(), grad_out.as_slice());
            max_pool2d_backward(&Self::GEOMETRY, n, g, &cache.argmax, dx.into_slice())
                .expect(SIZES);
        }
    }
}

impl<S: Batched, const P: usize> LayerSpec<S> for MaxPool2D<P> {
    const OUT: Result<SampleDims, Reason> = pool_out(
        Reason::new("MaxPool2D<").num(P).text(">"),
        SampleDims::of::<S>(),
        P,
    );
    type Layer<Out: Batched> = MaxPool2DLayer<S, Out, P>;
}

/// The pool computes in `f32` only: its spec for `f64` refuses.
impl<S: Batched, const P: usize> LayerSpec<S, f64> for MaxPool2D<P> {
    const OUT: Result<SampleDims, Reason> =
        super::refused::f32_only(Reason::new("MaxPool2D<").num(P).text(">"));
    type Layer<Out: Batched> = super::refused::Refused<S, Out, f64>;
}
