//! A layer written from plain tape ops ([`shaped_nn::OpsLayer`]) trains inside
//! `model!` with no hand-written backward: its gradient through
//! [`shaped_nn::TapeLayer`] matches finite differences, and `Dense` written the same
//! way gets the built-in fused `Dense`'s gradients.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use rand::{rngs::StdRng, Rng, SeedableRng};
use shaped_core::{shape, Dyn, Sz, Tensor};
use shaped_nn::{
    gradcheck::{check_layer, GradCheck},
    layers::tape_layer::BatchVar,
    losses::BinaryCrossentropy,
    metrics::BinaryAccuracy,
    model,
    optim::Adam,
    parameters_struct,
    train::{FitConfig, Trainer, Verbosity},
    BatchMut, BatchRef, Dense, DenseLayer, DenseParams, Layer, OpsLayer, Parameters, Relu, Sigmoid,
    Tanh, TapeLayer, TapeParams,
};

// The user's layer: a per-feature scale and shift, y = x * w + b.
#[derive(Clone)]
struct Scale<const W: usize> {
    w: Tensor<shape![W]>,
    b: Tensor<shape![W]>,
}
parameters_struct!([const W: usize] Scale<W> { w, b });

impl<const W: usize> OpsLayer for Scale<W> {
    type Input = shape![W];
    type Output = shape![W];
    const PARAMS: usize = 2 * W;
    fn init(_: &mut StdRng) -> Self {
        let (w, b) = (Tensor::ones(), Tensor::zeros());
        Scale { w, b }
    }
    fn forward(&self, x: BatchVar<shape![W]>, p: &mut TapeParams) -> BatchVar<shape![W]> {
        &(&x * &p.var(&self.w)) + &p.var(&self.b)
    }
}
// (end of the user's layer)

model! {
    /// A classifier of points in the plane with the tape-backed scale inside.
    pub struct Scaled: 2 => [Dense<16, Tanh>, TapeLayer<Scale<16>>, Dense<16, Relu>, Dense<1, Sigmoid>]
}

/// Points and their classes.
type Points = (Tensor<shape![_, 2]>, Tensor<(Dyn, Sz<1>)>);

/// Points of the plane, class 1 where x * y > 0 (XOR of the signs).
fn xor_points(n: usize, seed: u64) -> Points {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let (a, b): (f32, f32) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
        x.extend([a, b]);
        y.push(if a * b > 0.0 { 1.0 } else { 0.0 });
    }
    (
        Tensor::from_shape_vec((Dyn(n), Sz), x).unwrap(),
        Tensor::from_shape_vec((Dyn(n), Sz), y).unwrap(),
    )
}

