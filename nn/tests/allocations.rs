//! A training step, `evaluate` and `predict` allocate nothing of their own
//! once the buffers have grown to the batch size (`predict`: nothing but the
//! tensor it returns): counted by a global allocator that tallies every
//! allocation. In `f32` that holds with dense input too: the dense kernel
//! packs into the layer's own buffers. In `f64` the only allocations left
//! are `matrixmultiply`'s packing buffers, one per call of its `dgemm`,
//! which the kernels count.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_core::kernels::{dense::kernel_calls, SparsePolicy};
use shaped_core::{Dyn, Sz, Tensor};
use shaped_nn::{
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::{Adam, RmsProp, Sgd},
    train::{Data, Trainer},
    Dense, Layer, Relu, Softmax,
};

#[path = "../../tensor-core/tests/support/counting.rs"]
mod counting;

#[global_allocator]
static A: counting::Counting = counting::Counting;

#[path = "../../tensor-core/tests/support/kernel_thread.rs"]
mod kernel_thread;
use kernel_thread::on_a_kernel_thread;

/// Held by each test while it counts: the counter is global, so the tests
/// of this file must not count at the same time.
static COUNTING: std::sync::Mutex<()> = std::sync::Mutex::new(());

model! {
    /// Chollet's MNIST network.
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

model! {
    /// A deeper one: its inner layers also compute the input's gradient.
    pub struct Deep: 784 => [Dense<256, Relu>, Dense<96, Relu>, Dense<10, Softmax>]
}

model! {
    /// A wider one: its products' right operands have rows 4 KiB apart,
    /// which the sparse tiles copy block by block into per-thread buffers.
    pub struct Wide: 784 => [Dense<1024, Relu>, Dense<1024, Relu>, Dense<10, Softmax>]
}

type Images = Tensor<(Dyn, Sz<784>)>;
type OneHot = Tensor<(Dyn, Sz<10>)>;

/// A batch; `sparse` keeps about a fifth of the pixels non-zero, in a
/// band of each image, as MNIST's strokes cluster (scattered non-zeros fill
/// every tile, and the cost model then rightly keeps the input dense).
fn batch(n: usize, sparse: bool) -> (Images, OneHot) {
    let x: Vec<f32> = (0..n * 784)
        .map(|i| {
            let v = 0.1 + ((i * 7919) % 255) as f32 / 255.0;
            if sparse && !(300..450).contains(&(i % 784)) {
                0.0
            } else {
                v
            }
        })
        .collect();
    let mut y = vec![0.0; n * 10];
    for i in 0..n {
        y[i * 10 + i % 10] = 1.0;
    }
    (
        Tensor::from_shape_vec((Dyn(n), Sz), x).unwrap(),
        Tensor::from_shape_vec((Dyn(n), Sz), y).unwrap(),
    )
}

/// (allocations, matrixmultiply calls) over 11 steps of `$model` trained
/// by `$opt`, the smaller of two rounds (a macro: one body for every model
/// and optimizer type).
macro_rules! allocations_per_step {
    ($model:expr, $opt:expr, $sparse:expr) => {{
        let (model, opt, sparse) = ($model, $opt, $sparse);
        on_a_kernel_thread(move || {
            let mut t = Trainer::new(model, opt, CategoricalCrossentropy, Accuracy::default());
            let (x, y) = batch(128, sparse);
            let (x96, y96) = batch(96, sparse);
            // Warm-up: the first steps size every buffer (and the packing buffers).
            for _ in 0..2 {
                t.train_step(&x, &y).unwrap();
                t.train_step(&x96, &y96).unwrap();
            }
            // The smaller count of two rounds of 11 steps: a kernel thread that
            // steals its first piece of work late sets up its per-thread state
            // once, in whichever round that happens; an allocation per step
            // would show in both.
            let mut counts = [(0, 0); 2];
            for count in &mut counts {
                let (before, calls) = (counting::allocations(), kernel_calls());
                for _ in 0..10 {
                    t.train_step(&x, &y).unwrap();
                }
                t.train_step(&x96, &y96).unwrap();
                *count = (counting::allocations() - before, kernel_calls() - calls);
            }
            counts[0].min(counts[1])
        })
    }};
}

#[test]
fn a_training_step_allocates_nothing_with_sparse_or_dense_input() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    for sparse in [false, true] {
        let rms = allocations_per_step!(Mnist::seeded(0), RmsProp::default(), sparse);
        let sgd = allocations_per_step!(Mnist::seeded(0), Sgd::new(0.01).momentum(0.9), sparse);
        let adam = allocations_per_step!(Mnist::seeded(0), Adam::default(), sparse);
        let mut dense_only = Deep::seeded(0);
        dense_only.set_compute(shaped_nn::Compute::default().sparse(SparsePolicy::Never));
        let deep = allocations_per_step!(dense_only, RmsProp::default(), sparse);
        let deep_auto = allocations_per_step!(Deep::seeded(0), RmsProp::default(), sparse);
        let wide = allocations_per_step!(Wide::seeded(0), RmsProp::default(), sparse);
        // Tiles everywhere, of the inputs and of the gradients (`g W^T`,
        // reading `W^T` through transposed block copies), 1024 wide too.
        let mut deep_tiles = Deep::seeded(0);
        deep_tiles.set_compute(shaped_nn::Compute::default().sparse(SparsePolicy::Always));
        let deep_tiles = allocations_per_step!(deep_tiles, RmsProp::default(), sparse);
        let mut wide_tiles = Wide::seeded(0);
        wide_tiles.set_compute(shaped_nn::Compute::default().sparse(SparsePolicy::Always));
        let wide_tiles = allocations_per_step!(wide_tiles, RmsProp::default(), sparse);
        eprintln!(
            "sparse input {sparse}: (allocations, matrixmultiply calls) over 11 steps: \
             rmsprop {rms:?}, sgd {sgd:?}, adam {adam:?}, deep dense-only {deep:?}, deep {deep_auto:?}, \
             wide {wide:?}, deep on tiles {deep_tiles:?}, wide on tiles {wide_tiles:?}"
        );
        for counts in [
            rms, sgd, adam, deep, deep_auto, wide, deep_tiles, wide_tiles,
        ] {
            assert_eq!(counts, (0, 0), "a step allocates (sparse input: {sparse})");
        }
    }
}

