//! Low-level kernels on flat buffers with run-time sizes. Every statically
//! shaped op funnels into these, so each distinct static shape does not
//! compile its own copy of the heavy code.
//!
//! # The contract: one front door
//!
//! Every matrix product goes through [`matmul`]`(dst, accum, lhs, rhs,
//! alpha, parallelism, scratch)`:
//!
//! * the operands are views that carry their rows, columns and strides
//!   ([`MatRef`], checked when made; [`MatMut`], a row-major output), so a
//!   product whose sizes do not agree is an error ([`MatmulError`]), and
//!   nothing is written;
//! * [`Accum`] says whether `dst` is replaced (its old contents, even NaN,
//!   ignored) or added to;
//! * [`Parallelism`] says how many of the kernel threads may share the
//!   work (all of them, at most `n`, or none but the caller's);
//! * [`Scratch`] holds the packing buffers (and the tiles' per-thread
//!   copies of a right operand's blocks of columns, when its rows are 4 KiB
//!   or more apart or it is not row-major), owned by the caller (a layer
//!   keeps one), so that a product allocates nothing once they have grown;
//! * the left operand may be a matrix held as sparse tiles ([`Lhs`],
//!   [`SparseLhs`]), which the caller prepares under a [`SparsePolicy`]
//!   value: a cost model of both kernels ([`CostModel`]) at the product's
//!   shape and the input's measured tile count, or `Never`; the tiles read
//!   the right operand's rows, so one that is not row-major (a transposed
//!   view, as `W^T` in a layer's `g W^T`) is transposed block by block into
//!   those copies (`transpose`), or, past 2048 rows, copied row-major whole
//!   into the scratch first.
//!
//! `matmul` alone picks the kernel and says which it took ([`Route`]): the
//! skinny loops (`skinny`: a dimension of 16 or less), the dense kernel
//! (`f32`: `packed`, into the scratch's buffers; `f64`:
//! `matrixmultiply`), the sparse tiles, or the plain loop (`reference`, crate-private: for other element types, and
//! the reference of every test). The element type is tested in one place
//! (a `TypeId` comparison behind a safe cast).
//!
//! The convolutions and poolings of image batches (channels-last, `NHWC`,
//! as Keras) are built on it:
//!
//! * [`conv`]: [`conv2d_forward`] and [`conv2d_backward`] for a
//!   [`Conv2dGeometry`] (`valid`/`same` [`Padding`], strides), by im2col
//!   and [`matmul`], their buffers in a caller-owned [`ConvScratch`];
//! * [`pool`]: [`max_pool2d_forward`] (with its argmax cached) and
//!   [`max_pool2d_backward`], [`avg_pool2d_forward`] and
//!   [`avg_pool2d_backward`], for a [`Pool2dGeometry`];
//!
//! both refuse wrong sizes with a [`ConvError`], writing nothing.
//!
//! The vector code has one mechanism (the crate-private `simd` module): a
//! CPU feature token that only detection mints, vectors that only a token
//! makes, and loops written once over a vector type and compiled per
//! instruction set (AVX-512, AVX2 with FMA, plain code). A test-only switch
//! forces each one (`force_isa`, compiled for the tests and with the
//! `force-isa` feature). Code outside the kernels reaches the same
//! detection through [`vectorized!`](crate::vectorized), which compiles a
//! plain loop once per instruction set.
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

pub mod conv;
pub mod dense;
mod matmul;
mod packed;
mod policy;
pub mod pool;
mod prefetch;
mod simd;
mod skinny;
pub mod sparse;
#[cfg(test)]
mod testing;
mod threads;
mod transpose;
#[doc(hidden)]
pub mod vectorized;
mod view;

pub use conv::{conv2d_backward, conv2d_forward, Conv2dGeometry, ConvError, ConvScratch, Padding};
pub use matmul::{matmul, Accum, Lhs, MatmulError, Parallelism, Route, Scratch};
pub use policy::{CostModel, SparsePolicy};
pub use pool::{
    avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward,
    Pool2dGeometry,
};
pub use prefetch::prefetch;
#[cfg(any(test, feature = "force-isa"))]
pub use simd::{force as force_isa, IsaKind};
pub use sparse::SparseLhs;
pub use threads::{
    join_kernel_threads, keep_threads_hot, set_threads, threads, HotThreads, IDLE_LIMIT,
};
pub use view::{MatMut, MatRef};