#[test]
fn a_tape_layer_trains_inside_model() {
    let (x, y) = xor_points(512, 1);
    let mut t = Trainer::new(
        Scaled::seeded(3),
        Adam::new(0.01),
        BinaryCrossentropy,
        BinaryAccuracy::default(),
    );
    let w0: Vec<Vec<f32>> = (0..t.model.len())
        .map(|i| t.model.get(i).to_vec())
        .collect();
    let cfg = FitConfig {
        epochs: 40,
        batch_size: 32,
        seed: 3,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let h = t.fit(&x, &y, &cfg).unwrap();
    let losses = h.losses();
    let (xt, yt) = xor_points(256, 2);
    let e = t.evaluate(&xt, &yt, 256).unwrap();
    eprintln!(
        "xor: loss {:.4} -> {:.4}, held-out accuracy {:.4}",
        losses[0],
        losses[losses.len() - 1],
        e.metric
    );
    assert!(e.metric >= 0.93, "held-out accuracy {}", e.metric);
    assert!(losses[losses.len() - 1] < losses[0] / 3.0, "{losses:?}");
    // The scale's own parameters were trained (their gradients reached the
    // optimizer), not only the dense layers around them.
    let model = &t.model;
    let scale: Vec<usize> = (0..model.len())
        .filter(|&i| model.name_of(i).ends_with(".w") || model.name_of(i).ends_with(".b"))
        .collect();
    assert_eq!(
        scale.len(),
        2,
        "{:?}",
        (0..model.len())
            .map(|i| model.name_of(i))
            .collect::<Vec<_>>()
    );
    for i in scale {
        let moved = model
            .get(i)
            .iter()
            .zip(&w0[i])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(moved > 1e-3, "{} moved by {moved}", model.name_of(i));
    }
}

#[test]
fn a_tape_layers_gradient_is_finite_differences() {
    let mut layer = TapeLayer(Scale::<3> {
        w: Tensor::from_array([0.5, -1.0, 2.0]),
        b: Tensor::from_array([0.1, 0.2, -0.3]),
    });
    let x = [0.1, 0.2, 0.3, -0.4, 0.5, -0.6, 0.7, 0.8, -0.9];
    let report = check_layer(
        &GradCheck::single_precision(),
        &mut layer,
        BatchRef::new(&x, 3).unwrap(),
    )
    .unwrap();
    assert_eq!(report.checked, 3 + 3 + 9); // every w, every b and every input
}

/// `Dense<OUT, Relu>` written from plain ops.
#[derive(Clone)]
struct TapeDense<const IN: usize, const OUT: usize> {
    kernel: Tensor<shape![IN, OUT]>,
    bias: Tensor<shape![OUT]>,
}
parameters_struct!([const IN: usize, const OUT: usize] TapeDense<IN, OUT> { kernel, bias });

impl<const IN: usize, const OUT: usize> OpsLayer for TapeDense<IN, OUT> {
    type Input = shape![IN];
    type Output = shape![OUT];
    const PARAMS: usize = IN * OUT + OUT;
    fn init(_: &mut StdRng) -> Self {
        unreachable!("built from a DenseLayer's parameters")
    }
    fn forward(&self, x: BatchVar<shape![IN]>, p: &mut TapeParams) -> BatchVar<shape![OUT]> {
        (&x.dot(&p.var(&self.kernel)) + &p.var(&self.bias)).relu()
    }
}

fn random(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

fn assert_close(what: &str, a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (&a, &b)) in a.iter().zip(b).enumerate() {
        assert!(
            (a - b).abs() <= 1e-5 + 1e-4 * b.abs(),
            "{what}[{i}]: fused {a}, tape {b}"
        );
    }
}

#[test]
fn dense_as_a_tape_layer_has_the_fused_dense_gradients() {
    const N: usize = 8;
    let fused = DenseLayer::<6, 5, Relu>::init(&mut StdRng::seed_from_u64(3));
    let tape = TapeLayer(TapeDense::<6, 5> {
        kernel: Tensor::from_vec(fused.get(0).to_vec()).unwrap(),
        bias: Tensor::from_vec(random(5, 9)).unwrap(), // a non-zero bias
    });
    let fused = DenseLayer::<6, 5, Relu>::from_params(DenseParams {
        kernel: tape.0.kernel.clone(),
        bias: tape.0.bias.clone(),
    });
    let x = random(N * 6, 1);
    let r = random(N * 5, 4);
    let mut results = Vec::new();
    macro_rules! run {
        ($layer:expr) => {{
            let layer = $layer;
            let (mut out, mut cache) = (Vec::new(), Default::default());
            layer.forward_train(
                BatchRef::new(&x, N).unwrap(),
                BatchMut::resized(&mut out, N),
                &mut cache,
                &mut StdRng::seed_from_u64(0),
            );
            let (mut g, mut grads, mut dx) = (r.clone(), layer.zero_grads(), Vec::new());
            layer.backward(shaped_nn::Backward {
                x: BatchRef::new(&x, N).unwrap(),
                out: BatchRef::new(&out, N).unwrap(),
                grad_out: BatchMut::new(&mut g, N).unwrap(),
                grad_of: shaped_nn::GradOf::Output,
                cache: &mut cache,
                grads: &mut grads,
                grad_in: Some(BatchMut::resized(&mut dx, N)),
            });
            results.push((out, grads.get(0).to_vec(), grads.get(1).to_vec(), dx));
        }};
    }
    run!(&fused);
    run!(&tape);
    let (f, t) = (&results[0], &results[1]);
    assert!(
        f.0.contains(&0.0) && f.0.iter().any(|&v| v > 0.0),
        "the relu is active and inactive"
    );
    assert_close("output", &f.0, &t.0);
    assert_close("kernel", &f.1, &t.1);
    assert_close("bias", &f.2, &t.2);
    assert_close("input", &f.3, &t.3);
}

/// Puts a copy of its parameter on the tape: a mistake the backward names.
#[derive(Clone)]
struct Copied {
    w: Tensor<shape![2]>,
}
parameters_struct!([] Copied { w });

impl OpsLayer for Copied {
    type Input = shape![2];
    type Output = shape![2];
    const PARAMS: usize = 2;
    fn init(_: &mut StdRng) -> Self {
        Copied { w: Tensor::ones() }
    }
    fn forward(&self, x: BatchVar<shape![2]>, p: &mut TapeParams) -> BatchVar<shape![2]> {
        let w = self.w.clone();
        &x * &p.var(&w)
    }
}

#[test]
#[should_panic(expected = "not one of the layer's Parameters")]
fn a_copied_parameter_is_refused_not_left_untrained() {
    let layer = TapeLayer::<Copied>::init(&mut StdRng::seed_from_u64(0));
    let (mut out, mut g, mut grads) = (Vec::new(), vec![1.0; 2], layer.zero_grads());
    layer.forward(
        BatchRef::new(&[1.0, 2.0], 1).unwrap(),
        BatchMut::resized(&mut out, 1),
    );
    layer.backward(shaped_nn::Backward {
        x: BatchRef::new(&[1.0, 2.0], 1).unwrap(),
        out: BatchRef::new(&out, 1).unwrap(),
        grad_out: BatchMut::new(&mut g, 1).unwrap(),
        grad_of: shaped_nn::GradOf::Output,
        cache: &mut (),
        grads: &mut grads,
        grad_in: None,
    });
}
