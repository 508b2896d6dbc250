//! A trainer given `Compute::default().threads(1)` runs its steps, its
//! evaluation and its predictions entirely on the calling thread (the
//! products, the batch gathering, the optimizer updates): they complete
//! while every kernel thread is held busy, and give the numbers of the
//! default.
//!
//! One test in this file: it owns the kernel threads (rayon's global pool,
//! two threads, the test's thread not among them), so no other test may
//! run beside it.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_core::{Dyn, Sz, Tensor};
use shaped_nn::{
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::{Adam, RmsProp},
    train::{Data, FitConfig, Trainer, Verbosity},
    Compute, Conv2D, Dense, Flatten, Parameters, Relu, Softmax,
};
use std::time::Duration;

#[path = "../../tensor-core/tests/support/held.rs"]
mod held;
use held::{finishes_within, Held};

model! {
    /// The chapter's network: its first product (128 x 784 x 512) and its
    /// RMSprop update (401,920 weights) are split by default.
    struct Mlp: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

model! {
    /// A convnet whose batches are split by samples by default, and whose
    /// Adam update of 51,200 weights is too.
    struct Convnet: (12, 12, 1) => [Conv2D<8, 3, Relu>, Flatten, Dense<64, Relu>, Dense<10, Softmax>]
}

const SAMPLES: usize = 256;

/// Pixels (with zeros, as MNIST's) and one-hot labels.
fn data(pixels: usize) -> (Vec<u8>, Vec<f32>) {
    let mut x = 12345u32;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let px = (0..SAMPLES * pixels)
        .map(|_| match next() % 3 {
            0 => 0,
            _ => (next() % 256) as u8,
        })
        .collect();
    let mut y = vec![0.0f32; SAMPLES * 10];
    for s in 0..SAMPLES {
        y[s * 10 + (next() % 10) as usize] = 1.0;
    }
    (px, y)
}

/// The weights after two epochs, the test figures and the predictions.
type Outcome = (Vec<Vec<f32>>, (f32, f32), Vec<f32>);

fn config() -> FitConfig {
    FitConfig::new()
        .epochs(2)
        .batch_size(128)
        .verbosity(Verbosity::Silent)
}

/// Trains `$model` with `$opt` on `$x` (u8 pixels) and `$y` for two epochs
/// under `$compute`: the weights, the test figures and the predictions.
macro_rules! train {
    ($model:expr, $opt:expr, $x:expr, $y:expr, $compute:expr) => {{
        let mut t = Trainer::new($model, $opt, CategoricalCrossentropy, Accuracy::default())
            .with_compute($compute);
        let xs = Data::u8_scaled(&$x, 1.0 / 255.0);
        t.fit(&xs, &$y, config()).unwrap();
        let e = t.evaluate(&xs, &$y, 128).unwrap();
        let p = t.predict(&xs).unwrap();
        let w = (0..t.model.len())
            .map(|i| t.model.get(i).to_vec())
            .collect();
        let outcome: Outcome = (w, (e.loss, e.metric), p.as_slice().to_vec());
        outcome
    }};
}

fn train_mlp(compute: Compute) -> Outcome {
    let (px, y) = data(784);
    let x = Tensor::<(Dyn, Sz<784>), u8>::from_shape_vec((Dyn(SAMPLES), Sz), px).unwrap();
    let y = Tensor::<(Dyn, Sz<10>)>::from_shape_vec((Dyn(SAMPLES), Sz), y).unwrap();
    train!(Mlp::seeded(0), RmsProp::default(), x, y, compute)
}

fn train_convnet(compute: Compute) -> Outcome {
    let (px, y) = data(144);
    type Images = (Dyn, Sz<12>, Sz<12>, Sz<1>);
    let x = Tensor::<Images, u8>::from_shape_vec((Dyn(SAMPLES), Sz, Sz, Sz), px).unwrap();
    let y = Tensor::<(Dyn, Sz<10>)>::from_shape_vec((Dyn(SAMPLES), Sz), y).unwrap();
    train!(Convnet::seeded(0), Adam::default(), x, y, compute)
}

fn bits(a: &[f32]) -> Vec<u32> {
    a.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn one_thread_trains_on_the_calling_thread_with_the_default_numbers() {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_global()
        .expect("this test owns the kernel threads");
    let one = Compute::default().threads(1);

    let held = Held::all_kernel_threads();
    let (_, alone) = finishes_within(Duration::from_secs(600), move || {
        (train_mlp(one), train_convnet(one))
    });
    let (mlp_alone, conv_alone) =
        alone.expect("Threads(1) handed work to the (held) kernel threads");
    // The check can fail: the default hands work to the kernel threads, so
    // it cannot finish while they are held.
    let (pending, early) = finishes_within(Duration::from_millis(500), || {
        (
            train_mlp(Compute::default()),
            train_convnet(Compute::default()),
        )
    });
    assert!(
        early.is_none(),
        "the default finished with every kernel thread held"
    );
    held.release();
    let (mlp_shared, conv_shared) = pending.recv().expect("the default finishes once released");

    // The MLP: the same bits (each product's rows, each update's chunks and
    // each gathered row are computed whole by one thread).
    for (a, b) in mlp_alone.0.iter().zip(&mlp_shared.0) {
        assert_eq!(bits(a), bits(b));
    }
    assert_eq!(mlp_alone.1, mlp_shared.1);
    assert_eq!(bits(&mlp_alone.2), bits(&mlp_shared.2));
    // The convnet: its kernel gradient sums the runs of samples of each
    // thread, so the numbers differ by rounding only.
    let close = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-3 * (1.0 + x.abs()))
    };
    for (a, b) in conv_alone.0.iter().zip(&conv_shared.0) {
        assert!(close(a, b));
    }
    assert!((conv_alone.1 .0 - conv_shared.1 .0).abs() < 1e-3);
    assert!(close(&conv_alone.2, &conv_shared.2));
}
