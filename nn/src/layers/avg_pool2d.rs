//! `AvgPool2D`: the mean of each `P x P` window of each channel, windows
//! `P` apart (Keras's `AveragePooling2D(P)`).

use crate::{
    batch::{BatchMut, BatchRef, Batched},
    layer::{batch_shape_name, Backward, Layer, LayerSpec, SummaryRow},
    layers::max_pool2d::{geometry, pool_out, SIZES},
    sample_dims::{Reason, SampleDims},
};
use core::marker::PhantomData;
use rand::rngs::StdRng;
use shaped_core::kernels::pool::{avg_pool2d_backward, avg_pool2d_forward, Pool2dGeometry};

/// 2-D average pooling as written in `model!`: `P x P` windows with stride
/// `P` (Keras's `AveragePooling2D(P)`): `(H, W, C) -> (H / P, W / P, C)`,
/// rounded down.
///
/// ```
/// use shaped_nn::{AvgPool2D, LayerSpec, SampleDims};
/// use shaped_core::shape;
/// assert_eq!(<AvgPool2D<3> as LayerSpec<shape![7, 9, 2]>>::OUT, Ok(SampleDims::new(&[2, 3, 2])));
/// assert_eq!(
///     <AvgPool2D<4> as LayerSpec<shape![3, 8, 1]>>::OUT.unwrap_err().as_str(),
///     "AvgPool2D<4>: a 4x4 window does not fit an input of shape (3, 8, 1)"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct AvgPool2D<const P: usize>;

/// The average pooling built for input shape `In`, output shape `Out`.
///
/// ```
/// use shaped_nn::{AvgPool2D, Layer, LayerSpec};
/// use shaped_core::shape;
/// type L = <AvgPool2D<2> as LayerSpec<shape![2, 2, 1]>>::Layer<shape![1, 1, 1]>;
/// let mut out = Vec::new();
/// let x = shaped_nn::BatchRef::new(&[1.0, 4.0, -2.0, 3.0], 1).unwrap();
/// L::init(&mut rand::SeedableRng::seed_from_u64(0)).forward(x, shaped_nn::BatchMut::resized(&mut out, 1));
/// assert_eq!(out, [1.5]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AvgPool2DLayer<In: Batched, Out: Batched, const P: usize>(PhantomData<(In, Out)>);

crate::parameters_struct!([In: Batched, Out: Batched, const P: usize] AvgPool2DLayer<In, Out, P> {});

impl<In: Batched, Out: Batched, const P: usize> AvgPool2DLayer<In, Out, P> {
    const GEOMETRY: Pool2dGeometry = geometry::<In, Out>(P);
}

impl<In: Batched, Out: Batched, const P: usize> Layer for AvgPool2DLayer<In, Out, P> {
    type Input = In;
    type Output = Out;
    type Grads = ();
    type Cache = ();
    const PARAMS: usize = 0;

    fn init(_: &mut StdRng) -> Self {
        let _ = Self::GEOMETRY;
        AvgPool2DLayer(PhantomData)
    }
    fn zero_grads(&self) {}
    fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
        rows.push(SummaryRow {
            layer: format!("{name} (AveragePooling2D)"),
            output_shape: batch_shape_name::<Out>(),
            params: 0,
        });
    }
    fn forward(&self, x: BatchRef<'_, In>, out: BatchMut<'_, Out>) {
        avg_pool2d_forward(&Self::GEOMETRY, x.len(), x.as_slice(), out.into_slice()).expect(SIZES);
    }
    fn forward_train(
        &self,
        x: BatchRef<'_, In>,
        out: BatchMut<'_, Out>,
        _: &mut (),
        _: &mut StdRng,
    ) {
        self.forward(x, out)
    }
    fn backward(&self, args: Backward<'_, Self>) {
        let Backward {
            grad_out, grad_in, ..
        } = args;
        if let Some(dx) = grad_in {
            let n = grad_out.len();
            avg_pool2d_backward(&Self::GEOMETRY, n, grad_out.as_slice(), dx.into_slice())
                .expect(SIZES);
        }
    }
}

impl<S: Batched, const P: usize> LayerSpec<S> for AvgPool2D<P> {
    const OUT: Result<SampleDims, Reason> = pool_out(
        Reason::new("AvgPool2D<").num(P).text(">"),
        SampleDims::of::<S>(),
        P,
    );
    type Layer<Out: Batched> = AvgPool2DLayer<S, Out, P>;
}

/// The pool computes in `f32` only: its spec for `f64` refuses.
impl<S: Batched, const P: usize> LayerSpec<S, f64> for AvgPool2D<P> {
    const OUT: Result<SampleDims, Reason> =
        super::refused::f32_only(Reason::new("AvgPool2D<").num(P).text(">"));
    type Layer<Out: Batched> = super::refused::Refused<S, Out, f64>;
}
