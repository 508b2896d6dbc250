//! The dense product kernels behind [`matmul`](super::matmul):
//!
//! * `f32`: the packed kernel of this crate (`super::packed`), which
//!   packs into the caller's buffers, so that a product allocates nothing
//!   once they have grown;
//! * `f64`: `matrixmultiply`'s single-threaded `dgemm`, split across the
//!   kernel threads by blocks of rows or columns when the product is large
//!   enough to pay for it. `matrixmultiply` 0.3 takes no buffer from its
//!   caller and allocates its packing buffer on every call, which
//!   [`kernel_calls`] counts.
//!
//! The views were checked by their constructors and the sizes by `matmul`.
//!
//! History of the `f32` kernel, measured in the training loop
//! (`bench/compare.py --case mnist-dense`) against `matrixmultiply`'s
//! `sgemm`, which it used before: a first register-blocked kernel of our
//! own ran at 0.2x to 0.65x of `sgemm`; a second, packing both operands
//! like the present one, at 0.85x to 1.2x in isolation but 5-10% slower in
//! the loop, and neither was kept. The present one (the same blocking,
//! with equal blocks of the inner dimension, whole panels copied by fixed-
//! length moves instead of `memcpy` calls, and the threads' parts cut on
//! panel boundaries) measured at 0.83x to 1.14x of `sgemm` in isolation
//! and a few percent slower in the loop (see the README's table), and was
//! kept because it allocates nothing.
//!
//! The feature `gemm-crate` puts the `gemm` crate's kernel (0.19, with its
//! AVX-512 kernels, split over the kernel threads by `gemm` itself) in
//! their place, so that it can be measured in the training loop. It is
//! not the default: at the network's shapes it measured about as fast as
//! `matrixmultiply` (0.8x to 1.1x of its time), 1.5x to 2.7x slower when
//! the right operand is read transposed, and it allocates too (one or two
//! buffers per call: its packing buffer and a flag vector; only its L2
//! block is kept per thread).

use super::matmul::Parallelism;
use super::view::MatRef;

static KERNEL_CALLS: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// How many times `matrixmultiply` has been called so far (by all
/// threads; it computes the `f64` products). `matrixmultiply` allocates
/// its packing buffer on every call: with this count, a test can tell
/// those allocations from any others.
///
/// Hidden from the docs: public only for the allocation tests of this
/// crate and of `shaped-nn` (`tests/*allocations.rs`), which are other
/// crates; nothing else should need it.
///
/// ```
/// use shaped_core::kernels::{dense::kernel_calls, matmul, Accum, MatMut, MatRef, Parallelism, Scratch};
/// let before = kernel_calls();
/// let (a, mut c) = (vec![1.0f64; 32 * 32], vec![0.0f64; 32 * 32]);
/// let a = MatRef::row_major(&a, 32, 32).unwrap();
/// matmul(MatMut::row_major(&mut c, 32, 32).unwrap(), Accum::Replace, a, a, 1.0, Parallelism::None, &mut Scratch::default()).unwrap();
/// assert!(kernel_calls() > before);
/// assert_eq!(c[0], 32.0);
/// ```
#[doc(hidden)]
pub fn kernel_calls() -> usize {
    KERNEL_CALLS.load(core::sync::atomic::Ordering::Relaxed)
}

pub(crate) use super::packed::Buffers;

/// `c = alpha a b` (`+ c` when `add`), `c` row-major `m x n`: the packed
/// kernel (`super::packed`), its buffers the caller's.
pub(crate) fn gemm_f32(
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    add: bool,
    c: &mut [f32],
    par: Parallelism,
    buffers: &mut Buffers,
) {
    #[cfg(feature = "gemm-crate")]
    {
        let _ = buffers;
        fast(a.rows, a.cols, b.cols, alpha, a, b, add, c, par.threads())
    }
    #[cfg(not(feature = "gemm-crate"))]
    super::packed::gemm(alpha, a, b, add, c, par, buffers)
}

