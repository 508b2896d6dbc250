//! The one front door of every matrix product: [`matmul`].
//!
//! `dst = alpha lhs rhs` (or `dst += alpha lhs rhs`), where the operands are
//! views that carry their sizes and strides ([`MatRef`], [`MatMut`]), the
//! left one possibly stored as sparse tiles ([`Lhs`]); parallelism is an
//! argument; the packing buffers come from a caller-owned [`Scratch`]. The
//! function alone picks the kernel ([`Route`]):
//!
//! * `f32` with a dimension of 16 (`skinny::MAX`) or less
//!   (a classifier's 10 outputs): the register-blocked skinny loops;
//! * other `f32` products: the dense kernel (the packed kernel, into the
//!   scratch's buffers, split over the kernel threads);
//! * a left operand in sparse tiles (see [`SparseLhs`], whose `prepare`
//!   asks a [`SparsePolicy`](super::SparsePolicy) whether tiles pay): the
//!   sparse kernels;
//! * `f64`: `matrixmultiply`; any other element type: the plain loop.

use super::dense;
use super::skinny;
use super::sparse::{Copies, SparseLhs};
use super::view::{MatMut, MatRef};
use crate::dtype::{downcast_slice as downcast, downcast_slice_mut as downcast_mut, Num};
use core::fmt;
use core::num::NonZeroUsize;

/// Whether a product replaces the output or adds to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accum {
    /// `dst = alpha lhs rhs`; the old contents (even NaN) are ignored.
    Replace,
    /// `dst += alpha lhs rhs`.
    Add,
}

/// How many threads a product may use.
///
/// ```
/// use shaped_core::kernels::Parallelism;
/// use std::num::NonZeroUsize;
/// // The default: all the kernel threads.
/// assert_eq!(Parallelism::default(), Parallelism::Rayon);
/// // At most two of them; `None` and `Threads(1)` keep the work on the
/// // calling thread.
/// let two = Parallelism::Threads(NonZeroUsize::new(2).unwrap());
/// assert!(two.threads() <= 2);
/// assert_eq!(Parallelism::None.threads(), 1);
/// assert_eq!(Parallelism::threads_or_all(1), Parallelism::Threads(NonZeroUsize::MIN));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Parallelism {
    /// The calling thread alone.
    None,
    /// The kernel threads (see [`set_threads`](super::set_threads)), when
    /// the product is large enough to pay for splitting it.
    #[default]
    Rayon,
    /// At most this many of the kernel threads (the calling thread
    /// counting as one), when the product is large enough to pay for
    /// splitting it: `Threads(1)` runs nothing off the calling thread, and
    /// a count above the kernel threads' means all of them.
    Threads(NonZeroUsize),
}

impl Parallelism {
    /// `Threads(n)`, or [`Rayon`](Self::Rayon) (all the kernel threads)
    /// when `n` is 0.
    pub fn threads_or_all(n: usize) -> Self {
        NonZeroUsize::new(n).map_or(Parallelism::Rayon, Parallelism::Threads)
    }

    /// Whether the work stays on the calling thread whatever the count of
    /// kernel threads (`None`, `Threads(1)`). Unlike [`threads`](Self::threads),
    /// it never starts the kernel threads, so a trainer can ask it before
    /// it makes the calling thread one of them.
    ///
    /// ```
    /// use shaped_core::kernels::Parallelism;
    /// assert!(Parallelism::None.caller_only() && Parallelism::threads_or_all(1).caller_only());
    /// assert!(!Parallelism::Rayon.caller_only() && !Parallelism::threads_or_all(2).caller_only());
    /// ```
    pub fn caller_only(self) -> bool {
        match self {
            Parallelism::None => true,
            Parallelism::Rayon => false,
            Parallelism::Threads(n) => n.get() == 1,
        }
    }

    /// How many threads a product may use: 1 for [`None`](Self::None),
    /// the kernel threads for [`Rayon`](Self::Rayon), the smaller of `n`
    /// and those for [`Threads(n)`](Self::Threads).
    pub fn threads(self) -> usize {
        match self {
            _ if self.caller_only() => 1,
            Parallelism::Threads(n) => n.get().min(rayon::current_num_threads()),
            _ => rayon::current_num_threads(),
        }
    }

