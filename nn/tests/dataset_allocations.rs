//! Training on a user's data set allocates nothing per step: a whole
//! `fit_dataset` of ten times the steps makes no more allocations than
//! matrixmultiply's packing buffers (one per call of its kernel, which the
//! kernels count). The counter is global, so this file holds one test: no
//! other test (nor the test runner starting one) allocates meanwhile.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_core::kernels::dense::kernel_calls;

mod computed;
use computed::{config, trainer, Spirals};

#[path = "../../tensor-core/tests/support/counting.rs"]
mod counting;

#[global_allocator]
static A: counting::Counting = counting::Counting;

/// Allocations other than matrixmultiply's packing buffers (counted by the
/// kernels) made by a whole `fit_dataset` of 3 epochs over 1000 points in
/// batches of `batch_size`.
fn allocations_of_fit(batch_size: usize) -> usize {
    let set = Spirals { n: 1000 };
    let mut t = trainer(1);
    let cfg = config(3).batch_size(batch_size);
    let (before, calls) = (counting::allocations(), kernel_calls());
    t.fit_dataset(&set, &cfg).unwrap();
    (counting::allocations() - before) - (kernel_calls() - calls)
}

#[test]
fn fitting_a_data_set_allocates_nothing_per_step() {
    // A first fit, so that one-time set-ups (the thread pool) are not
    // counted; then 30 steps against 300: the same epochs, ten times the
    // steps.
    // Each count is the smaller of two fits: a kernel thread that steals
    // its first piece of work late sets up its per-thread buffers once,
    // during whichever fit that happens in (seen: 3 allocations, once, on a
    // loaded machine); an allocation per step would show in both fits.
    allocations_of_fit(100);
    allocations_of_fit(10);
    let few = allocations_of_fit(100).min(allocations_of_fit(100));
    let many = allocations_of_fit(10).min(allocations_of_fit(10));
    eprintln!("allocations of fit_dataset, 3 epochs: 30 steps {few}, 300 steps {many}");
    // One allocation a step would be 270 more; the buffers of the larger
    // batch are the one way `few` may be above `many`.
    assert!(many <= few + 2, "30 steps {few}, 300 steps {many}");
}
