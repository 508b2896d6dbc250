//! A `model!` network generic over its element type trains in `f64`: the
//! same stack, the same trainer, losses, metrics and optimizers, with every
//! parameter, gradient, optimizer state, input and output in `f64`.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use rand::{rngs::StdRng, SeedableRng};
use shaped_core::{shape, Dyn, Float, Sz, Tensor};
use shaped_nn::{
    gradcheck::{check_layer, GradCheck},
    losses::{BinaryCrossentropy, CategoricalCrossentropy, Loss},
    metrics::{Accuracy, BinaryAccuracy},
    model,
    optim::{Adam, Optimizer, RmsProp, Sgd},
    train::{FitConfig, Trainer, Verbosity},
    BatchRef, Dense, DenseLayer, Layer, Parameters, Relu, Scored, Sigmoid, Softmax, Tanh,
};

model! {
    /// A small classifier of points in the plane, in `f32` or `f64`.
    pub struct Spiral<E>: 2 => [Dense<32, Tanh>, Dense<32, Relu>, Dense<1, Sigmoid>]
}

model! {
    /// The same problem as two classes through a softmax.
    pub struct SpiralSoftmax<E>: 2 => [Dense<32, Tanh>, Dense<32, Relu>, Dense<2, Softmax>]
}

/// Two interleaved spirals of `n` points in `E`, the class of each, and the
/// class one-hot.
#[allow(clippy::type_complexity)]
fn spirals<E: Float>(
    n: usize,
) -> (
    Tensor<shape![_, 2], E>,
    Tensor<(Dyn, Sz<1>), E>,
    Tensor<(Dyn, Sz<2>), E>,
) {
    let (mut x, mut y, mut onehot) = (Vec::new(), Vec::new(), Vec::new());
    let pi = std::f64::consts::PI;
    for i in 0..n {
        let class = i % 2;
        let t = (i / 2) as f64 / (n / 2) as f64 * 3.0 * pi;
        let r = 0.2 + t / (3.0 * pi);
        let a = t + class as f64 * pi;
        x.extend([E::from_f64(r * a.cos()), E::from_f64(r * a.sin())]);
        y.push(E::from_usize(class));
        onehot.extend([E::from_usize(1 - class), E::from_usize(class)]);
    }
    (
        Tensor::from_shape_vec((Dyn(n), Sz), x).unwrap(),
        Tensor::from_shape_vec((Dyn(n), Sz), y).unwrap(),
        Tensor::from_shape_vec((Dyn(n), Sz), onehot).unwrap(),
    )
}

fn quiet(epochs: usize, seed: u64) -> FitConfig {
    FitConfig::new()
        .epochs(epochs)
        .batch_size(32)
        .seed(seed)
        .verbosity(Verbosity::Silent)
}

#[test]
fn the_spirals_network_trains_in_f64_to_97_percent() {
    let (x, y, _) = spirals::<f64>(1000);
    let model = Spiral::<f64>::seeded(7);
    // Every parameter is f64.
    let _: &Tensor<(Sz<2>, Sz<32>), f64> = &model.dense_0.params.kernel;
    let mut t = Trainer::new(
        model,
        Adam::new(0.01),
        BinaryCrossentropy,
        BinaryAccuracy::default(),
    );
    let h = t.fit(&x, &y, quiet(60, 7)).unwrap();
    let losses = h.losses();
    let e = t.evaluate(&x, &y, 256).unwrap();
    eprintln!(
        "spirals in f64: loss {:.4} -> {:.4}, accuracy {:.4}",
        losses[0],
        losses[losses.len() - 1],
        e.metric
    );
    assert!(e.metric >= 0.97, "accuracy {}", e.metric);
    assert!(losses[losses.len() - 1] < losses[0] / 4.0, "{losses:?}");
    // Predictions come back in f64 and agree with the accuracy (to a
    // sample: predict's batches are not evaluate's, so a point within
    // rounding of 0.5 may fall either way).
    let p: Tensor<(Dyn, Sz<1>), f64> = t.predict(&x).unwrap();
    let right = p
        .as_slice()
        .iter()
        .zip(y.as_slice())
        .filter(|(p, y)| (**p > 0.5) == (**y > 0.5))
        .count();
    assert!((right as f32 / 1000.0 - e.metric).abs() <= 1.0 / 1000.0);
}

