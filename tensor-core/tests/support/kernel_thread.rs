//! Runs a measurement on one of the kernel threads, for the allocation
//! tests (of shaped-core and shaped-nn, included with `#[path]`).
//!
//! A product started from a thread outside the kernel threads (the test
//! harness's) hands its halves to them through rayon's queue of injected
//! jobs, which allocates a block every 63 jobs (seen: one allocation in
//! about 11 training steps). A training loop (`fit`) runs on a kernel
//! thread, so it never does; a test that counts allocations runs there too.

/// `f()`, run on one of the kernel threads.
pub fn on_a_kernel_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let mut out = None;
    rayon::scope(|s| s.spawn(|_| out = Some(f())));
    out.expect("the job ran")
}
