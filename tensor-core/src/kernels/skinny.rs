//! Products with one small dimension: a narrow output (`n <= 16`, a
//! classifier's 10 classes) or a thin inner dimension (`k <= 16`, the
//! gradient flowing back from those classes). A general GEMM packs its
//! operands into blocks first, which for these shapes costs about as much as
//! the product; these loops do not.
//!
//! Every loop is register-blocked: a block of the output stays in vector
//! registers for the whole sum over the inner dimension and is written
//! once, and each vector loaded serves several multiply-adds:
//!
//! * narrow output, rows of `a` contiguous (`H W2`): `narrow_rows` keeps
//!   the `n` sums of a row (or of a few rows) in `n` vectors; each chunk of
//!   16 of the row, loaded once, meets the matching chunk of every column
//!   of `b`, which is packed for that (`pack_chunks`). The lanes are added
//!   up at the end.
//! * narrow output, columns of `a` contiguous (`H^T G`): `narrow_cols`
//!   runs the lanes down the rows of the output, `n` sums per lane, and
//!   transposes them on the way out.
//! * thin inner dimension (`G W2^T`): `thin` keeps blocks of rows times
//!   64 columns of the output in registers over the `k` steps, `b` (packed
//!   row-major when it is a transposed view) loaded once per block.
//!
//! The results equal the plain triple loop's up to the order of the
//! additions (and the fused roundings of FMA). The packed copy of `b` is
//! made once per product, before the rows are shared among the threads,
//! into the caller's scratch buffer.
//!
//! The loops are written once, over a vector type (`Lanes`, in the
//! crate-private `simd` module, which says why explicit vectors and how
//! the CPU feature tokens keep them sound), and compiled for AVX-512, AVX2
//! with FMA and plain code, chosen at run time by the CPU; the functions
//! that compile them for each are here.

use super::matmul::Parallelism;
use super::simd::{Isa, Lanes, Portable};
use super::view::MatRef;

/// The largest small dimension handled here.
pub(crate) const MAX: usize = 16;

/// The inner dimension of a narrow product with contiguous rows of `a` is
/// walked in chunks of this many (see [`pack_chunks`]).
const CHUNK: usize = 16;

/// The loop a product takes.
#[derive(Clone, Copy, PartialEq)]
enum Loop {
    /// Narrow output, rows of `a` contiguous: [`narrow_rows`] on `b` packed.
    Rows,
    /// Narrow output, columns of `a` contiguous: [`narrow_cols`].
    Cols,
    /// Thin inner dimension, rows of `b` contiguous: [`thin`].
    Thin,
    /// The same on a transposed copy of `b`.
    ThinPacked,
}

/// `c = alpha a b (+ c when accumulate)` if the shapes and layouts suit one
/// of the loops here; returns false (doing nothing) otherwise. `c` is
/// row-major `m x n`; `a` and `b` are `m x k` and `k x n` (checked by the
/// caller, as the views were when made); `packed` is the caller's scratch.
#[allow(clippy::too_many_arguments)]
pub(crate) fn try_gemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    accumulate: bool,
    c: &mut [f32],
    par: Parallelism,
    packed: &mut Vec<f32>,
) -> bool {
    let isa = Isa::detect();
    try_gemm_on(isa, m, k, n, alpha, a, b, accumulate, c, par, packed)
}

/// [`try_gemm`] with the vector instructions `isa`.
#[allow(clippy::too_many_arguments)]
fn try_gemm_on(
    isa: Isa,
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    accumulate: bool,
    c: &mut [f32],
    par: Parallelism,
    packed: &mut Vec<f32>,
) -> bool {
    let narrow = n <= MAX && b.cs == 1 && (a.cs == 1 || a.rs == 1);
    let thin_inner = k <= MAX && n >= MAX && (b.cs == 1 || b.rs == 1);
    let path = match (narrow, thin_inner) {
        (true, _) if a.cs == 1 => Loop::Rows,
        (true, _) => Loop::Cols,
        (false, true) if b.cs == 1 => Loop::Thin,
        (false, true) => Loop::ThinPacked,
        (false, false) => return false,
    };
    if m == 0 || n == 0 {
        return true;
    }
    // The packed copy is made once, by the calling thread, and read by all.
    let packs = matches!(path, Loop::Rows | Loop::ThinPacked);
    let mut bp: &[f32] = &[];
    if packs {
        let len = match path {
            Loop::Rows => k.div_ceil(CHUNK) * n * CHUNK,
            _ => k * n,
        };
        // Aligned to the cache lines (the vectors of AVX-512), with slack
        // for it: loads across two lines cost two. The packers write every
        // element.
        packed.resize(len + MAX, 0.0);
        let at = packed.as_ptr().align_offset(64).min(MAX);
        pack(isa, path, k, n, b, &mut packed[at..at + len]);
        bp = &packed[at..at + len];
    }
    let tasks = par.tasks();
    // Rows `i0..i0 + rows` of the product into `c` (those rows of the output).
    let run = |i0: usize, rows: usize, c: &mut [f32]| match path {
        Loop::Rows => narrow_rows(
            isa,
            Narrow {
                m: rows,
                k,
                alpha,
                a: &a.data[i0 * a.rs..],
                sa: a.rs,
                b: bp,
                sb: 0,
                accumulate,
            },
            n,
            c,
        ),
        Loop::Cols => narrow_cols(
            isa,
            Narrow {
                m: rows,
                k,
                alpha,
                a: &a.data[i0..],
                sa: a.cs,
                b: b.data,
                sb: b.rs,
                accumulate,
            },
            n,
            c,
        ),
        Loop::Thin | Loop::ThinPacked => {
            let (b, ldb) = if path == Loop::Thin {
                (b.data, b.rs)
            } else {
                (bp, n)
            };
            thin(
                isa,
                Thin {
                    m: rows,
                    k,
                    n,
                    alpha,
                    a: &a.data[i0 * a.rs..],
                    rsa: a.rs,
                    csa: a.cs,
                    b,
                    ldb,
                    accumulate,
                },
                c,
            )
        }
    };
    split_rows(0, m, n, m * n * k, tasks, &mut c[..m * n], &run);
    true
}

