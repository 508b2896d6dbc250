//! General matrix multiply: `C = alpha * A B + beta * C` on strided
//! row/column layouts. `f32` and `f64` run on `matrixmultiply`'s
//! single-threaded kernels, split across the `rayon` pool's threads by
//! blocks of rows or columns when the product is large enough to pay for
//! it; other element types run on a plain loop.

use crate::dtype::Num;
use core::any::TypeId;

/// A strided matrix operand: `rs` is the distance between rows, `cs` between
/// columns (a transposed view swaps them; no copy is made).
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, E> {
    /// The elements.
    pub data: &'a [E],
    /// Row stride.
    pub rs: usize,
    /// Column stride.
    pub cs: usize,
}

impl<'a, E> MatRef<'a, E> {
    /// A row-major matrix with `cols` columns.
    pub fn row_major(data: &'a [E], cols: usize) -> Self {
        MatRef {
            data,
            rs: cols,
            cs: 1,
        }
    }
    /// The transpose of a row-major matrix with `cols` columns.
    pub fn transposed(data: &'a [E], cols: usize) -> Self {
        MatRef {
            data,
            rs: 1,
            cs: cols,
        }
    }
}

fn fits<E>(m: &MatRef<'_, E>, rows: usize, cols: usize) -> bool {
    rows == 0 || cols == 0 || (rows - 1) * m.rs + (cols - 1) * m.cs < m.data.len()
}

static KERNEL_CALLS: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// How many times `matrixmultiply` has been called so far (by all threads).
/// `matrixmultiply` allocates its packing buffer on every call: with this
/// count, a test can tell those allocations from any others.
///
/// ```
/// use tensor_core::kernels::gemm::{gemm, kernel_calls, MatRef};
/// let before = kernel_calls();
/// let (a, mut c) = (vec![1.0f32; 32 * 32], vec![0.0f32; 32 * 32]);
/// gemm(32, 32, 32, 1.0, MatRef::row_major(&a, 32), MatRef::row_major(&a, 32), 0.0, &mut c);
/// assert!(kernel_calls() > before);
/// assert_eq!(c[0], 32.0);
/// ```
pub fn kernel_calls() -> usize {
    KERNEL_CALLS.load(core::sync::atomic::Ordering::Relaxed)
}

/// Below this many multiply-adds a product runs on one thread: splitting a
/// small product costs more in synchronisation than it saves.
pub const PARALLEL_MIN_MACS: usize = 1 << 22;

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
unsafe impl<T> Sync for Raw<T> {}

/// An element type `matrixmultiply` multiplies.
trait Fast: Copy + Send + Sync + 'static {
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

macro_rules! fast {
    ($t:ty, $gemm:path) => {
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
                $gemm(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc)
            }
            const ZERO: $t = 0.0;
            const ONE: $t = 1.0;
        }
    };
}
fast!(f32, matrixmultiply::sgemm);
fast!(f64, matrixmultiply::dgemm);

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
    );
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
) {
    let threads = if m * n * k >= PARALLEL_MIN_MACS {
        rayon::current_num_threads().min(m.max(n) / 16).max(1)
    } else {
        1
    };
    let raw = Raw {
        a: a.data.as_ptr(),
        b: b.data.as_ptr(),
        c: c.as_mut_ptr(),
    };
    let (sa, sb) = ((a.rs, a.cs), (b.rs, b.cs));
    if threads == 1 {
        // SAFETY: `gemm` checked that the operands cover m x k, k x n and m x n.
        unsafe { block(m, k, n, alpha, raw, sa, sb, accumulate, n) };
        return;
    }
    let by_rows = m >= n;
    let len = if by_rows { m } else { n };
    let parts = split(0, len, threads);
    // SAFETY: each part is a disjoint block of rows (or columns) of `c`; the
    // offsets stay within the ranges `gemm` checked.
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

/// `c = alpha * a b + beta * c`, where `a` is m x k, `b` is k x n and `c` is
/// a row-major m x n buffer. With `beta == 0` the old contents of `c` are
/// ignored (even NaN).
///
/// ```
/// use tensor_core::kernels::gemm::{gemm, MatRef};
/// let a = [1.0f32, 2.0, 3.0, 4.0]; // 2 x 2
/// let b = [1.0f32, 0.0, 0.0, 1.0];
/// let mut c = [0.0f32; 4];
/// gemm(2, 2, 2, 1.0, MatRef::row_major(&a, 2), MatRef::transposed(&b, 2), 0.0, &mut c);
/// assert_eq!(c, [1.0, 2.0, 3.0, 4.0]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn gemm<E: Num>(
    m: usize,
    k: usize,
    n: usize,
    alpha: E,
    a: MatRef<'_, E>,
    b: MatRef<'_, E>,
    beta: E,
    c: &mut [E],
) {
    assert!(
        fits(&a, m, k) && fits(&b, k, n) && c.len() >= m * n,
        "gemm: operand too small"
    );
    if m == 0 || n == 0 {
        return;
    }
    let c = &mut c[..m * n];
    if k == 0 {
        c.iter_mut()
            .for_each(|x| *x = if beta == E::ZERO { E::ZERO } else { beta * *x });
        return;
    }
    // Blocks accumulate with beta 1 or replace with beta 0: scale first for
    // any other beta.
    let accumulate = beta != E::ZERO;
    if accumulate && beta != E::ONE {
        c.iter_mut().for_each(|x| *x *= beta);
    }
    let t = TypeId::of::<E>();
    if t == TypeId::of::<f32>() {
        // SAFETY: `E` is exactly `f32` here, so these casts are identities.
        let (a, b, c, alpha) = unsafe {
            (
                cast::<E, f32>(a),
                cast::<E, f32>(b),
                &mut *(c as *mut [E] as *mut [f32]),
                *(&alpha as *const E as *const f32),
            )
        };
        if super::skinny::try_gemm(m, k, n, alpha, a, b, accumulate, c) {
            return;
        }
        return fast(m, k, n, alpha, a, b, accumulate, c);
    }
    if t == TypeId::of::<f64>() {
        // SAFETY: `E` is exactly `f64` here.
        let (a, b, c, alpha) = unsafe {
            (
                cast::<E, f64>(a),
                cast::<E, f64>(b),
                &mut *(c as *mut [E] as *mut [f64]),
                *(&alpha as *const E as *const f64),
            )
        };
        return fast(m, k, n, alpha, a, b, accumulate, c);
    }
    reference_gemm(m, k, n, alpha, a, b, beta, c);
}