    /// Into how many tasks a kernel that splits its work by halves may cut
    /// it, at most: 1 when it runs on one thread; with all the kernel
    /// threads (`Rayon`, or `Threads(n)` with `n` at least their count), as
    /// many as pay (work stealing balances them, so this bound is
    /// `usize::MAX`); under `Threads(n)` with fewer, `n` (so that at most
    /// `n` threads ever hold a part).
    ///
    /// ```
    /// use shaped_core::kernels::Parallelism;
    /// use std::num::NonZeroUsize;
    /// assert_eq!(Parallelism::None.tasks(), 1);
    /// assert_eq!(Parallelism::threads_or_all(1).tasks(), 1);
    /// let all = Parallelism::Threads(NonZeroUsize::new(usize::MAX).unwrap());
    /// assert_eq!(all.tasks(), Parallelism::Rayon.tasks());
    /// ```
    pub fn tasks(self) -> usize {
        match self {
            _ if self.threads() == 1 => 1,
            Parallelism::Threads(n) if n.get() < rayon::current_num_threads() => n.get(),
            _ => usize::MAX,
        }
    }
}

/// The left operand: a dense view, or a matrix held as sparse tiles (or
/// its transpose).
#[derive(Clone, Copy, Debug)]
pub enum Lhs<'a, E> {
    /// A dense, strided matrix.
    Dense(MatRef<'a, E>),
    /// The matrix `X` whose tiles these are.
    Tiles(&'a SparseLhs),
    /// `X^T`, for the `X` whose tiles these are.
    TilesT(&'a SparseLhs),
}

impl<'a, E> From<MatRef<'a, E>> for Lhs<'a, E> {
    fn from(m: MatRef<'a, E>) -> Self {
        Lhs::Dense(m)
    }
}

/// The kernel a product took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Nothing to compute (an empty output), or only a scaling (an empty
    /// inner dimension).
    Trivial,
    /// The skinny loops.
    Skinny,
    /// The dense `f32` kernel (packed into the scratch's buffers, split
    /// over the threads).
    Dense,
    /// The sparse tiles.
    Sparse,
    /// `matrixmultiply` (`f64`).
    Matrixmultiply,
    /// The plain triple loop (other element types).
    Reference,
}

/// Why a product was refused. Nothing is written then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatmulError {
    /// A view does not lie inside its buffer.
    OutOfBounds {
        /// Rows of the view.
        rows: usize,
        /// Columns of the view.
        cols: usize,
        /// Its row stride.
        rs: usize,
        /// Its column stride.
        cs: usize,
        /// The buffer's length.
        len: usize,
    },
    /// The sizes do not make a product.
    Mismatch {
        /// `dst`'s rows and columns.
        dst: (usize, usize),
        /// `lhs`'s.
        lhs: (usize, usize),
        /// `rhs`'s.
        rhs: (usize, usize),
    },
    /// The sparse tiles do not support this combination.
    Unsupported(&'static str),
}

impl fmt::Display for MatmulError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatmulError::OutOfBounds {
                rows,
                cols,
                rs,
                cs,
                len,
            } => write!(
                f,
                "a {rows} x {cols} view with strides ({rs}, {cs}) does not fit in {len} elements"
            ),
            MatmulError::Mismatch { dst, lhs, rhs } => write!(
                f,
                "cannot multiply {} x {} by {} x {} into {} x {}",
                lhs.0, lhs.1, rhs.0, rhs.1, dst.0, dst.1
            ),
            MatmulError::Unsupported(what) => write!(f, "sparse tiles: {what}"),
        }
    }
}

impl std::error::Error for MatmulError {}

/// Buffers a product packs its operands into (and, for the sparse tiles,
/// per-thread copies of blocks of a right operand's columns, and a
/// row-major copy of one that is not row-major and too tall for them),
/// owned by the
/// caller (a layer keeps one) so that a product allocates nothing once
/// they have grown to its size.
///
/// ```
/// let mut scratch = shaped_core::kernels::Scratch::default();
/// assert_eq!(scratch.capacity(), 0);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    pub(crate) pack: Vec<f32>,
    pub(crate) dense: dense::Buffers,
    /// The right operand of the sparse tiles, copied row-major when it is
    /// not and its blocks are too tall for `copies`.
    pub(crate) rhs: Vec<f32>,
    /// The sparse tiles' copies of a block of the right operand's columns,
    /// one per kernel thread and one for a caller outside their pool, when
    /// its rows are far apart or it is not row-major (a clone of a
    /// `Scratch` starts without them).
    pub(crate) copies: Copies,
}

