//! NaN and infinity in training: one NaN pixel stops `fit` at the step that
//! reads it (on the sparse and the dense path of `Dense`), an overflowing
//! gradient or parameter is named (`dense_0.kernel`), `predict` returns NaN
//! for a NaN image instead of a plausible answer, and a diverging loss that
//! stays finite is reported in the history.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_core::kernels::SparsePolicy;
use shaped_core::{shape, Dyn, Sz, Tensor};
use shaped_nn::{
    losses::{CategoricalCrossentropy, MeanSquaredError},
    metrics::{Accuracy, BinaryAccuracy},
    model,
    optim::{RmsProp, Sgd},
    train::{predict, FitConfig, NonFiniteValue, TrainError, Trainer, Verbosity},
    Dense, Layer, Parameters, Relu, Softmax,
};

model! {
    /// Chollet's network, narrower: the same layers and paths.
    pub struct Digits: 784 => [Dense<64, Relu>, Dense<10, Softmax>]
}

model! {
    /// One linear unit.
    pub struct Line: 1 => [Dense<1>]
}

/// `n` MNIST-like images (about 80% exact zeros, pixel 0 always zero) and
/// one-hot labels.
fn digits(n: usize) -> (Vec<f32>, Vec<f32>) {
    let mut x = vec![0.0f32; n * 784];
    let mut y = vec![0.0f32; n * 10];
    for i in 0..n {
        let label = i % 10;
        y[i * 10 + label] = 1.0;
        for p in 1..784 {
            let h = (i * 7919 + p * 104729) % 1000;
            if h < 190 {
                x[i * 784 + p] = ((h * 37 + label * 50) % 256) as f32 / 255.0;
            }
        }
    }
    (x, y)
}

/// Images and one-hot labels.
type Set = (Tensor<shape![_, 784]>, Tensor<shape![_, 10]>);

fn tensors(x: Vec<f32>, y: Vec<f32>) -> Set {
    let n = y.len() / 10;
    (
        Tensor::from_shape_vec((Dyn(n), Sz), x).unwrap(),
        Tensor::from_shape_vec((Dyn(n), Sz), y).unwrap(),
    )
}

fn cfg(epochs: usize) -> FitConfig {
    FitConfig {
        epochs,
        batch_size: 32,
        shuffle: false,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    }
}

fn all_finite<P: Parameters>(p: &P) -> bool {
    (0..p.len()).all(|i| p.get(i).iter().all(|v| v.is_finite()))
}