/// Runs `f` on halves of the rows on the kernel threads while the work is
/// large enough to pay for it (by `rayon::join`, which allocates nothing),
/// in at most `tasks` parts (each half gets half of them), so that at most
/// `tasks` threads ever hold a part.
fn split_rows(
    i0: usize,
    rows: usize,
    n: usize,
    work: usize,
    tasks: usize,
    c: &mut [f32],
    f: &(impl Fn(usize, usize, &mut [f32]) + Sync),
) {
    if rows < 32 || work < (1 << 17) || tasks <= 1 {
        return f(i0, rows, c);
    }
    let half = rows / 2;
    let (top, bottom) = c.split_at_mut(half * n);
    let (lt, rt) = (tasks / 2, tasks - tasks / 2);
    rayon::join(
        || split_rows(i0, half, n, work / 2, lt, top, f),
        || split_rows(i0 + half, rows - half, n, work / 2, rt, bottom, f),
    );
}

/// Packs `b` as the loop `path` reads it (for [`Loop::Rows`] and
/// [`Loop::ThinPacked`]; the others read `b` in place).
fn pack(isa: Isa, path: Loop, k: usize, n: usize, b: MatRef<'_, f32>, out: &mut [f32]) {
    match isa {
        // SAFETY: the token `t` proves the CPU has AVX-512F.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512(t) => unsafe { x86::pack_avx512(t, path, k, n, b, out) },
        // SAFETY: the token `t` proves the CPU has AVX2 and FMA.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2(t) if gathers(b) => unsafe { x86::pack_avx2(t, path, k, n, b, out) },
        _ => pack_with::<Portable>(plain(), path, k, n, b, out),
    }
}

/// The plain-code token (always available).
fn plain() -> <Portable as Lanes>::Token {
    match Isa::available(super::simd::IsaKind::Portable) {
        Some(Isa::Portable(t)) => t,
        _ => unreachable!("plain code is always available"),
    }
}

/// Whether the vector gathers, which take 32-bit indices, up to `MAX`
/// strides, can read `b`.
#[cfg(target_arch = "x86_64")]
fn gathers(b: MatRef<'_, f32>) -> bool {
    b.rs.max(b.cs) <= i32::MAX as usize / MAX
}

/// [`pack`] on vectors `V`.
#[inline(always)]
fn pack_with<V: Lanes>(
    t: V::Token,
    path: Loop,
    k: usize,
    n: usize,
    b: MatRef<'_, f32>,
    out: &mut [f32],
) {
    match path {
        Loop::Rows => pack_chunks::<V>(t, k, n, b.data, b.rs, out),
        Loop::ThinPacked => pack_transposed::<V>(t, k, n, b.data, b.cs, out),
        Loop::Cols | Loop::Thin => {}
    }
}

/// `b` (`k x n`, rows `ldb` apart) transposed into `out` by chunks of the
/// inner dimension: chunk `q` holds, for each column `j` in turn, the
/// `CHUNK` values `b[CHUNK q + l, j]` (`l < CHUNK`), except that the last
/// chunk holds the last `CHUNK` values of the columns, with zeros where
/// they repeat the chunk before (and where `k < CHUNK` leaves no value). So
/// the loop loads every chunk of a row of `a` whole and from within the
/// row, each product counts once, and the `n` pieces of `b` a chunk of `a`
/// meets are adjacent.
#[inline(always)]
fn pack_chunks<V: Lanes>(t: V::Token, k: usize, n: usize, b: &[f32], ldb: usize, out: &mut [f32]) {
    let chunks = k.div_ceil(CHUNK);
    for (q, chunk) in out.chunks_exact_mut(n * CHUNK).enumerate() {
        // The first row of `b` in the chunk, and the lanes `from..to` that
        // hold values.
        let (off, from, to) = if q + 1 < chunks {
            (q * CHUNK, 0, CHUNK)
        } else if k >= CHUNK {
            (k - CHUNK, q * CHUNK - (k - CHUNK), CHUNK)
        } else {
            (0, 0, k)
        };
        for (j, piece) in chunk.chunks_exact_mut(CHUNK).enumerate() {
            let mut h = 0;
            while h < CHUNK {
                let v = if h < to {
                    V::gather(
                        t,
                        &b[(off + h) * ldb + j..],
                        ldb,
                        from.saturating_sub(h),
                        to - h,
                    )
                } else {
                    V::zero(t)
                };
                v.store(&mut piece[h..]);
                h += V::LEN;
            }
        }
    }
}

