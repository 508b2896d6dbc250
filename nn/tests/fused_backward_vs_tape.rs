//! Each built-in layer's fused, hand-written backward equals the tape's
//! gradient of the same layer written from plain tensor ops (in f64), and
//! the tape's fused softmax + crossentropy node equals the same loss written
//! from plain ops.

use rand::{rngs::StdRng, Rng, SeedableRng};
use shaped_core::{autodiff::Tape, kernels::SparsePolicy, Sz, Tensor, Var};
use shaped_nn::{
    losses::{BinaryCrossentropy, CategoricalCrossentropy, Loss},
    BatchMut, BatchRef, DenseLayer, Dropout, Layer, LayerSpec, Parameters, Relu, Scored, Sigmoid,
    Softmax,
};

const N: usize = 8;

fn random(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

fn f64s(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&v| v as f64).collect()
}

/// `a` (from f32 kernels) equals `b` (the f64 tape) to single precision.
fn assert_close(what: &str, a: &[f32], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (&a, &b)) in a.iter().zip(b).enumerate() {
        let tol = 1e-5 + 1e-4 * b.abs();
        assert!(
            (a as f64 - b).abs() <= tol,
            "{what}[{i}]: fused {a}, tape {b}"
        );
    }
}

type Mat<const R: usize, const C: usize> = Tensor<(Sz<R>, Sz<C>), f64>;

/// The layer's parameters and input on a tape: `(x, w, b)`.
#[allow(clippy::type_complexity)]
fn on_tape<const IN: usize, const OUT: usize, A: shaped_nn::Activation>(
    tape: &Tape<f64>,
    layer: &DenseLayer<IN, OUT, A>,
    x: &[f32],
) -> (
    Var<(Sz<N>, Sz<IN>), f64>,
    Var<(Sz<IN>, Sz<OUT>), f64>,
    Var<(Sz<OUT>,), f64>,
) {
    let x = tape.var(Mat::<N, IN>::from_vec(f64s(x)).unwrap());
    let w = tape.var(Mat::<IN, OUT>::from_vec(f64s(layer.get(0))).unwrap());
    let b = tape.var(Tensor::<(Sz<OUT>,), f64>::from_vec(f64s(layer.get(1))).unwrap());
    (x, w, b)
}

/// `Dense<_, Relu>`'s backward against `Σ r · relu(x W + b)` on the tape;
/// returns whether `x` and the output's gradient were taken as tiles.
fn dense_relu_matches<const IN: usize, const OUT: usize>(
    x: &[f32],
    policy: SparsePolicy,
) -> (bool, bool) {
    let mut layer = DenseLayer::<IN, OUT, Relu>::init(&mut StdRng::seed_from_u64(3));
    layer.set_compute(shaped_nn::Compute::default().sparse(policy));
    let (mut out, mut cache) = (Vec::new(), Default::default());
    layer.forward_train(
        BatchRef::new(x, N).unwrap(),
        BatchMut::resized(&mut out, N),
        &mut cache,
        &mut StdRng::seed_from_u64(0),
    );
    let r = random(out.len(), 4);
    let (mut g, mut grads, mut dx) = (r.clone(), layer.zero_grads(), Vec::new());
    layer.backward(shaped_nn::Backward {
        x: BatchRef::new(x, N).unwrap(),
        out: BatchRef::new(&out, N).unwrap(),
        grad_out: BatchMut::new(&mut g, N).unwrap(),
        grad_of: shaped_nn::GradOf::Output,
        cache: &mut cache,
        grads: &mut grads,
        grad_in: Some(BatchMut::resized(&mut dx, N)),
    });

    let tape = Tape::<f64>::new();
    let (xv, w, b) = on_tape(&tape, &layer, x);
    let rv = tape.constant(Mat::<N, OUT>::from_vec(f64s(&r)).unwrap());
    let y = (&xv.dot(&w) + &b).relu();
    assert_close("relu output", &out, y.value().as_slice());
    let tg = (&y * &rv).sum_all().backward();
    assert_close("kernel", grads.get(0), tg.get(&w).unwrap().as_slice());
    assert_close("bias", grads.get(1), tg.get(&b).unwrap().as_slice());
    assert_close("input", &dx, tg.get(&xv).unwrap().as_slice());
    (cache.used_sparse(), cache.grad_used_sparse())
}

