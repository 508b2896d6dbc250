//! Test support (cargo feature `testing`, off by default; not public API):
//! shape-only `Conv2D` and `MaxPool2D` layer specs that exercise the
//! [`LayerSpec`] contract with output sizes computed from their input, as a
//! real convolution will. They have no kernels and no parameters: their
//! forward pass writes zeros of the output shape, their backward zeros of
//! the input shape.

use crate::batch::Batched;
use crate::layer::{batch_shape_name, Backward, Layer, LayerSpec, SummaryRow};
use crate::sample_dims::{Reason, SampleDims};
use core::marker::PhantomData;
use rand::rngs::StdRng;

/// A 2-D convolution's shape: `F` filters of `K x K`, stride 1, no padding
/// (Keras's `Conv2D(F, K)`): `(H, W, C) -> (H - K + 1, W - K + 1, F)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conv2D<const F: usize, const K: usize>;

/// 2-D max pooling's shape: `P x P` windows, stride `P` (Keras's
/// `MaxPooling2D(P)`): `(H, W, C) -> (H / P, W / P, C)`, rounded down.
#[derive(Clone, Copy, Debug, Default)]
pub struct MaxPool2D<const P: usize>;

/// The layer either spec builds: shapes only.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ShapeStub<In: Batched, Out: Batched, Spec>(PhantomData<(In, Out, Spec)>);

/// The name a stub shows in a summary.
pub trait StubName: Send + Sync + 'static {
    /// `Conv2D` or `MaxPool2D`.
    const NAME: &'static str;
}
impl<const F: usize, const K: usize> StubName for Conv2D<F, K> {
    const NAME: &'static str = "Conv2D";
}
impl<const P: usize> StubName for MaxPool2D<P> {
    const NAME: &'static str = "MaxPool2D";
}

crate::parameters_struct!([In: Batched, Out: Batched, Spec: StubName] ShapeStub<In, Out, Spec> {});

impl<In: Batched, Out: Batched, Spec: StubName> Layer for ShapeStub<In, Out, Spec> {
    type Input = In;
    type Output = Out;
    type Grads = ();
    type Cache = ();
    const PARAMS: usize = 0;

    fn init(_: &mut StdRng) -> Self {
        ShapeStub(PhantomData)
    }
    fn zero_grads(&self) {}
    fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
        rows.push(SummaryRow {
            layer: format!("{name} ({})", Spec::NAME),
            output_shape: batch_shape_name::<Out>(),
            params: 0,
        });
    }
    fn forward(&self, x: &[f32], n: usize, out: &mut Vec<f32>) {
        assert_eq!(x.len(), n * In::NUMEL, "shape stub: input is not n samples");
        out.clear();
        out.resize(n * Out::NUMEL, 0.0);
    }
    fn forward_train(&self, x: &[f32], n: usize, out: &mut Vec<f32>, _: &mut (), _: &mut StdRng) {
        self.forward(x, n, out)
    }
    fn backward(&self, args: Backward<'_, Self>) {
        let Backward { n, grad_in, .. } = args;
        if let Some(g) = grad_in {
            g.clear();
            g.resize(n * In::NUMEL, 0.0);
        }
    }
}

/// `Err` unless `d` is `(height, width, channels)`. (A `Reason` is large,
/// but it only ever lives in consts evaluated by the compiler.)
#[allow(clippy::result_large_err)]
const fn image(layer: Reason, d: SampleDims) -> Result<(usize, usize, usize), Reason> {
    if d.rank() == 3 {
        Ok((d.dim(0), d.dim(1), d.dim(2)))
    } else {
        Err(layer
            .text(" takes (height, width, channels) samples; it receives shape ")
            .dims(d))
    }
}

impl<S: Batched, const F: usize, const K: usize> LayerSpec<S> for Conv2D<F, K> {
    const OUT: Result<SampleDims, Reason> = {
        let name = Reason::new("Conv2D<").num(F).text(", ").num(K).text(">");
        let d = SampleDims::of::<S>();
        match image(name, d) {
            Err(e) => Err(e),
            Ok(_) if K == 0 || F == 0 => {
                Err(name.text(": the kernel size and filter count must be at least 1"))
            }
            Ok((h, w, _)) if K > h || K > w => Err(name
                .text(": a ")
                .num(K)
                .text("x")
                .num(K)
                .text(" kernel does not fit an input of shape ")
                .dims(d)),
            Ok((h, w, _)) => Ok(SampleDims::new(&[h - K + 1, w - K + 1, F])),
        }
    };
    type Layer<Out: Batched> = ShapeStub<S, Out, Self>;
}

impl<S: Batched, const P: usize> LayerSpec<S> for MaxPool2D<P> {
    const OUT: Result<SampleDims, Reason> = {
        let name = Reason::new("MaxPool2D<").num(P).text(">");
        let d = SampleDims::of::<S>();
        match image(name, d) {
            Err(e) => Err(e),
            Ok(_) if P == 0 => Err(name.text(": the pool size must be at least 1")),
            Ok((h, w, _)) if P > h || P > w => Err(name
                .text(": a ")
                .num(P)
                .text("x")
                .num(P)
                .text(" window does not fit an input of shape ")
                .dims(d)),
            Ok((h, w, c)) => Ok(SampleDims::new(&[h / P, w / P, c])),
        }
    };
    type Layer<Out: Batched> = ShapeStub<S, Out, Self>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tensor_core::shape;

    #[test]
    fn conv_and_pool_compute_keras_shapes() {
        assert_eq!(
            <Conv2D<32, 3> as LayerSpec<shape![28, 28, 1]>>::OUT,
            Ok(SampleDims::new(&[26, 26, 32]))
        );
        assert_eq!(
            <MaxPool2D<2> as LayerSpec<shape![26, 26, 32]>>::OUT,
            Ok(SampleDims::new(&[13, 13, 32]))
        );
        assert_eq!(
            <MaxPool2D<2> as LayerSpec<shape![11, 11, 64]>>::OUT,
            Ok(SampleDims::new(&[5, 5, 64]))
        );
    }

    #[test]
    fn refusals_name_the_layer_and_the_shape() {
        let e = <Conv2D<64, 5> as LayerSpec<shape![4, 4, 64]>>::OUT.unwrap_err();
        assert_eq!(
            e.as_str(),
            "Conv2D<64, 5>: a 5x5 kernel does not fit an input of shape (4, 4, 64)"
        );
        let e = <MaxPool2D<2> as LayerSpec<shape![5408]>>::OUT.unwrap_err();
        assert_eq!(
            e.as_str(),
            "MaxPool2D<2> takes (height, width, channels) samples; it receives shape (5408,)"
        );
        assert!(<Conv2D<8, 0> as LayerSpec<shape![4, 4, 1]>>::OUT.is_err());
        assert!(<MaxPool2D<0> as LayerSpec<shape![4, 4, 1]>>::OUT.is_err());
    }
}
