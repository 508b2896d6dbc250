//! Gradient checks of layers against central finite differences, for the
//! built-in layers' tests and for users writing their own layers.
//!
//! There is one checker in the workspace,
//! [`shaped_core::autodiff::gradcheck::GradCheck`] (re-exported here); this
//! module only feeds it a layer. [`check_layer`] differentiates
//! `L = sum(output * r)` for a fixed pseudo-random `r` (so that every output
//! matters and none cancels another): the analytic gradient comes from the
//! layer's `backward` with `grad_out = r`, the numeric one from the layer's
//! inference `forward` at parameters and inputs moved by `±eps`, for every
//! parameter tensor and the input (at most
//! [`max_per_input`](GradCheck::max_per_input) entries of each). For a
//! layer in `f32`, use [`GradCheck::single_precision`], whose retry at a
//! tenth of the step also gets past a relu kink inside the step; a layer in
//! `f64` meets [`GradCheck::default`]'s tighter double-precision bounds.

use crate::{BatchMut, BatchRef, Layer, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};
pub use shaped_core::autodiff::gradcheck::{GradCheck, GradCheckError, GradCheckReport};
use shaped_core::{Dtype, Float};

/// What input `i` of [`check_layer`]'s check is: a parameter's name, or
/// `"input"` for the last one.
///
/// ```
/// use shaped_nn::{gradcheck::input_name, DenseLayer, Layer, Linear};
/// let layer = DenseLayer::<3, 2, Linear>::init(&mut rand::SeedableRng::seed_from_u64(0));
/// assert_eq!(input_name(&layer, 1), "bias");
/// assert_eq!(input_name(&layer, 2), "input");
/// ```
pub fn input_name<L: Parameters<E>, E: Dtype>(layer: &L, i: usize) -> String {
    if i < layer.len() {
        layer.name_of(i)
    } else {
        "input".into()
    }
}