impl Scratch {
    /// The floats held, over all buffers.
    pub fn capacity(&self) -> usize {
        self.pack.capacity() + self.dense.capacity() + self.rhs.capacity() + self.copies.capacity()
    }
}

/// A view of `E` as a view of `T`, when they are the same type.
pub(super) fn downcast_view<'a, E: 'static, T: 'static>(m: MatRef<'a, E>) -> Option<MatRef<'a, T>> {
    Some(MatRef {
        data: downcast(m.data)?,
        rows: m.rows,
        cols: m.cols,
        rs: m.rs,
        cs: m.cs,
    })
}

/// `dst = alpha lhs rhs` ([`Accum::Replace`]) or `dst += alpha lhs rhs`
/// ([`Accum::Add`]), on the kernel [`Route`] it returns. Sizes that do not
/// make a product are an error, and nothing is written.
///
/// ```
/// use shaped_core::kernels::{matmul, Accum, MatMut, MatRef, Parallelism, Route, Scratch};
/// let a = [1.0f32, 2.0, 3.0, 4.0]; // 2 x 2
/// let b = [1.0f32, 0.0, 0.0, 1.0];
/// let mut c = [0.0f32; 4];
/// let route = matmul(
///     MatMut::row_major(&mut c, 2, 2)?,
///     Accum::Replace,
///     MatRef::row_major(&a, 2, 2)?,
///     MatRef::row_major(&b, 2, 2)?,
///     1.0,
///     Parallelism::Rayon,
///     &mut Scratch::default(),
/// )?;
/// assert_eq!((c, route), ([1.0, 2.0, 3.0, 4.0], Route::Skinny));
/// # Ok::<(), shaped_core::kernels::MatmulError>(())
/// ```
pub fn matmul<'a, E: Num>(
    dst: MatMut<'_, E>,
    accum: Accum,
    lhs: impl Into<Lhs<'a, E>>,
    rhs: MatRef<'_, E>,
    alpha: E,
    par: Parallelism,
    scratch: &mut Scratch,
) -> Result<Route, MatmulError> {
    let lhs = lhs.into();
    let (m, n) = (dst.rows, dst.cols);
    let lhs_dims = match lhs {
        Lhs::Dense(a) => (a.rows, a.cols),
        Lhs::Tiles(s) => s.dims(),
        Lhs::TilesT(s) => (s.dims().1, s.dims().0),
    };
    let k = lhs_dims.1;
    if lhs_dims.0 != m || rhs.rows != k || rhs.cols != n {
        return Err(MatmulError::Mismatch {
            dst: (m, n),
            lhs: lhs_dims,
            rhs: (rhs.rows, rhs.cols),
        });
    }
    let a = match lhs {
        Lhs::Dense(a) => a,
        Lhs::Tiles(s) | Lhs::TilesT(s) => {
            let (Some(w), Some(c)) = (
                downcast_view::<E, f32>(rhs),
                downcast_mut::<E, f32>(dst.data),
            ) else {
                return Err(MatmulError::Unsupported("the tiles hold f32"));
            };
            let alpha = downcast::<E, f32>(core::slice::from_ref(&alpha)).map(|a| a[0]);
            if alpha != Some(1.0) {
                return Err(MatmulError::Unsupported("alpha must be 1"));
            }
            let transposed = matches!(lhs, Lhs::TilesT(_));
            let (copy, copies) = (&mut scratch.rhs, &mut scratch.copies);
            return s.product(transposed, w, accum, c, par, copy, copies);
        }
    };
    let c = dst.data;
    if m == 0 || n == 0 {
        return Ok(Route::Trivial);
    }
    if k == 0 {
        if accum == Accum::Replace {
            c.fill(E::ZERO);
        }
        return Ok(Route::Trivial);
    }
    let add = accum == Accum::Add;
    if let (Some(a), Some(b), Some(c)) = (
        downcast_view::<E, f32>(a),
        downcast_view::<E, f32>(rhs),
        downcast_mut::<E, f32>(&mut *c),
    ) {
        let alpha = downcast::<E, f32>(core::slice::from_ref(&alpha)).map_or(1.0, |a| a[0]);
        if skinny::try_gemm(m, k, n, alpha, a, b, add, c, par, &mut scratch.pack) {
            return Ok(Route::Skinny);
        }
        dense::gemm_f32(alpha, a, b, add, c, par, &mut scratch.dense);
        return Ok(Route::Dense);
    }
    if let (Some(a), Some(b), Some(c)) = (
        downcast_view::<E, f64>(a),
        downcast_view::<E, f64>(rhs),
        downcast_mut::<E, f64>(&mut *c),
    ) {
        let alpha = downcast::<E, f64>(core::slice::from_ref(&alpha)).map_or(1.0, |a| a[0]);
        dense::gemm_f64(m, k, n, alpha, a, b, add, c, par);
        return Ok(Route::Matrixmultiply);
    }
    reference(c, add, a, rhs, alpha);
    Ok(Route::Reference)
}