/// Fits `Digits` on 600 images, image `bad` having a NaN at `pixel`, and
/// returns the error.
fn fit_with_nan(bad: usize, pixel: usize) -> TrainError {
    let (mut x, y) = digits(600);
    x[bad * 784 + pixel] = f32::NAN;
    let (x, y) = tensors(x, y);
    let mut t = Trainer::new(
        Digits::seeded(0),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let err = t
        .fit(&x, &y, &cfg(2))
        .expect_err("a NaN pixel must stop training");
    // The loss is checked before the update: the model is untouched by it.
    assert!(all_finite(&t.model), "the NaN reached the weights");
    err
}

#[test]
fn one_nan_pixel_stops_fit_at_the_step_that_reads_it() {
    // Image 100 is in the 4th batch of 32 (no shuffling).
    let err = fit_with_nan(100, 300);
    match &err {
        TrainError::NonFinite {
            epoch: 1,
            step: 4,
            what: NonFiniteValue::Loss(l),
        } => assert!(l.is_nan()),
        other => panic!("expected a NaN loss at epoch 1, step 4, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "the loss became NaN at epoch 1, step 4: training stopped"
    );
}

/// The case: a NaN at a pixel that every other image has at 0. The
/// sparse path of `Dense` skips zero inputs, so a NaN row of weights would
/// hide from training and show only in the dense `evaluate`; the NaN must
/// stop training at the step that reads it instead.
#[test]
fn a_nan_at_an_always_zero_pixel_stops_fit_too() {
    let err = fit_with_nan(450, 0);
    assert!(
        matches!(
            err,
            TrainError::NonFinite {
                epoch: 1,
                step: 15,
                what: NonFiniteValue::Loss(_)
            }
        ),
        "{err:?}"
    );
}

/// NaN through `Dense<_, Relu>` on both of its paths (the sparse products
/// from the non-zeros and the dense GEMM) and through `predict`: a relu
/// that clamps NaN to 0 on either path makes this fail.
#[test]
fn nan_goes_through_dense_relu_on_the_sparse_and_the_dense_path() {
    let (mut x, y) = digits(64);
    x[5 * 784 + 200] = f32::NAN;
    let (x, y) = tensors(x, y);
    // Tiles always, and the dense-only policy.
    for (sparse, policy) in [(true, SparsePolicy::Always), (false, SparsePolicy::Never)] {
        let mut model = Digits::seeded(1);
        Layer::set_compute(&mut model, shaped_nn::Compute::default().sparse(policy));
        let mut t = Trainer::new(
            model,
            RmsProp::default(),
            CategoricalCrossentropy,
            Accuracy::default(),
        );
        let r = t.train_step(&x, &y);
        assert!(
            matches!(r, Err(TrainError::NonFiniteStep(NonFiniteValue::Loss(l))) if l.is_nan()),
            "sparse inputs {sparse}: {r:?}"
        );
        let p = predict(&t.model, &x).unwrap();
        let rows: Vec<&[f32]> = p.as_slice().chunks(10).collect();
        assert!(
            rows[5].iter().all(|v| v.is_nan()),
            "sparse inputs {sparse}: a NaN image is predicted as {:?}",
            rows[5]
        );
        assert!(rows[4].iter().chain(rows[6]).all(|v| v.is_finite()));
    }
}

#[test]
fn an_overflowing_gradient_is_named() {
    // loss = (w x)^2 = 1e30 is finite; its gradient 2 w x^2 = 2e40 is not.
    let x = Tensor::<(Dyn, Sz<1>)>::from_shape_vec((Dyn(1), Sz), vec![1e25]).unwrap();
    let y = Tensor::<(Dyn, Sz<1>)>::from_shape_vec((Dyn(1), Sz), vec![0.0]).unwrap();
    let mut m = Line::seeded(0);
    let k = (0..m.len())
        .find(|&i| m.name_of(i) == "dense_0.kernel")
        .unwrap();
    m.get_mut(k)[0] = 1e-10;
    let mut t = Trainer::new(
        m,
        Sgd::new(1e-3),
        MeanSquaredError,
        BinaryAccuracy::default(),
    );
    let err = t.fit(&x, &y, &cfg(1)).unwrap_err();
    assert_eq!(
        err,
        TrainError::NonFinite {
            epoch: 1,
            step: 1,
            what: NonFiniteValue::Gradient("dense_0.kernel".into())
        }
    );
    assert_eq!(
        err.to_string(),
        "the gradient of `dense_0.kernel` became NaN or infinite at epoch 1, step 1: training stopped"
    );
}

#[test]
fn a_parameter_that_overflows_is_named() {
    // A finite gradient (-20) times a learning rate of f32::MAX.
    let x = Tensor::<(Dyn, Sz<1>)>::from_shape_vec((Dyn(1), Sz), vec![1.0]).unwrap();
    let y = Tensor::<(Dyn, Sz<1>)>::from_shape_vec((Dyn(1), Sz), vec![10.0]).unwrap();
    let mut m = Line::seeded(0);
    (0..m.len()).for_each(|i| m.get_mut(i).fill(0.0));
    let mut t = Trainer::new(
        m,
        Sgd::new(f32::MAX),
        MeanSquaredError,
        BinaryAccuracy::default(),
    );
    let err = t.fit(&x, &y, &cfg(1)).unwrap_err();
    assert_eq!(
        err,
        TrainError::NonFinite {
            epoch: 1,
            step: 1,
            what: NonFiniteValue::Parameter("dense_0.kernel".into())
        }
    );
}

#[test]
fn rmsprop_at_a_learning_rate_of_a_million_is_reported_diverging() {
    let (x, y) = digits(640);
    let (x, y) = tensors(x, y);
    let mut t = Trainer::new(
        Digits::seeded(2),
        RmsProp::new(1e6),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let h = t
        .fit(&x, &y, &cfg(3))
        .expect("the loss stays finite: the crossentropy is clipped");
    let d = h.diverged.as_ref().expect("a diverging loss is reported");
    assert_eq!(d.epoch, 1, "{h:?}");
    assert!(d.loss > 1.5 * d.first_step_loss, "{d:?}");
    assert!(d.to_string().starts_with("the loss is diverging: "), "{d}");
    // The same data at Keras's learning rate converges, and says nothing.
    let mut ok = Trainer::new(
        Digits::seeded(2),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let h = ok.fit(&x, &y, &cfg(3)).unwrap();
    assert_eq!(h.diverged, None, "{h:?}");
}
