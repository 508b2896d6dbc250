//! Low-level kernels on flat buffers with run-time sizes. Every statically
//! shaped op funnels into these, so each distinct static shape does not
//! compile its own copy of the heavy code.

pub mod gemm;
pub mod skinny;
pub mod sparse;

/// Sets how many threads the kernels use (default: one per core). Call it
/// before the first tensor operation; later calls return an error and
/// change nothing.
///
/// ```
/// // In a program's `main`, before any work:
/// let _ = tensor_core::kernels::set_threads(2);
/// ```
pub fn set_threads(n: usize) -> Result<(), rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
}

/// How many threads the kernels use.
pub fn threads() -> usize {
    rayon::current_num_threads()
}