/// The plain triple loop, the reference every kernel is tested against:
/// `c = alpha a b` (`+ c` when `add`), `c` row-major `a.rows() x
/// b.cols()`. Not re-exported, so crate-private: a caller outside reaches
/// it through [`matmul`] (its `Route::Reference`, for element types other
/// than `f32` and `f64`).
pub fn reference<E: Num>(c: &mut [E], add: bool, a: MatRef<'_, E>, b: MatRef<'_, E>, alpha: E) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k && m.checked_mul(n).is_some_and(|mn| c.len() >= mn),
        "reference: cannot multiply {m} x {k} by {} x {n} into {} elements",
        b.rows,
        c.len()
    );
    for i in 0..m {
        for j in 0..n {
            let mut acc = E::ZERO;
            for p in 0..k {
                acc += a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
            }
            let old = if add { c[i * n + j] } else { E::ZERO };
            c[i * n + j] = alpha * acc + old;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::policy::{CostModel, SparsePolicy};
    use crate::kernels::simd::{force, IsaKind};
    use crate::kernels::sparse::BLOCK;
    use crate::kernels::testing::{layouts, operands, reference as plain};

    fn run(
        m: usize,
        n: usize,
        a: MatRef<'_, f32>,
        b: MatRef<'_, f32>,
        accum: Accum,
    ) -> (Vec<f32>, Route) {
        let mut c = vec![if accum == Accum::Add { 0.5 } else { f32::NAN }; m * n];
        let dst = MatMut::row_major(&mut c, m, n).unwrap();
        let route = matmul(
            dst,
            accum,
            a,
            b,
            0.75,
            Parallelism::Rayon,
            &mut Scratch::default(),
        )
        .unwrap();
        (c, route)
    }

    #[test]
    fn every_route_on_every_isa_matches_the_reference() {
        // Skinny (n or k <= 16) and dense shapes, all four layouts, both
        // accumulations, each instruction set forced in turn.
        let kinds = [IsaKind::Portable, IsaKind::Avx2, IsaKind::Avx512];
        let mut forced = 0;
        for kind in kinds {
            if !force(Some(kind)) {
                eprintln!("this CPU lacks {kind:?}: not tested");
                continue;
            }
            forced += 1;
            for (m, k, n) in [(128, 512, 10), (128, 10, 512), (37, 70, 53), (128, 784, 96)] {
                let (a, b) = operands(m, k, n);
                for (_, _, av, bv) in layouts(&a, &b, m, k, n) {
                    for accum in [Accum::Replace, Accum::Add] {
                        let (got, route) = run(m, n, av, bv, accum);
                        let small = n <= 16 || k <= 16;
                        assert!(
                            route == Route::Dense || (small && route == Route::Skinny),
                            "{m}x{k}x{n}: {route:?}"
                        );
                        let mut want = vec![0.5f32; m * n];
                        plain(av, bv, 0.75, &mut want, accum == Accum::Add);
                        for (x, y) in got.iter().zip(&want) {
                            assert!((x - y).abs() < 1e-3, "{kind:?} {m}x{k}x{n}: {x} vs {y}");
                        }
                    }
                }
            }
        }
        force(None);
        assert!(forced >= 1);
    }

    #[test]
    fn forcing_an_isa_the_cpu_lacks_changes_nothing() {
        // The switch never mints a token detection would not: on this CPU
        // every kind it has is accepted, and detection agrees afterwards.
        for kind in [IsaKind::Portable, IsaKind::Avx2, IsaKind::Avx512] {
            let has = crate::kernels::simd::Isa::available(kind).is_some();
            assert_eq!(force(Some(kind)), has);
            if has {
                assert_eq!(crate::kernels::simd::Isa::detect().kind(), kind);
            }
        }
        force(None);
    }

    #[test]
    fn f64_and_integers_take_their_routes() {
        let a: Vec<f64> = (0..6).map(f64::from).collect();
        let av = MatRef::row_major(&a, 2, 3).unwrap();
        let mut c = vec![0.0f64; 4];
        let r = matmul(
            MatMut::row_major(&mut c, 2, 2).unwrap(),
            Accum::Replace,
            av,
            av.t(),
            1.0,
            Parallelism::None,
            &mut Scratch::default(),
        );
        assert_eq!(
            (r, c),
            (Ok(Route::Matrixmultiply), vec![5.0, 14.0, 14.0, 50.0])
        );
        let a: Vec<i32> = (0..6).collect();
        let av = MatRef::row_major(&a, 2, 3).unwrap();
        let mut c = vec![1i32; 4];
        let r = matmul(
            MatMut::row_major(&mut c, 2, 2).unwrap(),
            Accum::Add,
            av,
            av.t(),
            2,
            Parallelism::None,
            &mut Scratch::default(),
        );
        assert_eq!((r, c), (Ok(Route::Reference), vec![11, 29, 29, 101]));
    }

    #[test]
    fn sizes_that_overflow_or_do_not_fit_are_errors_and_nothing_is_written() {
        // Issue 12's reproducer: m n = 2^64 wraps to 0 in a release build,
        // which passed the old `c.len() >= m n` check; now the output view
        // cannot even be made.
        let mut c = vec![0.0f32; 16];
        assert!(matches!(
            MatMut::row_major(&mut c, 1 << 33, 1 << 31),
            Err(MatmulError::OutOfBounds { .. })
        ));
        let one = [1.0f32];
        let broadcast = MatRef::new(&one, 1 << 33, 1, 0, 0).unwrap();
        assert_eq!(broadcast.rows(), 1 << 33);
        // Strides whose offsets overflow, or exceed isize::MAX.
        let a = vec![1.0f32; 4];
        assert!(MatRef::new(&a, 3, 1, usize::MAX / 2 + 1, 1).is_err());
        assert!(MatRef::new(&a, 1, 1, usize::MAX, 1).is_err());
        assert!(MatRef::new(&a, 2, 2, 2, 1).is_ok());
        assert!(MatRef::new(&a, 2, 3, 2, 1).is_err());
        // Mismatched sizes.
        let av = MatRef::row_major(&a, 2, 2).unwrap();
        let mut c = vec![7.0f32; 6];
        let err = matmul(
            MatMut::row_major(&mut c, 2, 3).unwrap(),
            Accum::Replace,
            av,
            av,
            1.0,
            Parallelism::None,
            &mut Scratch::default(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "cannot multiply 2 x 2 by 2 x 2 into 2 x 3");
        assert_eq!(c, vec![7.0; 6]);
    }

    #[test]
    fn tiles_read_rows_far_apart_from_copies_with_the_dense_result() {
        // Rows of `W` and `D` 1030 floats apart (FAR_ROWS or more): each
        // block of columns is copied; on the caller alone and on the pool.
        let (rows, cols, n) = (9, 40, 1030);
        let wave = |len: usize, f: f32| (0..len).map(move |i| (i as f32 * f).sin());
        let x: Vec<f32> = wave(rows * cols, 0.1)
            .enumerate()
            .map(|(i, v)| if i % 5 == 0 { v } else { 0.0 })
            .collect();
        let w: Vec<f32> = wave(cols * n, 0.3).collect();
        let wt: Vec<f32> = (0..n * cols)
            .map(|i| w[(i % cols) * n + i / cols])
            .collect();
        let d: Vec<f32> = wave(rows * n, 0.2).collect();
        let xv = MatRef::row_major(&x, rows, cols).unwrap();
        let wv = MatRef::row_major(&w, cols, n).unwrap();
        let wtv = MatRef::row_major(&wt, n, cols).unwrap().t();
        let dv = MatRef::row_major(&d, rows, n).unwrap();
        let mut lhs = SparseLhs::default();
        assert!(lhs.prepare(xv, n, SparsePolicy::default(), Parallelism::Rayon));
        for par in [Parallelism::None, Parallelism::Rayon] {
            let mut scratch = Scratch::default();
            for (a, rhs) in [(xv, wv), (xv, wtv), (xv.t(), dv)] {
                let m = a.rows;
                let mut got = vec![f32::NAN; m * n];
                let lhs = if m == rows {
                    lhs.of(xv)
                } else {
                    lhs.of(xv.t())
                };
                let dst = MatMut::row_major(&mut got, m, n).unwrap();
                let route = matmul(dst, Accum::Replace, lhs, rhs, 1.0, par, &mut scratch);
                assert_eq!(route, Ok(Route::Sparse));
                let mut want = vec![0.0f32; m * n];
                plain(a, rhs, 1.0, &mut want, false);
                assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-4));
            }
            let copies = scratch.copies.capacity();
            assert!(copies >= cols * BLOCK, "{par:?}: {copies} floats of copies");
        }
    }

    #[test]
    fn a_strided_rhs_of_more_rows_than_a_copy_holds_is_copied_whole() {
        // 2100 rows of `W^T`: past the copies' 2048, so the tiles read a
        // row-major copy of the whole operand.
        let (rows, cols, n) = (5, 2100, 3);
        let x: Vec<f32> = (0..rows * cols)
            .map(|i| if i % 3 == 0 { (i as f32).cos() } else { 0.0 })
            .collect();
        let wt: Vec<f32> = (0..n * cols).map(|i| (i as f32 * 0.7).sin()).collect();
        let xv = MatRef::row_major(&x, rows, cols).unwrap();
        let wtv = MatRef::row_major(&wt, n, cols).unwrap().t();
        let mut lhs = SparseLhs::default();
        assert!(lhs.prepare(xv, n, SparsePolicy::Always, Parallelism::None));
        let mut scratch = Scratch::default();
        let mut got = vec![f32::NAN; rows * n];
        let dst = MatMut::row_major(&mut got, rows, n).unwrap();
        let route = matmul(
            dst,
            Accum::Replace,
            lhs.of(xv),
            wtv,
            1.0,
            Parallelism::None,
            &mut scratch,
        );
        assert_eq!(route, Ok(Route::Sparse));
        let mut want = vec![0.0f32; rows * n];
        plain(xv, wtv, 1.0, &mut want, false);
        assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-3));
        assert_eq!(
            (scratch.rhs.len(), scratch.copies.capacity()),
            (cols * n, 0)
        );
    }

    #[test]
    fn sparse_tiles_give_the_dense_result_for_x_w_and_x_t_d() {
        let (rows, cols, n) = (37, 150, 70);
        let x: Vec<f32> = (0..rows * cols)
            .map(|i| {
                if i % 7 == 0 {
                    (i as f32 * 0.1).sin()
                } else {
                    0.0
                }
            })
            .collect();
        let w: Vec<f32> = (0..cols * n).map(|i| (i as f32 * 0.3).cos()).collect();
        let d: Vec<f32> = (0..rows * n).map(|i| (i as f32 * 0.2).sin()).collect();
        let xv = MatRef::row_major(&x, rows, cols).unwrap();
        let mut lhs = SparseLhs::default();
        assert!(lhs.prepare(xv, n, SparsePolicy::Always, Parallelism::Rayon));
        for accum in [Accum::Replace, Accum::Add] {
            let mut got = vec![0.5f32; rows * n];
            let route = matmul(
                MatMut::row_major(&mut got, rows, n).unwrap(),
                accum,
                lhs.of(xv),
                MatRef::row_major(&w, cols, n).unwrap(),
                1.0,
                Parallelism::Rayon,
                &mut Scratch::default(),
            );
            assert_eq!(route, Ok(Route::Sparse));
            let mut want = vec![0.5f32; rows * n];
            plain(
                xv,
                MatRef::row_major(&w, cols, n).unwrap(),
                1.0,
                &mut want,
                accum == Accum::Add,
            );
            assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-4));
        }
        // A right operand that is not row-major (`g W^T`'s transposed view)
        // is transposed block by block into the copies (none whole), and
        // the copies are reused.
        let wt: Vec<f32> = (0..n * cols).map(|i| (i as f32 * 0.7).sin()).collect();
        let wtv = MatRef::row_major(&wt, n, cols).unwrap().t();
        let mut scratch = Scratch::default();
        let mut want = vec![0.0f32; rows * n];
        plain(xv, wtv, 1.0, &mut want, false);
        let mut held = None;
        for _ in 0..2 {
            let mut got = vec![f32::NAN; rows * n];
            let route = matmul(
                MatMut::row_major(&mut got, rows, n).unwrap(),
                Accum::Replace,
                lhs.of(xv),
                wtv,
                1.0,
                Parallelism::Rayon,
                &mut scratch,
            );
            assert_eq!(route, Ok(Route::Sparse));
            assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-4));
            assert_eq!(scratch.rhs.capacity(), 0, "copied whole");
            // The second product reuses the first one's copies.
            let copies = scratch.copies.capacity();
            assert!(copies >= cols * super::super::sparse::BLOCK);
            assert_eq!(*held.get_or_insert(copies), copies);
        }
        // X^T D with a transposed D, the same way.
        let dt: Vec<f32> = (0..n * rows).map(|i| (i as f32 * 0.9).cos()).collect();
        let dtv = MatRef::row_major(&dt, n, rows).unwrap().t();
        let mut scratch = Scratch::default();
        let mut got = vec![f32::NAN; cols * n];
        let route = matmul(
            MatMut::row_major(&mut got, cols, n).unwrap(),
            Accum::Replace,
            lhs.of(xv.t()),
            dtv,
            1.0,
            Parallelism::Rayon,
            &mut scratch,
        );
        assert_eq!(route, Ok(Route::Sparse));
        let mut want = vec![0.0f32; cols * n];
        plain(xv.t(), dtv, 1.0, &mut want, false);
        assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-4));
        assert_eq!(scratch.rhs.capacity(), 0, "X^T D: D copied whole");
        assert!(scratch.copies.capacity() >= rows * super::super::sparse::BLOCK);
        let mut got = vec![f32::NAN; cols * n];
        let dv = MatRef::row_major(&d, rows, n).unwrap();
        let route = matmul(
            MatMut::row_major(&mut got, cols, n).unwrap(),
            Accum::Replace,
            lhs.of(xv.t()),
            dv,
            1.0,
            Parallelism::Rayon,
            &mut Scratch::default(),
        );
        assert_eq!(route, Ok(Route::Sparse));
        let mut want = vec![0.0f32; cols * n];
        plain(xv.t(), dv, 1.0, &mut want, false);
        assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-4));
        // Another buffer of the same shape is not mistaken for the tiles'.
        let other = x.clone();
        let ov = MatRef::row_major(&other, rows, cols).unwrap();
        assert!(matches!(lhs.of(ov), Lhs::Dense(_)));
        // Tiles refuse what they cannot do, and write nothing.
        let mut out = vec![3.0f32; cols * n];
        let err = matmul(
            MatMut::row_major(&mut out, cols, n).unwrap(),
            Accum::Add,
            lhs.of(xv.t()),
            dv,
            1.0,
            Parallelism::Rayon,
            &mut Scratch::default(),
        );
        assert!(matches!(err, Err(MatmulError::Unsupported(_))));
        assert!(out.iter().all(|&v| v == 3.0));
    }

    #[test]
    fn the_cost_model_sends_sparse_inputs_to_the_tiles_and_dense_ones_to_the_dense_kernel() {
        let policy = SparsePolicy::default();
        let (rows, cols, n) = (128, 784, 512);
        // MNIST-like: 19% non-zero, clustered in strokes (rows of runs).
        let mnist: Vec<f32> = (0..rows * cols)
            .map(|i| {
                if (i % 784) % 28 >= 10
                    && (i % 784) % 28 < 15
                    && (i % 784) / 28 > 5
                    && (i % 784) / 28 < 25
                {
                    0.5
                } else {
                    0.0
                }
            })
            .collect();
        assert!(policy.prefers_tiles(&mnist, rows, cols, n, 1));
        // Half non-zero, scattered (a hash of the index, shifted so that
        // rows differ: 96% of the tiles hold a non-zero): dense.
        let half: Vec<f32> = (0..rows * cols)
            .map(|i| {
                let h = (i as u32).wrapping_mul(2654435761);
                if (h ^ h >> 15) % 7 < 4 {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        assert!(!policy.prefers_tiles(&half, rows, cols, n, 1));
        // A dense kernel much slower per multiply-add flips the choice.
        let slow_dense = SparsePolicy::CostModel(CostModel {
            dense_ns_per_mac: CostModel::MEASURED.tile_ns,
            ..CostModel::MEASURED
        });
        assert!(slow_dense.prefers_tiles(&half, rows, cols, n, 1));
        // A narrow product (a classifier) never pays for building tiles.
        assert!(!policy.prefers_tiles(&mnist, rows, cols, 10, 1));
        assert!(!SparsePolicy::Never.prefers_tiles(&mnist, rows, cols, n, 1));
    }
}