/// Reinterprets a view of `E` as a view of `T`.
///
/// # Safety
/// `E` and `T` must be the same type.
unsafe fn cast<E, T>(m: MatRef<'_, E>) -> MatRef<'_, T> {
    MatRef {
        data: &*(m.data as *const [E] as *const [T]),
        rs: m.rs,
        cs: m.cs,
    }
}

/// The plain triple loop, the reference every fast path is tested against.
#[allow(clippy::too_many_arguments)]
pub fn reference_gemm<E: Num>(
    m: usize,
    k: usize,
    n: usize,
    alpha: E,
    a: MatRef<'_, E>,
    b: MatRef<'_, E>,
    beta: E,
    c: &mut [E],
) {
    for i in 0..m {
        for j in 0..n {
            let mut acc = E::ZERO;
            for p in 0..k {
                acc += a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
            }
            let old = if beta == E::ZERO {
                E::ZERO
            } else {
                beta * c[i * n + j]
            };
            c[i * n + j] = alpha * acc + old;
        }
    }
}

/// Deterministic test operands for an `m x k` by `k x n` product.
#[cfg(test)]
pub(crate) fn test_operands(m: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
    let a = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
    let b = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
    (a, b)
}

/// The four ways the tests read `a` (`m x k`) and `b` (`k x n`): each
/// row-major or through a transposed view, as `(a transposed, b
/// transposed, a, b)`.
#[cfg(test)]
pub(crate) fn test_layouts<'a>(
    a: &'a [f32],
    b: &'a [f32],
    m: usize,
    k: usize,
    n: usize,
) -> [(bool, bool, MatRef<'a, f32>, MatRef<'a, f32>); 4] {
    [(false, false), (true, false), (false, true), (true, true)].map(|(ta, tb)| {
        let av = if ta {
            MatRef::transposed(a, m)
        } else {
            MatRef::row_major(a, k)
        };
        let bv = if tb {
            MatRef::transposed(b, k)
        } else {
            MatRef::row_major(b, n)
        };
        (ta, tb, av, bv)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_matches_reference_with_transposes_and_accumulate() {
        // Small, and large enough to be split across threads.
        for (m, k, n) in [(7, 13, 5), (300, 130, 200), (40, 200, 700)] {
            check(m, k, n);
        }
    }

    fn check(m: usize, k: usize, n: usize) {
        let (a, b) = test_operands(m, k, n);
        for (_, _, av, bv) in test_layouts(&a, &b, m, k, n) {
            let mut c1 = vec![1.0f32; m * n];
            let mut c2 = c1.clone();
            gemm(m, k, n, 0.5, av, bv, 2.0, &mut c1);
            reference_gemm(m, k, n, 0.5, av, bv, 2.0, &mut c2);
            for (x, y) in c1.iter().zip(&c2) {
                assert!((x - y).abs() < 1e-3, "{x} vs {y}");
            }
        }
    }
}