/// [`gemm_f32`] for `f64`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_f64(
    m: usize,
    k: usize,
    n: usize,
    alpha: f64,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    add: bool,
    c: &mut [f64],
    par: Parallelism,
) {
    fast(m, k, n, alpha, a, b, add, c, par.threads())
}

/// Below this many multiply-adds a product runs on one thread: splitting a
/// small product costs more in synchronisation than it saves.
pub(crate) const PARALLEL_MIN_MACS: usize = 1 << 22;

/// Raw views handed to the threads; each thread writes a disjoint block.
#[derive(Clone, Copy)]
struct Raw<T> {
    a: *const T,
    b: *const T,
    c: *mut T,
}
// SAFETY: the blocks of `c` given to different threads never overlap, and
// `a`, `b` are only read.
unsafe impl<T> Send for Raw<T> {}
// SAFETY: as for `Send`: shared `Raw`s only read `a`, `b` and write
// disjoint blocks of `c`.
unsafe impl<T> Sync for Raw<T> {}

/// An element type `matrixmultiply` multiplies.
trait Fast: Copy + Send + Sync + PartialEq + Default + 'static {
    /// `c = alpha a b + beta c` on one thread.
    ///
    /// # Safety
    /// The pointers must cover the strided ranges read and written.
    #[allow(clippy::too_many_arguments)]
    unsafe fn kernel(
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    );
    const ZERO: Self;
    const ONE: Self;
}

/// `Fast` for `$t` on the kernel `$gemm`, which takes `matrixmultiply`'s
/// arguments (then `$extra`, if any).
macro_rules! fast {
    ($t:ty, $gemm:path $(, $extra:expr)*) => {
        impl Fast for $t {
            unsafe fn kernel(
                m: usize,
                k: usize,
                n: usize,
                alpha: $t,
                a: *const $t,
                rsa: isize,
                csa: isize,
                b: *const $t,
                rsb: isize,
                csb: isize,
                beta: $t,
                c: *mut $t,
                rsc: isize,
                csc: isize,
            ) {
                // SAFETY: the caller guarantees that the pointers cover the
                // strided ranges (this function's contract).
                unsafe { $gemm(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc $(, $extra)*) }
            }
            const ZERO: $t = 0.0;
            const ONE: $t = 1.0;
        }
    };
}
#[cfg(not(feature = "gemm-crate"))]
fast!(f64, matrixmultiply::dgemm);

/// The `gemm` crate's kernel with `matrixmultiply`'s argument order
/// (`c = alpha a b + beta c`, row and column strides), on one thread.
///
/// # Safety
/// As [`Fast::kernel`]: the pointers must cover the strided ranges.
#[cfg(feature = "gemm-crate")]
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_crate<T: 'static + Copy + PartialEq + Default>(
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: *const T,
    rsa: isize,
    csa: isize,
    b: *const T,
    rsb: isize,
    csb: isize,
    beta: T,
    c: *mut T,
    rsc: isize,
    csc: isize,
    threads: usize,
) {
    // gemm computes dst = alpha_g dst + beta_g lhs rhs, reading dst only
    // when `read_dst`.
    let read = beta != T::default();
    let par = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the caller guarantees that the pointers cover the ranges.
    unsafe {
        gemm::gemm(
            m, n, k, c, csc, rsc, read, a, csa, rsa, b, csb, rsb, beta, alpha, false, false, false,
            par,
        )
    }
}
#[cfg(feature = "gemm-crate")]
fast!(f32, gemm_crate, 1);
#[cfg(feature = "gemm-crate")]
fast!(f64, gemm_crate, 1);

/// One block of the product (m x n, row stride `ldc`), on the calling thread.
///
/// # Safety
/// The pointers must cover the strided ranges read and written.
#[allow(clippy::too_many_arguments)]
unsafe fn block<T: Fast>(
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    r: Raw<T>,
    (rsa, csa): (usize, usize),
    (rsb, csb): (usize, usize),
    accumulate: bool,
    ldc: usize,
) {
    let beta = if accumulate { T::ONE } else { T::ZERO };
    KERNEL_CALLS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    // SAFETY: the caller guarantees that the pointers cover the ranges.
    unsafe {
        T::kernel(
            m,
            k,
            n,
            alpha,
            r.a,
            rsa as isize,
            csa as isize,
            r.b,
            rsb as isize,
            csb as isize,
            beta,
            r.c,
            ldc as isize,
            1,
        )
    };
}

