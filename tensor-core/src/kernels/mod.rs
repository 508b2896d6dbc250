//! Low-level kernels on flat buffers with run-time sizes. Every statically
//! shaped op funnels into these, so each distinct static shape does not
//! compile its own copy of the heavy code.
//!
//! # The rule that keeps the `unsafe` code sound
//!
//! Every `pub` function here is safe to call with any arguments: sizes that
//! overflow, strides that point past a buffer, buffers too short. It checks
//! its sizes first, **with checked arithmetic** (`checked_mul`,
//! `checked_add`: a product that wraps in a release build could otherwise
//! pass a length check), and panics with a message or returns an error when
//! they do not fit; only then does it reach the pointer arithmetic and the
//! vector loads and stores inside, which do not check again. So:
//!
//! * an `unsafe fn` states its precondition in a `# Safety` section, and
//!   every `unsafe` block or `unsafe impl` says in a `// SAFETY:` comment why
//!   the precondition holds there (enforced: `unsafe_op_in_unsafe_fn` and
//!   clippy's `undocumented_unsafe_blocks` are errors in this module);
//! * the size checks live in the entry points, in one place per product,
//!   and the inner loops receive only sizes those checks covered;
//! * vector instructions run only on a CPU that has them.
//!
//! The fuzz target `tensor-core/fuzz` (`cargo +nightly fuzz run kernels`)
//! drives the entry points with random sizes, strides and values (NaN,
//! infinities, subnormals) against a plain reference.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod blocked;
pub mod dense;
mod matmul;
mod policy;
mod prefetch;
mod simd;
pub mod skinny;
pub mod sparse;
#[cfg(test)]
mod testing;
mod view;

pub use matmul::{matmul, reference, Accum, Lhs, MatmulError, Parallelism, Route, Scratch};
pub use policy::{CostModel, SparsePolicy};
pub use prefetch::prefetch;
#[cfg(any(test, feature = "force-isa"))]
pub use simd::force as force_isa;
pub use simd::IsaKind;
pub use sparse::SparseLhs;
pub use view::{MatMut, MatRef};

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
