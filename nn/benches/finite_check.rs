//! What the optimizers' finite check costs: the RMSprop and Adam update of
//! the chapter's network (407,050 parameters in four tensors) with the check
//! and without it, beside one whole training step (batch 128) to set the
//! difference against.
//!
//! `cargo bench -p shaped-nn --bench finite_check`; the check's share of a step is
//! `(checked - unchecked) / step`. On a shared machine the criterion groups
//! drift with the load, so the benchmark first times the checked and the
//! unchecked update in alternation, many rounds, and prints the medians and
//! the share of a step they imply (the figure to quote).

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use criterion::{criterion_group, criterion_main, Criterion};
use shaped_core::{Dyn, Sz, Tensor};
use shaped_nn::{
    losses::CategoricalCrossentropy, metrics::Accuracy, model, optim::RmsProp, train::Trainer,
    Dense, Relu, Softmax,
};
use std::hint::black_box;

/// The update loops themselves, compiled into this benchmark from the
/// library's source (they are crate-private).
#[allow(dead_code, unused_imports)]
#[path = "../src/optim/kernels.rs"]
mod kernels;

model! {
    /// Chollet's MNIST network.
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

/// The network's tensors: kernel and bias of each layer.
const SIZES: [usize; 4] = [784 * 512, 512, 512 * 10, 10];

fn filled(n: usize, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * scale)
        .collect()
}

/// The four updates timed, in the order of [`Update::NAMES`].
#[derive(Clone, Copy)]
enum Update {
    RmsPropChecked,
    RmsPropUnchecked,
    AdamChecked,
    AdamUnchecked,
}

impl Update {
    const ALL: [Update; 4] = [
        Update::RmsPropChecked,
        Update::RmsPropUnchecked,
        Update::AdamChecked,
        Update::AdamUnchecked,
    ];
    const NAMES: [&'static str; 4] = [
        "rmsprop checked",
        "rmsprop unchecked",
        "adam checked",
        "adam unchecked",
    ];
}

/// The network's gradients, weights and optimizer state.
struct Params {
    g: Vec<Vec<f32>>,
    w: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    m: Vec<Vec<f32>>,
}

impl Params {
    fn new() -> Params {
        Params {
            g: SIZES.iter().map(|&n| filled(n, 1e-2)).collect(),
            w: SIZES.iter().map(|&n| filled(n, 0.1)).collect(),
            v: SIZES.iter().map(|&n| vec![1e-4; n]).collect(),
            m: SIZES.iter().map(|&n| vec![0.0; n]).collect(),
        }
    }

    /// One update of every tensor.
    fn run(&mut self, u: Update) {
        for i in 0..SIZES.len() {
            let (w, g, m, v) = (&mut self.w[i], &self.g[i], &mut self.m[i], &mut self.v[i]);
            let check = match u {
                Update::RmsPropChecked => kernels::rmsprop::<true>(
                    w,
                    g,
                    v,
                    1e-3,
                    0.9,
                    1e-7,
                    true,
                    shaped_core::kernels::Parallelism::Rayon,
                ),
                Update::RmsPropUnchecked => kernels::rmsprop::<false>(
                    w,
                    g,
                    v,
                    1e-3,
                    0.9,
                    1e-7,
                    true,
                    shaped_core::kernels::Parallelism::Rayon,
                ),
                Update::AdamChecked => kernels::adam::<true>(
                    w,
                    g,
                    m,
                    v,
                    1e-3,
                    0.9,
                    0.999,
                    1e-7,
                    shaped_core::kernels::Parallelism::Rayon,
                ),
                Update::AdamUnchecked => kernels::adam::<false>(
                    w,
                    g,
                    m,
                    v,
                    1e-3,
                    0.9,
                    0.999,
                    1e-7,
                    shaped_core::kernels::Parallelism::Rayon,
                ),
            };
            black_box(check);
        }
        black_box(&self.w);
    }
}

fn updates(c: &mut Criterion) {
    let mut p = Params::new();
    let mut group = c.benchmark_group("update of 407,050 parameters");
    for (u, name) in Update::ALL.into_iter().zip(Update::NAMES) {
        group.bench_function(name, |b| b.iter(|| p.run(u)));
    }
    group.finish();
}

/// One training step of the chapter's network on a batch of 128 MNIST-like
/// images, RMSprop.
fn step(c: &mut Criterion) {
    let n = 128;
    let (x, y) = batch(n);
    let mut t = Trainer::new(
        Mnist::seeded(0),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    c.bench_function("training step, batch 128", |b| {
        b.iter(|| black_box(t.train_step(&x, &y).unwrap()))
    });
}

/// A batch of images, one per row.
type Images = Tensor<(Dyn, Sz<784>)>;
/// Their one-hot targets.
type Targets = Tensor<(Dyn, Sz<10>)>;

/// A batch of `n` MNIST-like images (a fifth of the pixels non-zero, in a
/// band) with one-hot targets.
fn batch(n: usize) -> (Images, Targets) {
    let x: Vec<f32> = (0..n * 784)
        .map(|i| {
            if (300..450).contains(&(i % 784)) {
                0.1 + (i * 7919 % 255) as f32 / 255.0
            } else {
                0.0
            }
        })
        .collect();
    let mut y = vec![0.0; n * 10];
    for i in 0..n {
        y[i * 10 + i % 10] = 1.0;
    }
    (
        Tensor::from_shape_vec((Dyn(n), Sz), x).expect("n * 784 pixels"),
        Tensor::from_shape_vec((Dyn(n), Sz), y).expect("n * 10 targets"),
    )
}

/// Median of some timings.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds `f` takes, once.
fn time(mut f: impl FnMut()) -> f64 {
    let t = std::time::Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// The checked and unchecked updates timed in alternation (the order
/// flipped every round, so drifting load falls on both alike), and a
/// training step in the same rounds: prints the medians and the check's
/// share of a step.
fn paired() {
    const ROUNDS: usize = 400;
    let mut p = Params::new();
    let (x, y) = batch(128);
    let mut t = Trainer::new(
        Mnist::seeded(0),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let mut runs: [Vec<f64>; 5] = Default::default();
    for round in 0..ROUNDS {
        let mut order = [0, 1, 2, 3];
        if round % 2 == 1 {
            order = [1, 0, 3, 2];
        }
        for k in order {
            runs[k].push(time(|| p.run(Update::ALL[k])));
        }
        runs[4].push(time(|| {
            black_box(t.train_step(&x, &y).unwrap());
        }));
    }
    let [rc, ru, ac, au, st] = runs.map(median);
    let us = |s: f64| s * 1e6;
    println!(
        "paired medians over {ROUNDS} rounds: step {:.0} us; rmsprop checked {:.1} us, unchecked {:.1} us \
         (check {:+.2}% of a step); adam checked {:.1} us, unchecked {:.1} us (check {:+.2}% of a step)",
        us(st),
        us(rc),
        us(ru),
        100.0 * (rc - ru) / st,
        us(ac),
        us(au),
        100.0 * (ac - au) / st,
    );
}

fn all(c: &mut Criterion) {
    paired();
    updates(c);
    step(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