#[test]
fn dense_relu_backward_is_the_tapes_gradient() {
    dense_relu_matches::<6, 5>(&random(N * 6, 1), SparsePolicy::default());
}

#[test]
fn dense_relu_backward_on_a_sparse_input_is_the_tapes_gradient() {
    // Three quarters exact zeros, as MNIST's pixels: both the sparse-tile
    // path and the dense one give the tape's gradient.
    let x: Vec<f32> = random(N * 784, 2)
        .iter()
        .enumerate()
        .map(|(i, &v)| if i % 4 == 0 { v } else { 0.0 })
        .collect();
    dense_relu_matches::<784, 16>(&x, SparsePolicy::default());
    assert!(dense_relu_matches::<784, 16>(&x, SparsePolicy::Always).0);
    assert_eq!(
        dense_relu_matches::<784, 16>(&x, SparsePolicy::Never),
        (false, false)
    );
}

#[test]
fn dense_relu_backward_from_tiles_of_the_gradient_is_the_tapes_gradient() {
    // The input's gradient `g W^T` taken from tiles of `g` (zero where
    // the relu was off), reading `W^T` through transposed copies of its
    // blocks of columns: 40 inputs are one narrow block, 1100 are 17 full
    // blocks and a narrow one.
    let used = dense_relu_matches::<40, 70>(&random(N * 40, 5), SparsePolicy::Always);
    assert_eq!(used, (true, true));
    let used = dense_relu_matches::<1100, 70>(&random(N * 1100, 6), SparsePolicy::Always);
    assert_eq!(used, (true, true));
}

/// The fused training step of `layer` through `loss`: its output, the
/// loss, and the backward's parameter and input gradients, asserting that
/// the loss was fused with the layer's activation.
#[allow(clippy::type_complexity)]
fn fused_step<const IN: usize, const OUT: usize, A: shaped_nn::Activation, L: Loss<(Sz<OUT>,)>>(
    layer: &DenseLayer<IN, OUT, A>,
    loss: L,
    x: &[f32],
    t: &[f32],
) -> (
    Vec<f32>,
    f32,
    <DenseLayer<IN, OUT, A> as Layer>::Grads,
    Vec<f32>,
) {
    let (mut out, mut cache) = (Vec::new(), Default::default());
    layer.forward_train(
        BatchRef::new(x, N).unwrap(),
        BatchMut::resized(&mut out, N),
        &mut cache,
        &mut StdRng::seed_from_u64(0),
    );
    let mut g = Vec::new();
    let act = DenseLayer::<IN, OUT, A>::FINAL_ACTIVATION;
    let scored = Scored::new(
        BatchRef::new(&out, N).unwrap(),
        BatchRef::new(t, N).unwrap(),
    )
    .unwrap();
    assert!(
        loss.grad_before_activation(act, scored, &mut g),
        "{} is fused with {act:?}",
        L::NAME
    );
    let (mut grads, mut dx) = (layer.zero_grads(), Vec::new());
    layer.backward(shaped_nn::Backward {
        x: BatchRef::new(x, N).unwrap(),
        out: scored.pred(),
        grad_out: BatchMut::new(&mut g, N).unwrap(),
        grad_of: shaped_nn::GradOf::PreActivation,
        cache: &mut cache,
        grads: &mut grads,
        grad_in: Some(BatchMut::resized(&mut dx, N)),
    });
    let value = loss.loss(scored);
    (out, value, grads, dx)
}

