//! A training step allocates nothing of its own once the buffers have grown
//! to the batch size: counted by a global allocator that tallies every
//! allocation. The only allocations left are `matrixmultiply`'s packing
//! buffers, one per call of its kernel, which the kernels count: none with
//! MNIST-like sparse input, a few for large dense products.

use nn::{
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::{Adam, RmsProp, Sgd},
    train::Trainer,
    Dense, Layer, Relu, Softmax,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use tensor_core::kernels::{dense::kernel_calls, SparsePolicy};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static A: Counting = Counting;

model! {
    /// Chollet's MNIST network.
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

model! {
    /// A deeper one: its inner layers also compute the input's gradient.
    pub struct Deep: 784 => [Dense<256, Relu>, Dense<96, Relu>, Dense<10, Softmax>]
}

/// A batch; `sparse` keeps about a fifth of the pixels non-zero, in a
/// band of each image, as MNIST's strokes cluster (scattered non-zeros fill
/// every tile, and the cost model then rightly keeps the input dense).
fn batch(n: usize, sparse: bool) -> (Vec<f32>, Vec<f32>) {
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
    (x, y)
}

/// (allocations, matrixmultiply calls) per step of `$model` trained by
/// `$opt` (a macro: one body for every model and optimizer type).
macro_rules! allocations_per_step {
    ($model:expr, $opt:expr, $sparse:expr) => {{
        let mut t = Trainer::new($model, $opt, CategoricalCrossentropy, Accuracy::default());
        let (x, y) = batch(128, $sparse);
        let (x96, y96) = batch(96, $sparse);
        // Warm-up: the first steps size every buffer (and the packing buffers).
        for _ in 0..2 {
            t.train_step(&x, &y, 128).unwrap();
            t.train_step(&x96, &y96, 96).unwrap();
        }
        let (before, calls) = (ALLOCS.load(Ordering::Relaxed), kernel_calls());
        for _ in 0..10 {
            t.train_step(&x, &y, 128).unwrap();
        }
        t.train_step(&x96, &y96, 96).unwrap();
        (
            (ALLOCS.load(Ordering::Relaxed) - before) / 11,
            (kernel_calls() - calls) / 11,
        )
    }};
}

#[test]
fn a_training_step_allocates_nothing_but_the_gemm_packing_buffers() {
    for sparse in [false, true] {
        let rms = allocations_per_step!(Mnist::seeded(0), RmsProp::default(), sparse);
        let sgd = allocations_per_step!(Mnist::seeded(0), Sgd::new(0.01).momentum(0.9), sparse);
        let adam = allocations_per_step!(Mnist::seeded(0), Adam::default(), sparse);
        let mut dense_only = Deep::seeded(0);
        dense_only.set_sparse_policy(SparsePolicy::Never);
        let deep = allocations_per_step!(dense_only, RmsProp::default(), sparse);
        let deep_auto = allocations_per_step!(Deep::seeded(0), RmsProp::default(), sparse);
        eprintln!(
            "sparse input {sparse}: (allocations, matrixmultiply calls) per step: rmsprop {rms:?}, \
             sgd {sgd:?}, adam {adam:?}, deep dense-only {deep:?}, deep {deep_auto:?}"
        );
        for (allocs, calls) in [rms, sgd, adam, deep, deep_auto] {
            assert_eq!(
                allocs, calls,
                "every allocation of a step is one of matrixmultiply's"
            );
            assert!(calls <= 12);
        }
        if sparse {
            // The chapter's network on sparse input: tiles and skinny loops,
            // no packing at all.
            for counts in [rms, sgd, adam] {
                assert_eq!(counts, (0, 0), "sparse input allocates");
            }
        }
    }
}