/// The product on `threads` threads, split along the longer of `m` and `n`.
#[allow(clippy::too_many_arguments)]
fn fast<T: Fast>(
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    accumulate: bool,
    c: &mut [T],
    threads: usize,
) {
    let threads = if m.saturating_mul(n).saturating_mul(k) >= PARALLEL_MIN_MACS {
        threads.min(m.max(n) / 16).max(1)
    } else {
        1
    };
    let raw = Raw {
        a: a.data.as_ptr(),
        b: b.data.as_ptr(),
        c: c.as_mut_ptr(),
    };
    let (sa, sb) = ((a.rs, a.cs), (b.rs, b.cs));
    #[cfg(feature = "gemm-crate")]
    {
        // gemm splits the product over the kernel threads itself.
        let beta = if accumulate { T::ONE } else { T::ZERO };
        KERNEL_CALLS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        // SAFETY: the views cover m x k and k x n (checked when they were
        // made) and `matmul` checked that `c` holds m x n.
        unsafe {
            gemm_crate(
                m,
                k,
                n,
                alpha,
                raw.a,
                sa.0 as isize,
                sa.1 as isize,
                raw.b,
                sb.0 as isize,
                sb.1 as isize,
                beta,
                raw.c,
                n as isize,
                1,
                threads,
            )
        };
        #[allow(clippy::needless_return)]
        return;
    }
    #[allow(unreachable_code)]
    if threads == 1 {
        // SAFETY: the views cover m x k and k x n (checked when they were made)
        // and `matmul` checked that `c` holds m x n.
        unsafe { block(m, k, n, alpha, raw, sa, sb, accumulate, n) };
        return;
    }
    let by_rows = m >= n;
    let len = if by_rows { m } else { n };
    let parts = split(0, len, threads);
    // SAFETY: each part is a disjoint block of rows (or columns) of `c`; the
    // offsets stay within the ranges the views and `matmul` checked.
    let run = move |start: usize, size: usize| unsafe {
        // Capture the views whole (not field by field): they are Sync.
        let raw = raw;
        let r = if by_rows {
            Raw {
                a: raw.a.add(start * a.rs),
                b: raw.b,
                c: raw.c.add(start * n),
            }
        } else {
            Raw {
                a: raw.a,
                b: raw.b.add(start * b.cs),
                c: raw.c.add(start),
            }
        };
        let (bm, bn) = if by_rows { (size, n) } else { (m, size) };
        block(bm, k, bn, alpha, r, sa, sb, accumulate, n);
    };
    join_parts(&parts, &run);
}

/// `0..len` cut into `parts` nearly equal (start, size) ranges.
fn split(start: usize, len: usize, parts: usize) -> [(usize, usize); 8] {
    let mut out = [(0, 0); 8];
    let parts = parts.min(8);
    let chunk = len.div_ceil(parts);
    for (i, o) in out.iter_mut().enumerate().take(parts) {
        let s = (start + i * chunk).min(start + len);
        *o = (s, chunk.min(start + len - s));
    }
    out
}

/// Runs `f` on every non-empty part, in parallel by recursive `rayon::join`
/// (which, unlike `rayon::scope`, allocates nothing).
fn join_parts(parts: &[(usize, usize)], f: &(impl Fn(usize, usize) + Sync)) {
    match parts {
        [] => {}
        [(s, n)] => {
            if *n > 0 {
                f(*s, *n)
            }
        }
        _ => {
            let (l, r) = parts.split_at(parts.len() / 2);
            rayon::join(|| join_parts(l, f), || join_parts(r, f));
        }
    }
}