#[test]
fn softmax_and_crossentropy_fuse_in_f64_too() {
    let (x, _, onehot) = spirals::<f64>(1000);
    let mut t = Trainer::new(
        SpiralSoftmax::<f64>::seeded(3),
        RmsProp::new(0.01),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    t.fit(&x, &onehot, quiet(60, 3)).unwrap();
    let e = t.evaluate(&x, &onehot, 256).unwrap();
    eprintln!("spirals in f64 through softmax: accuracy {:.4}", e.metric);
    assert!(e.metric >= 0.95, "accuracy {}", e.metric);
}

/// The same weights (drawn in f64, rounded for f32) compute the same
/// outputs and the same first loss in both types, to f32's precision, and
/// the f64 run is its own (not f32 arithmetic widened).
#[test]
fn f32_and_f64_models_agree_to_single_precision() {
    let (x64, y64, _) = spirals::<f64>(64);
    let (x32, y32, _) = spirals::<f32>(64);
    let (m64, m32) = (Spiral::<f64>::seeded(5), Spiral::<f32>::seeded(5));
    for (a, b) in m64
        .dense_0
        .params
        .kernel
        .as_slice()
        .iter()
        .zip(m32.dense_0.params.kernel.as_slice())
    {
        assert_eq!(*a as f32, *b, "f32's weights are f64's rounded");
    }
    let (p64, p32) = (
        shaped_nn::train::predict(&m64, &x64).unwrap(),
        shaped_nn::train::predict(&m32, &x32).unwrap(),
    );
    let mut exact = 0;
    for (a, b) in p64.as_slice().iter().zip(p32.as_slice()) {
        assert!((a - *b as f64).abs() < 1e-5, "{a} vs {b}");
        exact += usize::from(*a == *b as f64);
    }
    // Computed in f64, an output rounds to f32's value only by chance.
    assert!(
        exact <= 4,
        "{exact} of 64 f64 outputs are f32 values widened"
    );
    let l64 = BinaryCrossentropy.loss(
        Scored::new(
            BatchRef::<(Sz<1>,), f64>::new(p64.as_slice(), 64).unwrap(),
            BatchRef::<(Sz<1>,), f64>::new(y64.as_slice(), 64).unwrap(),
        )
        .unwrap(),
    );
    let l32 = BinaryCrossentropy.loss(
        Scored::new(
            BatchRef::<(Sz<1>,)>::new(p32.as_slice(), 64).unwrap(),
            BatchRef::<(Sz<1>,)>::new(y32.as_slice(), 64).unwrap(),
        )
        .unwrap(),
    );
    assert!((l64 - l32).abs() < 1e-5, "{l64} vs {l32}");
}

/// The model's backward in f64 against finite differences, at f64's
/// tolerances (far tighter than f32's).
#[test]
fn the_f64_models_gradient_meets_double_precision_bounds() {
    let (x, _, _) = spirals::<f64>(8);
    let mut m = Spiral::<f64>::seeded(1);
    let report = check_layer(
        &GradCheck::default(),
        &mut m,
        BatchRef::new(x.as_slice(), 8).unwrap(),
    )
    .unwrap();
    eprintln!("{report:?}");
    let mut m = SpiralSoftmax::<f64>::seeded(1);
    check_layer(
        &GradCheck::default(),
        &mut m,
        BatchRef::new(x.as_slice(), 8).unwrap(),
    )
    .unwrap();
}

/// One update of each optimizer in f64 against its formula written out in
/// f64 (Keras's RMSprop, Adam's first step, SGD).
#[test]
fn the_optimizers_update_f64_weights_by_their_formulas() {
    type D = DenseLayer<3, 2, shaped_nn::Linear, f64>;
    let layer = <D as Layer<f64>>::init(&mut StdRng::seed_from_u64(0));
    let mut grads = layer.zero_grads();
    for (i, g) in grads.get_mut(0).iter_mut().enumerate() {
        *g = (i as f64 - 2.5) / 3.0;
    }
    grads.get_mut(1).copy_from_slice(&[0.25, -0.125]);
    let w0: Vec<Vec<f64>> = (0..2).map(|i| layer.get(i).to_vec()).collect();
    let check = |after: &D, expect: &dyn Fn(f64, f64) -> f64, name: &str| {
        for (i, w0) in w0.iter().enumerate() {
            for ((&w, &w0), &g) in after.get(i).iter().zip(w0).zip(grads.get(i)) {
                let want = expect(w0, g);
                assert!((w - want).abs() < 1e-15, "{name}: {w} vs {want}");
            }
        }
    };

    let mut rms = layer.clone();
    let mut opt = RmsProp::<D, f64>::new(0.01);
    Optimizer::<D, f64>::step(&mut opt, &mut rms, &grads);
    // The hyperparameters are f32, as Keras keeps them; the arithmetic f64.
    let (lr, rho, eps) = (0.01f32 as f64, 0.9f32 as f64, 1e-7f32 as f64);
    check(
        &rms,
        &|w, g| w - lr * g / ((1.0 - rho) * g * g + eps).sqrt(),
        "RMSprop",
    );

    let mut adam = layer.clone();
    let mut opt = Adam::<D, f64>::new(0.01);
    Optimizer::<D, f64>::step(&mut opt, &mut adam, &grads);
    let (b1, b2, eps) = (0.9f32 as f64, 0.999f32 as f64, 1e-7f32 as f64);
    check(
        &adam,
        &|w, g| {
            let (m, v) = ((1.0 - b1) * g, (1.0 - b2) * g * g);
            let alpha = lr * (1.0 - b2).sqrt() / (1.0 - b1);
            w - alpha * m / (v.sqrt() + eps)
        },
        "Adam",
    );

    let mut sgd = layer.clone();
    let mut opt = Sgd::<D, f64>::new(0.01);
    Optimizer::<D, f64>::step(&mut opt, &mut sgd, &grads);
    check(&sgd, &|w, g| w - lr * g, "SGD");
}

/// A plain model stays `f32`, and a generic one defaults to it.
#[test]
fn a_generic_model_defaults_to_f32() {
    model! { struct Plain: 2 => [Dense<1, Sigmoid>] }
    let plain = Plain::seeded(0);
    let _: &Tensor<(Sz<2>, Sz<1>)> = &plain.dense_0.params.kernel;
    let default: Spiral = Spiral::seeded(0);
    let _: &Tensor<(Sz<2>, Sz<32>), f32> = &default.dense_0.params.kernel;
    assert_eq!(Spiral::<f64>::PARAMS, Spiral::<f32>::PARAMS);
    // The same table; the parameters take 8 bytes each in f64.
    let (s64, s32) = (Spiral::<f64>::seeded(0).summary(), default.summary());
    assert!(s32.contains("Total params: 1,185 (4.63 KB)"), "{s32}");
    assert!(s64.contains("Total params: 1,185 (9.26 KB)"), "{s64}");
    assert_eq!(s64.replace("9.26 KB", "4.63 KB"), s32);
}

/// An f64 model's checkpoint holds F64 tensors and loads back to the bit;
/// an f32 checkpoint given to it is refused, naming both dtypes, and
/// changes nothing.
#[cfg(feature = "checkpoint")]
#[test]
fn an_f64_checkpoint_round_trips_and_an_f32_one_is_refused() {
    use shaped_nn::checkpoint;
    let dir = std::env::temp_dir().join(format!("shaped-f64-ckpt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (p64, p32) = (dir.join("f64.safetensors"), dir.join("f32.safetensors"));
    let a = Spiral::<f64>::seeded(1);
    checkpoint::save(&a, &p64).unwrap();
    let mut b = Spiral::<f64>::seeded(2);
    checkpoint::load(&mut b, &p64).unwrap();
    for i in 0..a.len() {
        assert_eq!(a.get(i), b.get(i), "tensor {i}");
    }
    checkpoint::save(&Spiral::<f32>::seeded(3), &p32).unwrap();
    let err = checkpoint::load(&mut b, &p32).unwrap_err().to_string();
    assert!(
        err.contains("(F32) in the file, but the model needs [2, 32] (F64)"),
        "{err}"
    );
    for i in 0..a.len() {
        assert_eq!(a.get(i), b.get(i), "tensor {i} after the refusal");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Several steps of every optimizer form (momentum, centering, Nesterov,
/// weight decay, Adam past its first step) in f64 follow the same
/// formulas as in f32, which `optimizer_reference.rs` holds to Keras: the
/// two agree to f32's precision.
#[test]
fn every_optimizer_form_in_f64_agrees_with_f32() {
    fn run<E: Float, O: Optimizer<DenseLayer<3, 2, shaped_nn::Linear, E>, E>>(
        mut opt: O,
    ) -> Vec<f64> {
        type L<E> = DenseLayer<3, 2, shaped_nn::Linear, E>;
        let mut layer = <L<E> as Layer<E>>::init(&mut StdRng::seed_from_u64(0));
        let mut grads = layer.zero_grads();
        for step in 0..4 {
            for t in 0..2 {
                for (i, g) in grads.get_mut(t).iter_mut().enumerate() {
                    *g = E::from_f64(((i + 3 * step + t) as f64 * 0.7).sin());
                }
            }
            opt.step(&mut layer, &grads);
        }
        (0..2)
            .flat_map(|t| layer.get(t).iter().map(|v| v.to_f64()).collect::<Vec<_>>())
            .collect()
    }
    fn close(name: &str, a: Vec<f64>, b: Vec<f64>) {
        for (a, b) in a.iter().zip(&b) {
            assert!((a - b).abs() < 1e-5, "{name}: f64 {a} vs f32 {b}");
        }
    }
    close(
        "RMSprop centered with momentum",
        run::<f64, _>(RmsProp::new(0.01).momentum(0.9).centered(true)),
        run::<f32, _>(RmsProp::new(0.01).momentum(0.9).centered(true)),
    );
    close(
        "Adam",
        run::<f64, _>(Adam::new(0.01)),
        run::<f32, _>(Adam::new(0.01)),
    );
    fn sgd<E: Float>() -> Sgd<DenseLayer<3, 2, shaped_nn::Linear, E>, E> {
        let mut o = Sgd::new(0.1);
        o.momentum = 0.9;
        o.nesterov = true;
        o.weight_decay = 0.01;
        o
    }
    close(
        "SGD Nesterov with weight decay",
        run(sgd::<f64>()),
        run(sgd::<f32>()),
    );
}