#[test]
fn softmax_and_crossentropy_fused_are_the_tapes_gradient() {
    let layer = DenseLayer::<6, 4, Softmax>::init(&mut StdRng::seed_from_u64(5));
    let x = random(N * 6, 6);
    let t: Vec<f32> = (0..N)
        .flat_map(|i| (0..4).map(move |c| if c == i % 4 { 1.0 } else { 0.0 }))
        .collect();
    let (_, nn_loss, grads, dx) = fused_step(&layer, CategoricalCrossentropy, &x, &t);

    let tape = Tape::<f64>::new();
    let (xv, w, b) = on_tape(&tape, &layer, &x);
    let tv = tape.constant(Mat::<N, 4>::from_vec(f64s(&t)).unwrap());
    let logits = &xv.dot(&w) + &b;
    // The fused tape node ...
    let node = logits.softmax_crossentropy(&tv);
    // ... and the same loss from plain ops.
    let plain = -((&tv * &logits.log_softmax()).sum_all() / N as f64);
    assert!((node.item() - plain.item()).abs() < 1e-12);
    assert!((nn_loss as f64 - node.item()).abs() < 1e-5);
    let (gn, gp) = (node.backward(), plain.backward());
    assert_close("kernel", grads.get(0), gn.get(&w).unwrap().as_slice());
    assert_close("bias", grads.get(1), gn.get(&b).unwrap().as_slice());
    assert_close("input", &dx, gn.get(&xv).unwrap().as_slice());
    let (a, p) = (gn.get(&xv).unwrap(), gp.get(&xv).unwrap());
    for (a, p) in a.as_slice().iter().zip(p.as_slice()) {
        assert!((a - p).abs() < 1e-12, "fused node {a}, plain ops {p}");
    }
}

#[test]
fn sigmoid_and_binary_crossentropy_fused_are_the_tapes_gradient() {
    let layer = DenseLayer::<6, 3, Sigmoid>::init(&mut StdRng::seed_from_u64(7));
    let x = random(N * 6, 8);
    let t: Vec<f32> = random(N * 3, 9).iter().map(|v| (v + 1.0) / 2.0).collect();
    let (_, nn_loss, grads, dx) = fused_step(&layer, BinaryCrossentropy, &x, &t);

    let tape = Tape::<f64>::new();
    let (xv, w, b) = on_tape(&tape, &layer, &x);
    let tv = tape.constant(Mat::<N, 3>::from_vec(f64s(&t)).unwrap());
    let p = (&xv.dot(&w) + &b).sigmoid();
    let l = -(&tv * &p.ln() + &(1.0 - &tv) * &(1.0 - &p).ln()).mean_all();
    assert!((nn_loss as f64 - l.item()).abs() < 1e-5);
    let tg = l.backward();
    assert_close("kernel", grads.get(0), tg.get(&w).unwrap().as_slice());
    assert_close("bias", grads.get(1), tg.get(&b).unwrap().as_slice());
    assert_close("input", &dx, tg.get(&xv).unwrap().as_slice());
}

#[test]
fn dropout_backward_is_the_tapes_gradient_with_its_mask() {
    type D = <Dropout<30> as LayerSpec<(Sz<10>,)>>::Layer<(Sz<10>,)>;
    let d = D::init(&mut StdRng::seed_from_u64(0));
    // No zeros in the input, so the mask is `out / x`.
    let x: Vec<f32> = random(N * 10, 10).iter().map(|v| v + 2.0).collect();
    let (mut out, mut mask) = (Vec::new(), Vec::new());
    d.forward_train(
        BatchRef::new(&x, N).unwrap(),
        BatchMut::resized(&mut out, N),
        &mut mask,
        &mut StdRng::seed_from_u64(11),
    );
    let kept: Vec<f64> = out.iter().zip(&x).map(|(&o, &x)| (o / x) as f64).collect();
    assert!(kept.contains(&0.0) && kept.iter().any(|&k| k > 1.0));
    let r = random(out.len(), 12);
    let (mut g, mut dx) = (r.clone(), Vec::new());
    d.backward(shaped_nn::Backward {
        x: BatchRef::new(&x, N).unwrap(),
        out: BatchRef::new(&out, N).unwrap(),
        grad_out: BatchMut::new(&mut g, N).unwrap(),
        grad_of: shaped_nn::GradOf::Output,
        cache: &mut mask,
        grads: &mut (),
        grad_in: Some(BatchMut::resized(&mut dx, N)),
    });

    let tape = Tape::<f64>::new();
    let xv = tape.var(Mat::<N, 10>::from_vec(f64s(&x)).unwrap());
    let m = tape.constant(Mat::<N, 10>::from_vec(kept).unwrap());
    let rv = tape.constant(Mat::<N, 10>::from_vec(f64s(&r)).unwrap());
    let tg = (&(&xv * &m) * &rv).sum_all().backward();
    assert_close("input", &dx, tg.get(&xv).unwrap().as_slice());
}
