//! A counting global allocator for the tests (of shaped-core and shaped-nn,
//! included with `#[path]`) and the kernel benchmark that measure
//! allocations: each
//! such test binary installs it with
//! `#[global_allocator] static A: counting::Counting = counting::Counting;`
//! and reads [`allocations`] (how many allocations and reallocations so
//! far) or [`largest`] (the largest size asked for so far).

// Each binary uses only part of it.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The allocator: the system's, counting.
pub struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static LARGEST: AtomicUsize = AtomicUsize::new(0);

/// Allocations and reallocations made so far, by every thread.
pub fn allocations() -> usize {
    ALLOCS.load(Ordering::Relaxed)
}

/// The largest size an allocation or reallocation asked for so far.
pub fn largest() -> usize {
    LARGEST.load(Ordering::Relaxed)
}

/// Forgets the largest size seen so far.
pub fn reset_largest() {
    LARGEST.store(0, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator, which
// upholds `GlobalAlloc`'s contract; the counters only add relaxed atomic
// updates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        LARGEST.fetch_max(l.size(), Ordering::Relaxed);
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
        LARGEST.fetch_max(n, Ordering::Relaxed);
        // SAFETY: as `dealloc`; the new size is the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}
