//! Low-level kernels on flat buffers with run-time sizes. Every statically
//! shaped op funnels into these, so each distinct static shape does not
//! compile its own copy of the heavy code.

pub mod gemm;
mod lanes;
pub mod skinny;
pub mod sparse;

/// Sets how many threads the kernels use (default: one per core), counting
/// the calling thread, which becomes one of them. Call it before the first
/// tensor operation; later calls return an error and change nothing.
///
/// Why the calling thread joins: a kernel started from a thread outside the
/// kernel threads is handed over to them while the caller sleeps, and the
/// wake-ups cost more than a small product. A kernel thread splits the work
/// and does its share itself.
///
/// ```
/// // In a program's `main`, before any work:
/// let _ = tensor_core::kernels::set_threads(2);
/// ```
pub fn set_threads(n: usize) -> Result<(), rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .use_current_thread()
        .build_global()
}

/// Makes the calling thread one of the kernel threads, with one thread per
/// core, unless the kernel threads are already set up (then it does
/// nothing). The training loop calls it; see [`set_threads`] for why.
///
/// ```
/// tensor_core::kernels::join_kernel_threads();
/// assert!(tensor_core::kernels::threads() >= 1);
/// ```
pub fn join_kernel_threads() {
    // An error only means the threads exist already.
    let _ = rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global();
}

/// How many threads the kernels use.
pub fn threads() -> usize {
    rayon::current_num_threads()
}