/// (allocations, matrixmultiply calls) over 5 calls of `evaluate` (batches
/// of 128 and a last one of 104 over 1000 samples) and over 5 of `predict`
/// (whose returned tensor is one allocation), after a first call of each;
/// the smaller of two rounds.
fn allocations_of_inference(sparse: bool) -> ((usize, usize), (usize, usize)) {
    let mut t = Trainer::new(
        Deep::seeded(0),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let (x, y) = batch(1000, sparse);
    t.evaluate(&x, &y, 128).unwrap();
    t.predict(&x).unwrap();
    // Each count is the smaller of two rounds (see `allocations_per_step!`).
    let mut evaluate = (usize::MAX, 0);
    let mut predict = (usize::MAX, 0);
    for _ in 0..2 {
        let (before, calls) = (counting::allocations(), kernel_calls());
        for _ in 0..5 {
            t.evaluate(&x, &Data::f32(&y), 128).unwrap();
        }
        evaluate = evaluate.min((counting::allocations() - before, kernel_calls() - calls));
        let (before, calls) = (counting::allocations(), kernel_calls());
        for _ in 0..5 {
            let p = t.predict(&x).unwrap();
            assert_eq!(p.dims(), [1000, 10]);
        }
        predict = predict.min((counting::allocations() - before, kernel_calls() - calls));
    }
    (evaluate, predict)
}

#[test]
fn evaluate_allocates_nothing_and_predict_only_its_result() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    for sparse in [false, true] {
        let (evaluate, predict) = on_a_kernel_thread(|| allocations_of_inference(sparse));
        eprintln!(
            "sparse input {sparse}: (allocations, matrixmultiply calls) over 5 calls: \
             evaluate {evaluate:?}, predict {predict:?}"
        );
        assert_eq!(evaluate, (0, 0), "evaluate allocates");
        assert_eq!(predict, (5, 0), "predict allocates beyond its result");
    }
}

model! {
    /// The MNIST network, generic over its element type.
    pub struct MnistOf<E>: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

/// An `f64` model's step allocates nothing but `matrixmultiply`'s packing
/// buffers either (its `dgemm` packs as `sgemm` does; there are no sparse
/// tiles or skinny loops in `f64`).
#[test]
fn an_f64_training_step_allocates_nothing_but_the_gemm_packing_buffers() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let mut t = Trainer::new(
        MnistOf::<f64>::seeded(0),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let (x, y) = batch(128, true);
    let (x, y) = (x.cast::<f64>(), y.cast::<f64>());
    for _ in 0..3 {
        t.train_step(&x, &y).unwrap();
    }
    let (before, calls) = (counting::allocations(), kernel_calls());
    for _ in 0..10 {
        t.train_step(&x, &y).unwrap();
    }
    let (allocs, calls) = (
        (counting::allocations() - before) / 10,
        (kernel_calls() - calls) / 10,
    );
    eprintln!("f64: (allocations, matrixmultiply calls) per step: ({allocs}, {calls})");
    assert_eq!(
        allocs, calls,
        "every allocation of a step is one of matrixmultiply's"
    );
    // The f32 path's skinny loops for the 10 outputs are f32-only: in f64,
    // every product of the step goes to `dgemm`.
    assert!(calls <= 12, "{calls} products packed per step");
}
