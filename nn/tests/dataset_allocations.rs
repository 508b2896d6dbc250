//! Training on a user's data set allocates nothing per step: a whole
//! `fit_dataset` of ten times the steps makes no more allocations than
//! matrixmultiply's packing buffers (one per call of its kernel, which the
//! kernels count). The counter is global, so this file holds one test: no
//! other test (nor the test runner starting one) allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use tensor_core::kernels::dense::kernel_calls;

mod computed;
use computed::{config, trainer, Spirals};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator, which
// upholds `GlobalAlloc`'s contract; the counter only adds a relaxed atomic
// increment.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's layout is passed on as received.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` came from `System` with this layout (every allocation
        // of this allocator is `System`'s).
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as `dealloc`; the new size is the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Allocations other than matrixmultiply's packing buffers (counted by the
/// kernels) made by a whole `fit_dataset` of 3 epochs over 1000 points in
/// batches of `batch_size`.
fn allocations_of_fit(batch_size: usize) -> usize {
    let set = Spirals { n: 1000 };
    let mut t = trainer(1);
    let cfg = config(3).batch_size(batch_size);
    let (before, calls) = (ALLOCS.load(Ordering::Relaxed), kernel_calls());
    t.fit_dataset(&set, &cfg).unwrap();
    (ALLOCS.load(Ordering::Relaxed) - before) - (kernel_calls() - calls)
}

#[test]
fn fitting_a_data_set_allocates_nothing_per_step() {
    // A first fit, so that one-time set-ups (the thread pool) are not
    // counted; then 30 steps against 300: the same epochs, ten times the
    // steps.
    allocations_of_fit(100);
    let (few, many) = (allocations_of_fit(100), allocations_of_fit(10));
    eprintln!("allocations of fit_dataset, 3 epochs: 30 steps {few}, 300 steps {many}");
    // One allocation a step would be 270 more; the buffers of the larger
    // batch are the one way `few` may be above `many`.
    assert!(many <= few + 2, "30 steps {few}, 300 steps {many}");
}