/// `b` (`k x n`, columns contiguous and `ldt` apart) copied row-major into
/// `out`.
#[inline(always)]
fn pack_transposed<V: Lanes>(
    t: V::Token,
    k: usize,
    n: usize,
    b: &[f32],
    ldt: usize,
    out: &mut [f32],
) {
    for (p, row) in out[..k * n].chunks_exact_mut(n).enumerate() {
        for (j0, piece) in (0..n).step_by(V::LEN).zip(row.chunks_mut(V::LEN)) {
            V::gather(t, &b[j0 * ldt + p..], ldt, 0, piece.len()).store_part(piece);
        }
    }
}

/// The operands of a narrow product (`n <= MAX` columns of output).
#[derive(Clone, Copy)]
struct Narrow<'a> {
    /// Rows of the output.
    m: usize,
    /// The inner dimension.
    k: usize,
    alpha: f32,
    /// `a`, with `sa` between rows ([`narrow_rows`]) or between columns
    /// ([`narrow_cols`]); the other stride is 1.
    a: &'a [f32],
    sa: usize,
    /// `b` packed by [`pack_chunks`] ([`narrow_rows`]), or row-major with
    /// `sb` between rows ([`narrow_cols`]).
    b: &'a [f32],
    sb: usize,
    /// Add to `c` instead of overwriting it.
    accumulate: bool,
}

/// The operands of a product with a thin inner dimension (`k <= MAX`).
#[derive(Clone, Copy)]
struct Thin<'a> {
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    /// `a[i, p]` is `a[i rsa + p csa]`.
    a: &'a [f32],
    rsa: usize,
    csa: usize,
    /// Row-major, `ldb` between rows.
    b: &'a [f32],
    ldb: usize,
    accumulate: bool,
}