/// Checks `layer`'s backward on the samples in `x`: inputs `0..len()`
/// of the check are its parameter tensors, the last one is `x` (name them
/// with [`input_name`]). The projection `r` is drawn from `check.seed`. The
/// layer's parameters are as before when it returns.
///
/// A user-defined layer, with its own gradient check:
///
/// ```
/// use shaped_nn::{gradcheck::{check_layer, GradCheck}, layer::SummaryRow, Backward, BatchMut, BatchRef, Layer, Parameters};
/// use rand::rngs::StdRng;
/// use shaped_core::{Sz, Tensor};
///
/// /// Multiplies each of its N inputs by a learned factor.
/// struct Scale<const N: usize> { factor: Tensor<(Sz<N>,)> }
///
/// impl<const N: usize> Parameters for Scale<N> {
///     fn len(&self) -> usize { 1 }
///     fn name_of(&self, _: usize) -> String { "factor".into() }
///     fn shape_of(&self, _: usize) -> Vec<usize> { vec![N] }
///     fn get(&self, _: usize) -> &[f32] { self.factor.as_slice() }
///     fn get_mut(&mut self, _: usize) -> &mut [f32] { self.factor.as_mut_slice() }
/// }
///
/// impl<const N: usize> Layer for Scale<N> {
///     type Input = (Sz<N>,);
///     type Output = (Sz<N>,);
///     type Grads = Tensor<(Sz<N>,)>;
///     type Cache = ();
///     const PARAMS: usize = N;
///     fn init(_: &mut StdRng) -> Self { Scale { factor: Tensor::ones() } }
///     fn zero_grads(&self) -> Self::Grads { Tensor::zeros() }
///     fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
///         rows.push(SummaryRow { layer: format!("{name} (Scale)"), output_shape: format!("(None, {N})"), params: N });
///     }
///     fn forward(&self, x: BatchRef<'_, (Sz<N>,)>, mut out: BatchMut<'_, (Sz<N>,)>) {
///         let a = self.factor.as_slice().iter().cycle();
///         for ((o, x), a) in out.as_mut_slice().iter_mut().zip(x.as_slice()).zip(a) { *o = x * a; }
///     }
///     fn forward_train(&self, x: BatchRef<'_, (Sz<N>,)>, out: BatchMut<'_, (Sz<N>,)>, _: &mut (), _: &mut StdRng) {
///         self.forward(x, out)
///     }
///     fn backward(&self, args: Backward<'_, Self>) {
///         let Backward { x, grad_out: g, grads, grad_in, .. } = args;
///         let da = grads.as_mut_slice();
///         da.fill(0.0);
///         for (xr, gr) in x.as_slice().chunks(N).zip(g.as_slice().chunks(N)) {
///             for j in 0..N { da[j] += xr[j] * gr[j]; }
///         }
///         if let Some(mut dx) = grad_in {
///             let a = self.factor.as_slice().iter().cycle();
///             for ((d, g), a) in dx.as_mut_slice().iter_mut().zip(g.as_slice()).zip(a) { *d = g * a; }
///         }
///     }
/// }
///
/// let mut layer = Scale::<3> { factor: Tensor::from_array([0.5, -1.0, 2.0]) };
/// let x = [0.1, 0.2, 0.3, -0.4, 0.5, -0.6];
/// let x = BatchRef::new(&x, 2).unwrap();
/// let report = check_layer(&GradCheck::single_precision(), &mut layer, x).unwrap();
/// assert_eq!(report.checked, 3 + 6); // every factor and every input
/// ```
pub fn check_layer<L: Layer<E>, E: Float>(
    check: &GradCheck,
    layer: &mut L,
    x: BatchRef<'_, L::Input, E>,
) -> Result<GradCheckReport, GradCheckError> {
    let n = x.len();
    let mut rng = StdRng::seed_from_u64(check.seed);
    let mut out = Vec::new();
    let mut cache = L::Cache::default();
    // Every buffer a layer writes starts as NaN, so an element the layer
    // leaves unwritten fails the check rather than passing as a stale value.
    layer.forward_train(x, poisoned(&mut out, n), &mut cache, &mut rng);
    let r: Vec<E> = (0..out.len())
        .map(|_| E::from_f64(rng.random_range(-1.0f32..1.0) as f64))
        .collect();
    // Gradients are replaced, not added to: NaN where the layer writes none.
    let mut grads = layer.zero_grads();
    for t in 0..grads.len() {
        grads.get_mut(t).fill(E::NAN);
    }
    let mut g = r.clone();
    let mut dx = Vec::new();
    layer.backward(crate::Backward {
        x,
        out: BatchRef::new(&out, n).expect("the output batch was sized for n samples"),
        grad_out: BatchMut::resized(&mut g, n),
        grad_of: crate::GradOf::Output,
        cache: &mut cache,
        grads: &mut grads,
        grad_in: Some(poisoned(&mut dx, n)),
    });
    let x = x.as_slice();

    let to64 = |v: &[E]| v.iter().map(|&v| v.to_f64()).collect::<Vec<f64>>();
    let params = layer.len();
    let mut inputs: Vec<Vec<f64>> = (0..params).map(|t| to64(layer.get(t))).collect();
    inputs.push(to64(x));
    let mut analytic: Vec<Vec<f64>> = (0..params).map(|t| to64(grads.get(t))).collect();
    analytic.push(to64(&dx));
    let original: Vec<Vec<E>> = (0..params).map(|t| layer.get(t).to_vec()).collect();

    let (mut xs, mut buf) = (x.to_vec(), Vec::new());
    let result = {
        let inputs: Vec<&[f64]> = inputs.iter().map(Vec::as_slice).collect();
        let analytic: Vec<&[f64]> = analytic.iter().map(Vec::as_slice).collect();
        check.check_buffers(&inputs, &analytic, |bufs| {
            for (t, b) in bufs[..params].iter().enumerate() {
                copy_from_f64(b, layer.get_mut(t));
            }
            copy_from_f64(&bufs[params], &mut xs);
            let xb = BatchRef::new(&xs, n).expect("a copy of the batch");
            layer.forward(xb, poisoned(&mut buf, n));
            buf.iter()
                .zip(&r)
                .map(|(&o, &r)| o.to_f64() * r.to_f64())
                .sum()
        })
    };
    for (t, p) in original.iter().enumerate() {
        layer.get_mut(t).copy_from_slice(p);
    }
    result
}

/// `buf` as a batch of `n` samples, every element NaN.
fn poisoned<S: crate::Batched, E: Float>(buf: &mut Vec<E>, n: usize) -> BatchMut<'_, S, E> {
    let mut b = BatchMut::resized(buf, n);
    b.as_mut_slice().fill(E::NAN);
    b
}

/// The checker's `f64` values rounded to the layer's type.
fn copy_from_f64<E: Float>(from: &[f64], to: &mut [E]) {
    to.iter_mut()
        .zip(from)
        .for_each(|(t, &f)| *t = E::from_f64(f));
}