/// Calls `$f::<N, R>($x, $c)` for `N == $n` output columns and `R` blocks
/// of rows sharing each load of `b`, from a table:
///
/// * `rows_wide` ([`narrow_rows`] on AVX-512): one row (`R = 1`) from 8
///   columns up. A chunk of the row loaded once already serves `N`
///   multiply-adds, each reading its piece of `b` from memory, and that
///   runs at the multiply-add units' pace; more rows gain nothing, and past
///   about 20 sums the compiler stores some of them at every step. Fewer
///   columns take more rows, for at least 8 independent sums.
/// * `cols_wide` ([`narrow_cols`] on AVX-512): up to 24 sums, for the `N`
///   values of `b` broadcast at each step are shared by the `R` vectors of
///   `a`.
/// * `narrow` (16 registers: AVX2 and plain code): about 12 sums.
macro_rules! by_columns {
    (rows_wide, $f:ident, $t:expr, $n:expr, $x:expr, $c:expr) => {
        by_columns!(@arms $f, $t, $n, $x, $c,
            (1 8) (2 4) (3 3) (4 2) (5 2) (6 2) (7 2) (8 1)
            (9 1) (10 1) (11 1) (12 1) (13 1) (14 1) (15 1) (16 1))
    };
    (cols_wide, $f:ident, $t:expr, $n:expr, $x:expr, $c:expr) => {
        by_columns!(@arms $f, $t, $n, $x, $c,
            (1 4) (2 4) (3 4) (4 4) (5 4) (6 4) (7 3) (8 3)
            (9 2) (10 2) (11 2) (12 2) (13 1) (14 1) (15 1) (16 1))
    };
    (narrow, $f:ident, $t:expr, $n:expr, $x:expr, $c:expr) => {
        by_columns!(@arms $f, $t, $n, $x, $c,
            (1 4) (2 4) (3 3) (4 2) (5 2) (6 2) (7 1) (8 1)
            (9 1) (10 1) (11 1) (12 1) (13 1) (14 1) (15 1) (16 1))
    };
    (@arms $f:ident, $t:expr, $n:expr, $x:expr, $c:expr, $(($nn:literal $r:literal))*) => {
        match $n {
            $($nn => $f::<$nn, $r>($t, $x, $c),)*
            _ => unreachable!("a narrow product has 1 to {} columns", $crate::kernels::skinny::MAX),
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The loops compiled for AVX-512 and AVX2.
    //!
    //! Safety: each function here enables the features its token argument
    //! proves the CPU has; the callers pass a token from detection.

    use super::{cols_n, pack_with, rows_n, thin_rows, Lanes, Loop, MatRef, Narrow, Thin, CHUNK};
    use crate::kernels::simd::{transpose, Avx2Fma, Avx512, Ymm, Zmm};

    /// [`rows_n`] on [`Zmm`], compiled apart for each width.
    #[target_feature(enable = "avx512f")]
    #[inline(never)]
    fn rows_zmm<const N: usize, const R: usize>(t: Avx512, x: Narrow<'_>, c: &mut [f32]) {
        rows_n::<Zmm, N, R>(t, x, c)
    }

    /// [`cols_n`] on [`Zmm`], compiled apart for each width.
    #[target_feature(enable = "avx512f")]
    #[inline(never)]
    fn cols_zmm<const N: usize, const R: usize>(t: Avx512, x: Narrow<'_>, c: &mut [f32]) {
        cols_n::<Zmm, N, R>(t, x, c)
    }

    /// [`rows_n`] on [`Ymm`], compiled apart for each width.
    #[target_feature(enable = "avx2,fma")]
    #[inline(never)]
    fn rows_ymm<const N: usize, const R: usize>(t: Avx2Fma, x: Narrow<'_>, c: &mut [f32]) {
        rows_n::<Ymm, N, R>(t, x, c)
    }

    /// [`cols_n`] on [`Ymm`], compiled apart for each width.
    #[target_feature(enable = "avx2,fma")]
    #[inline(never)]
    fn cols_ymm<const N: usize, const R: usize>(t: Avx2Fma, x: Narrow<'_>, c: &mut [f32]) {
        cols_n::<Ymm, N, R>(t, x, c)
    }

    /// [`super::pack`] by 16 x 16 transposes in registers (a gather per
    /// vector is several times slower on AMD's cores).
    #[target_feature(enable = "avx512f")]
    pub(super) fn pack_avx512(
        t: Avx512,
        path: Loop,
        k: usize,
        n: usize,
        b: MatRef<'_, f32>,
        out: &mut [f32],
    ) {
        match path {
            Loop::Rows => pack_chunks(t, k, n, b.data, b.rs, out),
            Loop::ThinPacked => pack_transposed(t, k, n, b.data, b.cs, out),
            Loop::Cols | Loop::Thin => {}
        }
    }

    /// [`super::pack_chunks`] (the same layout).
    #[inline(always)]
    fn pack_chunks(t: Avx512, k: usize, n: usize, b: &[f32], ldb: usize, out: &mut [f32]) {
        let chunks = k.div_ceil(CHUNK);
        for (q, chunk) in out.chunks_exact_mut(n * CHUNK).enumerate() {
            // The first row of `b` in the chunk, and the rows `from..to` of
            // the chunk that hold values.
            let (off, from, to) = if q + 1 < chunks {
                (q * CHUNK, 0, CHUNK)
            } else if k >= CHUNK {
                (k - CHUNK, q * CHUNK - (k - CHUNK), CHUNK)
            } else {
                (0, 0, k)
            };
            let mut r = [Zmm::zero(t); 16];
            if (from, to) == (0, CHUNK) {
                // (A fixed count: the rows stay in registers.)
                for (l, r) in r.iter_mut().enumerate() {
                    let at = (off + l) * ldb;
                    *r = Zmm::load_part(t, &b[at..at + n]);
                }
            } else {
                for (l, r) in r.iter_mut().enumerate().take(to).skip(from) {
                    let at = (off + l) * ldb;
                    *r = Zmm::load_part(t, &b[at..at + n]);
                }
            }
            let tr = transpose(r);
            for (v, piece) in tr.iter().zip(chunk.chunks_exact_mut(CHUNK)) {
                v.store(piece);
            }
        }
    }

    /// [`super::pack_transposed`].
    #[inline(always)]
    fn pack_transposed(t: Avx512, k: usize, n: usize, b: &[f32], ldt: usize, out: &mut [f32]) {
        for j0 in (0..n).step_by(16) {
            let w = (n - j0).min(16);
            let mut r = [Zmm::zero(t); 16];
            for (l, r) in r.iter_mut().enumerate().take(w) {
                let at = (j0 + l) * ldt;
                *r = Zmm::load_part(t, &b[at..at + k]);
            }
            let tr = transpose(r);
            for (p, v) in tr.iter().enumerate().take(k) {
                v.store_part(&mut out[p * n + j0..p * n + j0 + w]);
            }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn pack_avx2(
        t: Avx2Fma,
        path: Loop,
        k: usize,
        n: usize,
        b: MatRef<'_, f32>,
        out: &mut [f32],
    ) {
        pack_with::<Ymm>(t, path, k, n, b, out)
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn narrow_rows_avx512(t: Avx512, x: Narrow<'_>, n: usize, c: &mut [f32]) {
        by_columns!(rows_wide, rows_zmm, t, n, x, c)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn narrow_rows_avx2(t: Avx2Fma, x: Narrow<'_>, n: usize, c: &mut [f32]) {
        by_columns!(narrow, rows_ymm, t, n, x, c)
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn narrow_cols_avx512(t: Avx512, x: Narrow<'_>, n: usize, c: &mut [f32]) {
        by_columns!(cols_wide, cols_zmm, t, n, x, c)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn narrow_cols_avx2(t: Avx2Fma, x: Narrow<'_>, n: usize, c: &mut [f32]) {
        by_columns!(narrow, cols_ymm, t, n, x, c)
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn thin_avx512(t: Avx512, x: Thin<'_>, c: &mut [f32]) {
        // 4 x 4 accumulators, 4 pieces of `b`: 20 of the 32 registers.
        thin_rows::<Zmm, 4, 4>(t, &x, c)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn thin_avx2(t: Avx2Fma, x: Thin<'_>, c: &mut [f32]) {
        // 2 x 4 accumulators, 4 pieces of `b`: 12 of the 16 registers.
        thin_rows::<Ymm, 2, 4>(t, &x, c)
    }
}

/// [`rows_n`] on [`Portable`] vectors.
fn rows_portable<const N: usize, const R: usize>(
    t: <Portable as Lanes>::Token,
    x: Narrow<'_>,
    c: &mut [f32],
) {
    rows_n::<Portable, N, R>(t, x, c)
}

/// [`cols_n`] on [`Portable`] vectors.
fn cols_portable<const N: usize, const R: usize>(
    t: <Portable as Lanes>::Token,
    x: Narrow<'_>,
    c: &mut [f32],
) {
    cols_n::<Portable, N, R>(t, x, c)
}

/// `c[i, j] = alpha dot(a[i, :], b[:, j])` (`+ c` when accumulating) with
/// rows of `a` contiguous and `b` packed by [`pack_chunks`]: for each block
/// of rows, the `n` sums of each row run in vector registers over the
/// chunks of the rows, each chunk of `b` loaded once for the block; the
/// lanes are added up at the end.
fn narrow_rows(isa: Isa, x: Narrow<'_>, n: usize, c: &mut [f32]) {
    match isa {
        // SAFETY: the token `t` proves the CPU has AVX-512F.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512(t) => unsafe { x86::narrow_rows_avx512(t, x, n, c) },
        // SAFETY: the token `t` proves the CPU has AVX2 and FMA.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2(t) => unsafe { x86::narrow_rows_avx2(t, x, n, c) },
        Isa::Portable(t) => by_columns!(narrow, rows_portable, t, n, x, c),
    }
}

/// [`narrow_rows`] for `N` columns, `R` rows at a time.
#[inline(always)]
fn rows_n<V: Lanes, const N: usize, const R: usize>(t: V::Token, x: Narrow<'_>, c: &mut [f32]) {
    let mut i = 0;
    while i + R <= x.m {
        rows_block::<V, N, R>(t, i, &x, c);
        i += R;
    }
    while i < x.m {
        rows_block::<V, N, 1>(t, i, &x, c);
        i += 1;
    }
}

/// Rows `i..i + R` of [`narrow_rows`].
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn rows_block<V: Lanes, const N: usize, const R: usize>(
    t: V::Token,
    i: usize,
    x: &Narrow<'_>,
    c: &mut [f32],
) {
    let k = x.k;
    let chunks = k.div_ceil(CHUNK);
    let body = chunks.saturating_sub(1);
    // The chunks of `b` for `N` columns at a time.
    let packed = x.b.as_chunks::<CHUNK>().0.as_chunks::<N>().0;
    let mut rows: [&[f32]; R] = [&[]; R];
    let mut whole: [&[[f32; CHUNK]]; R] = [&[]; R];
    for r in 0..R {
        rows[r] = &x.a[(i + r) * x.sa..(i + r) * x.sa + k];
        whole[r] = &rows[r].as_chunks::<CHUNK>().0[..body];
    }
    let mut acc = [[V::zero(t); N]; R];
    // Every chunk but the last, read in place.
    for (q, bq) in packed[..body].iter().enumerate() {
        let mut aq: [&[f32]; R] = [&[]; R];
        for r in 0..R {
            aq[r] = &whole[r][q];
        }
        chunk_product(t, &mut acc, &aq, (0, CHUNK), bq);
    }
    if chunks > 0 {
        // The last chunk ends at the end of the rows (see `pack_chunks`).
        // Its first lanes repeat the chunk before: they are left out, read
        // as zeros (as `b` holds zeros there), since a value times zero
        // would turn an infinite value into NaN. Rows shorter than a chunk
        // fill its first lanes. (Read in place: a copy would call `memcpy`,
        // and around a call the sums leave the registers.)
        let mut aq: [&[f32]; R] = [&[]; R];
        for r in 0..R {
            aq[r] = &rows[r][k.saturating_sub(CHUNK)..];
        }
        let lanes = if k >= CHUNK {
            (chunks * CHUNK - k, CHUNK)
        } else {
            (0, k)
        };
        chunk_product(t, &mut acc, &aq, lanes, &packed[body]);
    }
    for (r, acc) in acc.iter().enumerate() {
        V::reduce(
            acc,
            x.alpha,
            &mut c[(i + r) * N..(i + r + 1) * N],
            x.accumulate,
        );
    }
}

/// `acc[r][j] += a[r] * b[j]` lane by lane, over a chunk, of which only
/// lanes `from..to` of `a` count (the others are taken as zeros, not read).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn chunk_product<V: Lanes, const N: usize, const R: usize>(
    t: V::Token,
    acc: &mut [[V; N]; R],
    a: &[&[f32]; R],
    (from, to): (usize, usize),
    b: &[[f32; CHUNK]; N],
) {
    let mut h = 0;
    while h < CHUNK {
        let mut av = [V::zero(t); R];
        for r in 0..R {
            av[r] = if from <= h && h + V::LEN <= to {
                V::load(t, &a[r][h..])
            } else {
                V::load_range(
                    t,
                    &a[r][h.min(to)..],
                    from.saturating_sub(h),
                    to.saturating_sub(h),
                )
            };
        }
        for j in 0..N {
            let bv = V::load(t, &b[j][h..]);
            for r in 0..R {
                acc[r][j] = av[r].mul_add(bv, acc[r][j]);
            }
        }
        h += V::LEN;
    }
}

/// [`narrow_rows`] with columns of `a` contiguous (a transposed view): the
/// vector lanes run along the rows of the output. For each block of rows
/// and each `p`, a loaded piece of column `p` of `a` is multiplied by each
/// of the `n` values of row `p` of `b`, and the `n` sums of each lane stay
/// in registers over all `p`.
fn narrow_cols(isa: Isa, x: Narrow<'_>, n: usize, c: &mut [f32]) {
    match isa {
        // SAFETY: the token `t` proves the CPU has AVX-512F.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512(t) => unsafe { x86::narrow_cols_avx512(t, x, n, c) },
        // SAFETY: the token `t` proves the CPU has AVX2 and FMA.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2(t) => unsafe { x86::narrow_cols_avx2(t, x, n, c) },
        Isa::Portable(t) => by_columns!(narrow, cols_portable, t, n, x, c),
    }
}

/// [`narrow_cols`] for `N` columns, `R` vectors of rows at a time.
#[inline(always)]
fn cols_n<V: Lanes, const N: usize, const R: usize>(t: V::Token, x: Narrow<'_>, c: &mut [f32]) {
    let (m, w) = (x.m, V::LEN);
    let mut i = 0;
    while i + R * w <= m {
        cols_block::<V, N, R, false>(t, i, &x, c);
        i += R * w;
    }
    while i + w <= m {
        cols_block::<V, N, 1, false>(t, i, &x, c);
        i += w;
    }
    if i < m {
        cols_block::<V, N, 1, true>(t, i, &x, c);
    }
}

/// Rows `i0..(i0 + R LEN).min(m)` of [`narrow_cols`]; `PART` when fewer
/// than `LEN` rows are left.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn cols_block<V: Lanes, const N: usize, const R: usize, const PART: bool>(
    t: V::Token,
    i0: usize,
    x: &Narrow<'_>,
    c: &mut [f32],
) {
    let rows = if PART { x.m - i0 } else { R * V::LEN };
    let mut acc = [[V::zero(t); N]; R];
    for p in 0..x.k {
        let mut av = [V::zero(t); R];
        for r in 0..R {
            let at = p * x.sa + i0 + r * V::LEN;
            av[r] = if PART {
                V::load_part(t, &x.a[at..at + rows])
            } else {
                V::load(t, &x.a[at..])
            };
        }
        let brow: &[f32; N] = x.b[p * x.sb..p * x.sb + N].try_into().unwrap();
        for j in 0..N {
            let bv = V::splat(t, brow[j]);
            for r in 0..R {
                acc[r][j] = av[r].mul_add(bv, acc[r][j]);
            }
        }
    }
    // The sums run down the columns of `c`: transposed.
    for (r, acc) in acc.iter().enumerate() {
        let i = i0 + r * V::LEN;
        let lanes = V::LEN.min(rows - r * V::LEN);
        V::store_transposed(
            acc,
            x.alpha,
            &mut c[i * N..(i + lanes) * N],
            lanes,
            x.accumulate,
        );
    }
}

/// `c[i, :] = alpha sum_p a[i, p] b[p, :]` (`+ c` when accumulating) for a
/// small `k`: blocks of rows times blocks of columns, the block's sums in
/// registers over all `p`, each loaded piece of `b` used for every row of
/// the block.
fn thin(isa: Isa, x: Thin<'_>, c: &mut [f32]) {
    match isa {
        // SAFETY: the token `t` proves the CPU has AVX-512F.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512(t) => unsafe { x86::thin_avx512(t, x, c) },
        // SAFETY: the token `t` proves the CPU has AVX2 and FMA.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2(t) => unsafe { x86::thin_avx2(t, x, c) },
        Isa::Portable(t) => thin_rows::<Portable, 2, 4>(t, &x, c),
    }
}

/// [`thin`], `R` rows at a time, `C` vectors of columns.
#[inline(always)]
fn thin_rows<V: Lanes, const R: usize, const C: usize>(t: V::Token, x: &Thin<'_>, c: &mut [f32]) {
    let mut i = 0;
    while i + R <= x.m {
        thin_cols::<V, R, C>(t, i, x, c);
        i += R;
    }
    while i < x.m {
        thin_cols::<V, 1, C>(t, i, x, c);
        i += 1;
    }
}

/// Rows `i..i + R` of [`thin`], by blocks of `C LEN` columns, then `LEN`.
#[inline(always)]
fn thin_cols<V: Lanes, const R: usize, const C: usize>(
    t: V::Token,
    i: usize,
    x: &Thin<'_>,
    c: &mut [f32],
) {
    // The rows of `a` times `alpha`, gathered once for all the blocks of
    // columns.
    let mut a = [[0.0f32; MAX]; R];
    for (r, a) in a.iter_mut().enumerate() {
        for (p, a) in a.iter_mut().enumerate().take(x.k) {
            *a = x.alpha * x.a[(i + r) * x.rsa + p * x.csa];
        }
    }
    let (n, w) = (x.n, V::LEN);
    let mut j = 0;
    while j + C * w <= n {
        thin_block::<V, R, C, false>(t, i, j, &a, x, c);
        j += C * w;
    }
    while j + w <= n {
        thin_block::<V, R, 1, false>(t, i, j, &a, x, c);
        j += w;
    }
    if j < n {
        thin_block::<V, R, 1, true>(t, i, j, &a, x, c);
    }
}

/// Rows `i..i + R`, columns `j0..(j0 + C LEN).min(n)` of [`thin`], with
/// `a` those rows of `alpha a`; `PART` when fewer than `LEN` columns are
/// left.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn thin_block<V: Lanes, const R: usize, const C: usize, const PART: bool>(
    t: V::Token,
    i: usize,
    j0: usize,
    a: &[[f32; MAX]; R],
    x: &Thin<'_>,
    c: &mut [f32],
) {
    let cols = if PART { x.n - j0 } else { C * V::LEN };
    let mut acc = [[V::zero(t); C]; R];
    for p in 0..x.k.min(MAX) {
        let at = p * x.ldb + j0;
        let brow = &x.b[at..at + cols];
        let mut bv = [V::zero(t); C];
        for v in 0..C {
            bv[v] = if PART {
                V::load_part(t, brow)
            } else {
                V::load(t, &brow[v * V::LEN..])
            };
        }
        for r in 0..R {
            let s = V::splat(t, a[r][p]);
            for v in 0..C {
                acc[r][v] = s.mul_add(bv[v], acc[r][v]);
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        let at = (i + r) * x.n + j0;
        let row = &mut c[at..at + cols];
        for (v, &s) in acc.iter().enumerate() {
            let out = &mut row[v * V::LEN..];
            if PART {
                let s = if x.accumulate {
                    s.add(V::load_part(t, out))
                } else {
                    s
                };
                s.store_part(out)
            } else {
                let s = if x.accumulate {
                    s.add(V::load(t, out))
                } else {
                    s
                };
                s.store(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::simd::all_isas as isas;
    use crate::kernels::testing::{layouts as test_layouts, operands as test_operands, reference};

    /// `Threads(n)` cuts the rows into at most `n` parts, the rows covered
    /// once each; all the kernel threads (an unbounded count of tasks)
    /// into as many as pay (halves of fewer than 32 rows are not cut).
    #[test]
    fn a_bounded_count_of_tasks_bounds_the_parts() {
        use std::sync::Mutex;
        let (rows, n) = (1024, 10);
        for (tasks, most) in [(1, 1), (2, 2), (3, 3), (usize::MAX, 64)] {
            let parts = Mutex::new(Vec::new());
            let mut c = vec![0.0f32; rows * n];
            split_rows(
                0,
                rows,
                n,
                1 << 30,
                tasks,
                &mut c,
                &|i0, r, c: &mut [f32]| {
                    assert_eq!(c.len(), r * n);
                    parts.lock().unwrap().push((i0, r));
                },
            );
            let mut parts = parts.into_inner().unwrap();
            parts.sort();
            assert_eq!(parts.len(), most, "{tasks} tasks: {parts:?}");
            let mut next = 0;
            for (i0, r) in parts {
                assert_eq!(i0, next);
                next += r;
            }
            assert_eq!(next, rows);
        }
    }

    /// Every layout of `a` and `b`, replacing and accumulating, on every
    /// instruction set the CPU has, against
    /// `reference_gemm`; returns how many of the layouts took a skinny loop.
    fn check(m: usize, k: usize, n: usize) -> usize {
        let (a, b) = test_operands(m, k, n);
        let mut taken = 0;
        for isa in isas() {
            for (ta, tb, av, bv) in test_layouts(&a, &b, m, k, n) {
                for accumulate in [false, true] {
                    let mut got = vec![if accumulate { 0.5 } else { f32::NAN }; m * n];
                    let par = Parallelism::Rayon;
                    let mut pack = Vec::new();
                    if !try_gemm_on(
                        isa, m, k, n, 0.75, av, bv, accumulate, &mut got, par, &mut pack,
                    ) {
                        continue;
                    }
                    taken += 1;
                    let mut want = vec![0.5f32; m * n];
                    reference(av, bv, 0.75, &mut want, accumulate);
                    for (e, (x, y)) in got.iter().zip(&want).enumerate() {
                        assert!(
                        (x - y).abs() < 1e-3,
                        "{isa:?} {m}x{k}x{n} ta {ta} tb {tb} acc {accumulate} at {e}: {x} vs {y}"
                    );
                    }
                }
            }
        }
        taken
    }

    #[test]
    fn every_skinny_layout_matches_the_reference() {
        // The MNIST network's three small products, transposed views included.
        for (m, k, n) in [
            (128, 512, 10),
            (512, 128, 10),
            (128, 10, 512),
            (96, 512, 10),
            (512, 96, 10),
            (96, 10, 512),
            (5, 3, 17),
            (7, 16, 16),
        ] {
            assert!(check(m, k, n) > 0, "{m}x{k}x{n}");
        }
    }

    #[test]
    fn narrow_outputs_of_every_width_and_odd_sizes_match() {
        // Every column count (each has its own blocking), inner dimensions
        // shorter than, equal to and between chunks, and row counts that
        // leave partial blocks of rows and of vector lanes.
        for n in 1..=MAX {
            for k in [1, 5, 15, 16, 17, 37, 64] {
                for m in [1, 2, 3, 7, 15, 16, 17, 33, 50, 67] {
                    // Both narrow layouts of `a`, whatever `b`.
                    assert!(check(m, k, n) >= 4 * isas().len(), "{m}x{k}x{n}");
                }
            }
        }
    }

    #[test]
    fn thin_inner_dimensions_of_every_size_and_odd_widths_match() {
        for k in 1..=MAX {
            for n in [16, 17, 24, 31, 40, 64, 65, 100, 131] {
                for m in [1, 2, 3, 4, 5, 9] {
                    assert!(check(m, k, n) >= 8 * isas().len(), "{m}x{k}x{n}");
                }
            }
        }
    }

    #[test]
    fn padded_strides_and_infinities_match() {
        // Operands inside larger buffers (strides longer than the rows), and
        // an infinity in `a`: where the last chunk of a row overlaps the one
        // before, it must count once (infinite), not turn into NaN.
        for (m, k, n) in [
            (37, 20, 10),
            (9, 33, 3),
            (20, 5, 16),
            (33, 10, 40),
            (5, 16, 70),
        ] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let (pa, pb) = (3, 5);
                // Stored as `ca` rows of `ra + pa` (`a` or its transpose).
                let (ra, ca) = if ta { (m, k) } else { (k, m) };
                let (rb, cb) = if tb { (k, n) } else { (n, k) };
                let mut a: Vec<f32> = (0..ca * (ra + pa))
                    .map(|i| (i as f32 * 0.37).sin())
                    .collect();
                let b: Vec<f32> = (0..cb * (rb + pb))
                    .map(|i| 0.5 + (i as f32 * 0.11).cos().abs())
                    .collect();
                let at = |i: usize, p: usize| {
                    if ta {
                        p * (m + pa) + i
                    } else {
                        i * (k + pa) + p
                    }
                };
                for i in (0..m).step_by(4) {
                    a[at(i, k.saturating_sub(CHUNK + 1).max(k / 2))] = f32::INFINITY;
                }
                let av = if ta {
                    MatRef::new(&a, m, k, 1, m + pa).unwrap()
                } else {
                    MatRef::new(&a, m, k, k + pa, 1).unwrap()
                };
                let bv = if tb {
                    MatRef::new(&b, k, n, 1, k + pb).unwrap()
                } else {
                    MatRef::new(&b, k, n, n + pb, 1).unwrap()
                };
                let mut want = vec![0.0f32; m * n];
                reference(av, bv, 1.0, &mut want, false);
                for isa in isas() {
                    let mut got = vec![f32::NAN; m * n];
                    let (par, mut pack) = (Parallelism::Rayon, Vec::new());
                    if !try_gemm_on(isa, m, k, n, 1.0, av, bv, false, &mut got, par, &mut pack) {
                        continue;
                    }
                    for (e, (x, y)) in got.iter().zip(&want).enumerate() {
                        let same = if y.is_finite() {
                            (x - y).abs() < 1e-3
                        } else {
                            x == y
                        };
                        assert!(
                            same,
                            "{isa:?} {m}x{k}x{n} ta {ta} tb {tb} at {e}: {x} vs {y}"
                        );
                    }
                }
            }
        }
    }
}
