//! Products with a mostly-zero left operand (MNIST's pixels are 81% zeros):
//! `X W` and `X^T D` computed from the non-zeros of `X` alone, kept in
//! small tiles (`SparseBlocks`) so that each piece of `W` or `D` loaded
//! serves four rows.
//!
//! Both walk the output in blocks of `BLOCK` (64) columns, so the block of `W`
//! (or `D`) being read stays in cache and the running sums stay in vector
//! registers; blocks are independent, so they are shared among the kernel
//! threads. Where the rows of `W` (or `D`) are 4 KiB or more apart (a layer
//! 1024 wide or wider), each block is first copied, rows side by side, into
//! the running thread's buffer (`Copies`): read in place, such rows
//! share a few cache sets and evict each other. A `W` that is not
//! row-major (the transposed view `W^T` of a layer's `g W^T`, where the
//! tiles are of the output's gradient `g`) is read the same way, each
//! block transposed in its copy. The results equal the
//! dense products up to the order of the additions (and the single
//! rounding of fused multiply-adds).

use super::matmul::{Accum, MatmulError, Parallelism, Route};
use super::packed::aligned;
use super::policy::SparsePolicy;
use super::simd::Isa;
use super::transpose;
use super::view::{MatRef, FAR_ROWS};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

/// Columns of the output computed together.
pub(crate) const BLOCK: usize = 64;

/// Rows (for `X W`) or columns (for `X^T D`) of `X` handled together: the
/// width of the 4 x 1 and 1 x 4 tiles the non-zeros are stored in.
/// (Public only for the kernel benchmark, which builds operands of whole
/// groups; hidden from the docs.)
#[doc(hidden)]
pub const GROUP: usize = 4;

/// The non-zeros of a row-major `rows x cols` matrix `X`, stored twice in
/// small tiles: by groups of [`GROUP`] rows (each entry one column of the
/// group, with its `GROUP` values) for `X W`, and by groups of `GROUP`
/// adjacent columns (each entry one row) for `X^T D`. Rebuilt in place for
/// each batch; the buffers keep their capacity.
///
/// Why tiles: a product entry by entry loads 64 floats of `W` for 64
/// multiply-adds, and waits on memory. A tile loads them once for `GROUP`
/// rows, which keeps the core's multiply-add units busy; the price is the
/// zeros inside tiles (on MNIST about half the row tiles' slots are
/// non-zero, and two thirds of the column tiles', since neighbouring pixels
/// are alike).
#[derive(Clone, Debug, Default)]
pub(crate) struct SparseBlocks {
    rows: usize,
    cols: usize,
    /// Bit `j` of row `i`'s words: `X[i, j] != 0`.
    masks: Vec<u64>,
    /// Row group `g`'s entries are `row_start[g]..row_start[g + 1]`.
    row_start: Vec<u32>,
    row_col: Vec<u32>,
    row_val: Vec<f32>,
    /// Column group `g`'s entries are `col_start[g]..col_start[g + 1]`.
    col_start: Vec<u32>,
    col_row: Vec<u32>,
    col_val: Vec<f32>,
    nnz: usize,
}

impl SparseBlocks {
    /// Rebuilds from the row-major `rows x cols` matrix `x`. The two tilings
    /// are built at the same time on the kernel threads.
    pub(crate) fn build(&mut self, x: &[f32], rows: usize, cols: usize, threads: usize) {
        // Checked: a wrapped `rows * cols` could equal a short `x.len()`.
        assert!(
            rows.checked_mul(cols) == Some(x.len()),
            "sparse: the matrix is not {rows} x {cols}"
        );
        assert!(
            cols <= u32::MAX as usize && rows <= u32::MAX as usize,
            "sparse: too large"
        );
        self.rows = rows;
        self.cols = cols;
        let words = cols.div_ceil(64);
        self.masks.resize(rows * words, 0);
        if words > 0 {
            nonzero_masks(x, cols, &mut self.masks);
        }
        self.nnz = self.masks.iter().map(|w| w.count_ones() as usize).sum();
        let masks = &self.masks;
        let by_rows = (&mut self.row_start, &mut self.row_col, &mut self.row_val);
        let by_cols = (&mut self.col_start, &mut self.col_row, &mut self.col_val);
        let tile_rows = || build_row_groups(x, rows, cols, masks, by_rows);
        let tile_cols = || build_col_groups(x, rows, cols, masks, by_cols);
        if threads > 1 && rows * cols >= 1 << 14 {
            rayon::join(tile_rows, tile_cols);
        } else {
            tile_rows();
            tile_cols();
        }
    }

    /// The number of non-zeros.
    pub(crate) fn nnz(&self) -> usize {
        self.nnz
    }

    /// `out += X W` where `W` is `cols x n` and `out` row-major `rows x n`
    /// (pre-filled, e.g. with the bias). `W` is row-major, or read only
    /// through copies of its blocks of columns ([`panel`]): with `copies`,
    /// each block is copied into the running thread's buffer before use;
    /// without, a row-major `W` is read in place.
    pub(crate) fn matmul_add(
        &self,
        w: MatRef<'_, f32>,
        out: &mut [f32],
        tasks: usize,
        copies: Option<&Copies>,
    ) {
        let n = w.cols;
        // Checked arithmetic: a wrapped product would let the unchecked
        // writes into `out` run past its end.
        assert!(
            w.rows == self.cols && readable(w) && covers(out.len(), self.rows, n),
            "sparse matmul: an operand is too small for {} x {} by {} x {n}",
            self.rows,
            self.cols,
            self.cols
        );
        let tiling = Tiling {
            start: &self.row_start,
            idx: &self.row_col,
            val: &self.row_val,
            out_rows: self.rows,
            add: true,
        };
        tiling.product(w, out, tasks, copies);
    }

    /// `out = X^T D` where `D` is `rows x n` and `out` row-major `cols x
    /// n` (overwritten); `D` and `copies` as `W` in
    /// [`matmul_add`](Self::matmul_add).
    pub(crate) fn t_matmul(
        &self,
        d: MatRef<'_, f32>,
        out: &mut [f32],
        tasks: usize,
        copies: Option<&Copies>,
    ) {
        let n = d.cols;
        // Checked, as in `matmul_add`.
        assert!(
            d.rows == self.rows && readable(d) && covers(out.len(), self.cols, n),
            "sparse t_matmul: an operand is too small for ({} x {})^T by {} x {n}",
            self.rows,
            self.cols,
            self.rows
        );
        let tiling = Tiling {
            start: &self.col_start,
            idx: &self.col_row,
            val: &self.col_val,
            out_rows: self.cols,
            add: false,
        };
        tiling.product(d, out, tasks, copies);
    }
}

/// One of [`SparseBlocks`]' two tilings, as its products read it: group
/// `g`'s entries are `start[g]..start[g + 1]`, each an index into the
/// other operand's rows (`idx`) and `GROUP` values (`val`), and they make
/// `GROUP` rows of an output of `out_rows` rows, added to it (`add`) or
/// replacing it.
struct Tiling<'a> {
    start: &'a [u32],
    idx: &'a [u32],
    val: &'a [f32],
    out_rows: usize,
    add: bool,
}

impl Tiling<'_> {
    /// The product with `m` (`m.rows x n`) into the row-major `out`
    /// (`out_rows x n`), by blocks of `BLOCK` columns on at most `tasks`
    /// threads; each block reads a copy of its columns of `m` when there
    /// are `copies`, or when `m` is not row-major ([`panel`]). The caller
    /// checked both sizes.
    fn product(&self, m: MatRef<'_, f32>, out: &mut [f32], tasks: usize, copies: Option<&Copies>) {
        let n = m.cols;
        let out_ptr = SendPtr(out.as_mut_ptr());
        let isa = Isa::detect();
        let run = move |b: usize| {
            let ptr = out_ptr;
            let (c0, width) = (b * BLOCK, BLOCK.min(n - b * BLOCK));
            let mut copy = copies.and_then(Copies::mine);
            // A strided `m` is read through a copy: without a buffer of
            // this thread's (no `copies`: a direct caller, the tests; or
            // one held, never while blocks hand no work to rayon), through
            // one of the block's own, allocated here. `SparseLhs::product`
            // always passes `copies` for a strided `m`.
            let mut spare = Vec::new();
            let buf = match copy.as_deref_mut() {
                Some(buf) => Some(buf),
                None if !m.is_row_major() => Some(&mut spare),
                None => None,
            };
            let (m, ld, at) = panel(m, c0, width, buf);
            for (g, first) in (0..self.out_rows).step_by(GROUP).enumerate() {
                let (s, e) = (self.start[g] as usize, self.start[g + 1] as usize);
                let live = GROUP.min(self.out_rows - first);
                // SAFETY: block `b` owns columns c0..c0 + width of every
                // row of `out`, within the bounds the caller checked.
                let mut tile = unsafe { group_rows(ptr, first, live, n, c0, width) };
                let (idx, val) = (&self.idx[s..e], &self.val[s * GROUP..e * GROUP]);
                tile_product(isa, &mut tile, self.add, idx, val, m, ld, at);
            }
        };
        for_blocks(n.div_ceil(BLOCK), tasks, &run);
    }
}

/// A left operand `X` that may be held as sparse tiles, owned by the caller
/// (a layer keeps one per input) and rebuilt in place.
///
/// [`prepare`](Self::prepare) asks a [`SparsePolicy`] whether the products
/// `X W` and `X^T D` (with `n` columns) cost less from the tiles than from
/// the dense kernel, at `X`'s shape and density; if so it builds them.
/// [`of`](Self::of) then hands [`matmul`](super::matmul) the tiles for `X`
/// (or `X^T`), or `X` itself. The tiles are a copy of `X` when prepared:
/// prepare again after changing it.
///
/// ```
/// use shaped_core::kernels::{matmul, Accum, Lhs, MatMut, MatRef, Parallelism, Route, Scratch, SparseLhs, SparsePolicy};
/// let mut x = vec![0.0f32; 64 * 256];
/// x[5] = 2.0;
/// let w = vec![1.0f32; 256 * 128];
/// let xv = MatRef::row_major(&x, 64, 256)?;
/// let mut lhs = SparseLhs::default();
/// assert!(lhs.prepare(xv, 128, SparsePolicy::default(), Parallelism::None));
/// let mut out = vec![0.0f32; 64 * 128];
/// let route = matmul(
///     MatMut::row_major(&mut out, 64, 128)?,
///     Accum::Replace,
///     lhs.of(xv),
///     MatRef::row_major(&w, 256, 128)?,
///     1.0,
///     Parallelism::None,
///     &mut Scratch::default(),
/// )?;
/// assert_eq!((route, out[0], out[128]), (Route::Sparse, 2.0, 0.0));
/// // Told never to, it keeps `X` dense.
/// assert!(!lhs.prepare(xv, 128, SparsePolicy::Never, Parallelism::None));
/// assert!(matches!(lhs.of(xv), Lhs::Dense(_)));
/// # Ok::<(), shaped_core::kernels::MatmulError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SparseLhs {
    blocks: SparseBlocks,
    /// The buffer the tiles were built from (address and length), when
    /// they are live.
    source: Option<(usize, usize)>,
}

impl SparseLhs {
    /// Decides whether tiles pay for `x` (`rows x cols`, row-major) times
    /// matrices of `n` columns, and builds them if so. Returns whether the
    /// tiles are live.
    ///
    /// Tiles are built for `f32` only: for another element type this keeps
    /// `x` dense and returns `false`.
    pub fn prepare<E: 'static>(
        &mut self,
        x: MatRef<'_, E>,
        n: usize,
        policy: SparsePolicy,
        par: Parallelism,
    ) -> bool {
        self.source = None;
        let Some(x) = super::matmul::downcast_view::<E, f32>(x) else {
            return false;
        };
        let (rows, cols) = (x.rows, x.cols);
        if !x.is_row_major() || rows == 0 || cols == 0 || rows > u32::MAX as usize {
            return false;
        }
        let data = &x.data[..rows * cols];
        if !policy.prefers_tiles(data, rows, cols, n, par.threads()) {
            return false;
        }
        self.blocks.build(data, rows, cols, par.threads());
        self.source = Some((data.as_ptr() as usize, data.len()));
        true
    }

    /// The operand for `x`: the tiles if they were prepared from `x`
    /// (same buffer and shape), for `x` or for its transpose; else `x`.
    pub fn of<'a, E: 'static>(&'a self, x: MatRef<'a, E>) -> super::matmul::Lhs<'a, E> {
        use super::matmul::Lhs;
        let Some((at, len)) = self.source else {
            return Lhs::Dense(x);
        };
        if crate::dtype::downcast_slice::<E, f32>(x.data).is_none() {
            // Tiles are only ever built from `f32` (see `prepare`).
            return Lhs::Dense(x);
        }
        let (r, c) = (self.blocks.rows, self.blocks.cols);
        let same = x.data.as_ptr() as usize == at && x.data.len() >= len;
        if same && (x.rows, x.cols, x.rs, x.cs) == (r, c, c, 1) {
            Lhs::Tiles(self)
        } else if same && (x.rows, x.cols, x.rs, x.cs) == (c, r, 1, c) {
            Lhs::TilesT(self)
        } else {
            Lhs::Dense(x)
        }
    }

    /// Whether tiles are live.
    pub fn is_sparse(&self) -> bool {
        self.source.is_some()
    }

    /// The non-zeros of the prepared `X` (0 when no tiles are live).
    pub fn nnz(&self) -> usize {
        if self.is_sparse() {
            self.blocks.nnz()
        } else {
            0
        }
    }

    /// `X`'s rows and columns.
    pub(crate) fn dims(&self) -> (usize, usize) {
        (self.blocks.rows, self.blocks.cols)
    }

    /// `c = X w` or `c += X w` (`transposed`: `c = X^T w`, which replaces
    /// `c`); the sizes were checked by `matmul`. The tiles read whole rows
    /// of `w`, from copies of each block of columns in `copies` when they
    /// are [`FAR_ROWS`] floats or more apart, or when `w` is not row-major
    /// (a transposed view, as in a layer's `g W^T`: each block transposed
    /// in its copy). A `w` of more rows than a copy holds
    /// ([`MAX_COPY_ROWS`]) that is not row-major is first copied row-major
    /// whole into `copy`, which grows only when too small.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn product(
        &self,
        transposed: bool,
        w: MatRef<'_, f32>,
        accum: Accum,
        c: &mut [f32],
        par: Parallelism,
        copy: &mut Vec<f32>,
        copies: &mut Copies,
    ) -> Result<Route, MatmulError> {
        if transposed && accum == Accum::Add {
            return Err(MatmulError::Unsupported("X^T D replaces its output"));
        }
        let (k, n) = (w.rows, w.cols);
        let tasks = par.tasks();
        // Blocks are copied when `w`'s rows are far apart, and when it is
        // not row-major (transposed in the copy); past `MAX_COPY_ROWS` a
        // strided `w` is copied row-major whole first.
        let m_rows = if transposed { self.dims().0 } else { k };
        let copies = if n >= FAR_ROWS || !w.is_row_major() {
            copies.for_product(par, m_rows)
        } else {
            None
        };
        let w = if w.is_row_major() || copies.is_some() {
            w
        } else {
            // `k x n` fits in memory when `w` is a valid view of that many
            // elements (unless its strides repeat them): refused if not.
            let too_large = MatmulError::Unsupported("rhs too large to copy row-major");
            let len = k.checked_mul(n).ok_or(too_large.clone())?;
            if copy.len() < len {
                copy.try_reserve(len - copy.len()).map_err(|_| too_large)?;
                copy.resize(len, 0.0);
            }
            transpose::to_row_major(w, &mut copy[..len]);
            MatRef::row_major(&copy[..len], k, n)?
        };
        match (transposed, accum) {
            (false, Accum::Add) => self.blocks.matmul_add(w, c, tasks, copies),
            (false, Accum::Replace) => {
                c.fill(0.0);
                self.blocks.matmul_add(w, c, tasks, copies)
            }
            (true, _) => self.blocks.t_matmul(w, c, tasks, copies),
        }
        Ok(Route::Sparse)
    }
}

/// Whether the view `m` lies inside its buffer (as made by `MatRef`'s
/// constructors; checked again here, where the products trust it).
fn readable(m: MatRef<'_, f32>) -> bool {
    super::view::fits(m.data.len(), m.rows, m.cols, m.rs, m.cs)
}

/// Whether a buffer of `len` elements holds a row-major `rows x cols`
/// matrix (the product computed without overflow).
fn covers(len: usize, rows: usize, cols: usize) -> bool {
    rows.checked_mul(cols).is_some_and(|need| len >= need)
}

/// For each row of the row-major `x` (`cols` wide, `cols > 0`), sets bit
/// `j` of the row's mask words when `x[i, j] != 0` (NaN counts as
/// non-zero).
fn nonzero_masks(x: &[f32], cols: usize, masks: &mut [u64]) {
    match Isa::detect() {
        // SAFETY: the token proves AVX-512F, and every CPU with it has AVX.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512(_) => unsafe { nonzero_masks_avx(x, cols, masks) },
        // SAFETY: the token proves AVX2, which implies AVX.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2(_) => unsafe { nonzero_masks_avx(x, cols, masks) },
        _ => nonzero_masks_plain(x, cols, masks),
    }
}

/// [`nonzero_masks`] in plain code, for CPUs without AVX.
fn nonzero_masks_plain(x: &[f32], cols: usize, masks: &mut [u64]) {
    let words = cols.div_ceil(64);
    for (row, mask) in x.chunks_exact(cols).zip(masks.chunks_exact_mut(words)) {
        for (chunk, m) in row.chunks(64).zip(mask) {
            *m = chunk
                .iter()
                .enumerate()
                .fold(0, |bits, (j, &v)| bits | ((v != 0.0) as u64) << j);
        }
    }
}

/// [`nonzero_masks`] eight lanes at a time: one compare and one `movemask`
/// per eight floats (the compiler does not find this form by itself).
///
/// # Safety
/// The CPU must support AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn nonzero_masks_avx(x: &[f32], cols: usize, masks: &mut [u64]) {
    use std::arch::x86_64::{
        _mm256_cmp_ps, _mm256_loadu_ps, _mm256_movemask_ps, _mm256_setzero_ps, _CMP_NEQ_UQ,
    };
    let zero = _mm256_setzero_ps();
    let words = cols.div_ceil(64);
    for (row, mask) in x.chunks_exact(cols).zip(masks.chunks_exact_mut(words)) {
        for (chunk, m) in row.chunks(64).zip(mask) {
            let mut lanes = chunk.chunks_exact(8);
            let mut bits = 0u64;
            for (k, c) in (&mut lanes).enumerate() {
                // SAFETY: `c` holds exactly 8 floats; unaligned loads are allowed.
                let v = unsafe { _mm256_loadu_ps(c.as_ptr()) };
                let neq = _mm256_cmp_ps::<_CMP_NEQ_UQ>(v, zero);
                bits |= (_mm256_movemask_ps(neq) as u8 as u64) << (8 * k);
            }
            let done = chunk.len() - lanes.remainder().len();
            for (l, &v) in lanes.remainder().iter().enumerate() {
                bits |= ((v != 0.0) as u64) << (done + l);
            }
            *m = bits;
        }
    }
}

type Tiles<'a> = (&'a mut Vec<u32>, &'a mut Vec<u32>, &'a mut Vec<f32>);

/// Sizes a tiling's buffers for `entries` tiles at most. They keep that
/// length (the starts say which entries are live), so after the first batch
/// of a size a rebuild neither allocates nor clears anything.
fn reserve(t: &mut Tiles, groups: usize, entries: usize) {
    t.0.clear();
    t.0.resize(groups + 1, 0);
    if t.1.len() < entries {
        t.1.resize(entries, 0);
        t.2.resize(entries * GROUP, 0.0);
    }
}

/// Row groups: for each group of `GROUP` rows, every column where one of
/// them is non-zero, with the group's values in that column.
fn build_row_groups(x: &[f32], rows: usize, cols: usize, masks: &[u64], mut t: Tiles) {
    let words = cols.div_ceil(64);
    let groups = rows.div_ceil(GROUP);
    reserve(&mut t, groups, groups * cols);
    let (start, idx, val) = t;
    let mut at = 0;
    for (g, r0) in (0..rows).step_by(GROUP).enumerate() {
        let live = GROUP.min(rows - r0);
        for w in 0..words {
            let mut any = 0u64;
            for i in 0..live {
                any |= masks[(r0 + i) * words + w];
            }
            while any != 0 {
                let j = w * 64 + any.trailing_zeros() as usize;
                any &= any - 1;
                idx[at] = j as u32;
                let v = &mut val[at * GROUP..at * GROUP + GROUP];
                for (i, v) in v.iter_mut().enumerate() {
                    *v = if i < live {
                        x[(r0 + i) * cols + j]
                    } else {
                        0.0
                    };
                }
                at += 1;
            }
        }
        start[g + 1] = at as u32;
    }
}

/// Column groups: for each group of `GROUP` adjacent columns, every row
/// with a non-zero among them, with the row's values there. Every row is
/// written and only the ones with a non-zero are kept (no branch to
/// mispredict).
fn build_col_groups(x: &[f32], rows: usize, cols: usize, masks: &[u64], mut t: Tiles) {
    let words = cols.div_ceil(64);
    let groups = cols.div_ceil(GROUP);
    // One spare entry: a row without non-zeros is written, then overwritten.
    reserve(&mut t, groups, groups * rows + 1);
    let (start, idx, val) = t;
    let mut at = 0;
    // GROUP divides 64, so a group never straddles two mask words.
    for (g, j0) in (0..cols).step_by(GROUP).enumerate() {
        let (w, shift) = (j0 / 64, j0 % 64);
        let live = GROUP.min(cols - j0);
        for i in 0..rows {
            let bits = (masks[i * words + w] >> shift) & ((1 << GROUP) - 1);
            idx[at] = i as u32;
            let v: &mut [f32; GROUP] = (&mut val[at * GROUP..at * GROUP + GROUP])
                .try_into()
                .unwrap();
            if live == GROUP {
                // A fixed-size copy: a few moves, not a call to memmove.
                let from = i * cols + j0;
                *v = x[from..from + GROUP].try_into().unwrap();
            } else {
                v.fill(0.0);
                v[..live].copy_from_slice(&x[i * cols + j0..i * cols + j0 + live]);
            }
            at += (bits != 0) as usize;
        }
        start[g + 1] = at as u32;
    }
}

/// Columns `c0..c0 + width` of rows `first..first + live` (`live <=
/// GROUP`) of the row-major output behind `ptr`, `n` columns a row; the
/// other `GROUP - live` slices are empty.
///
/// # Safety
/// Those ranges must lie in the buffer behind `ptr` and be written by no
/// other thread meanwhile, and the slices must not outlive that (the
/// callers drop them within one group's step). (They are disjoint:
/// distinct rows, `width <= n`.)
unsafe fn group_rows<'a>(
    ptr: SendPtr,
    first: usize,
    live: usize,
    n: usize,
    c0: usize,
    width: usize,
) -> [&'a mut [f32]; GROUP] {
    core::array::from_fn(|i| {
        if i < live {
            // SAFETY: guaranteed by the caller.
            unsafe { core::slice::from_raw_parts_mut(ptr.0.add((first + i) * n + c0), width) }
        } else {
            &mut []
        }
    })
}

#[derive(Clone, Copy)]
struct SendPtr(*mut f32);
// SAFETY: each parallel task writes a disjoint block of columns.
unsafe impl Send for SendPtr {}
// SAFETY: as for `Send`: the tasks sharing it write disjoint blocks.
unsafe impl Sync for SendPtr {}

/// Runs `f(block)` for every block, split among the kernel threads by
/// recursive `rayon::join` (no allocation), in at most `tasks` parts (each
/// half of the blocks gets half of them).
fn for_blocks(blocks: usize, tasks: usize, f: &(impl Fn(usize) + Sync)) {
    fn go(lo: usize, hi: usize, tasks: usize, f: &(impl Fn(usize) + Sync)) {
        if hi - lo <= 1 || tasks <= 1 {
            (lo..hi).for_each(f);
        } else {
            let mid = lo + (hi - lo) / 2;
            let (lt, rt) = (tasks / 2, tasks - tasks / 2);
            rayon::join(|| go(lo, mid, lt, f), || go(mid, hi, rt, f));
        }
    }
    go(0, blocks, tasks, f);
}

/// The tile products' copies of a block of columns ([`panel`]): one buffer
/// for each kernel thread and one for a caller outside their pool, each
/// taken by the thread whose it is for one block at a time (a block's loop
/// hands no work to rayon, so no other block runs on that thread
/// meanwhile). Owned by a [`Scratch`](super::Scratch); the calling thread
/// sizes them all before a product's blocks run, so that once they have
/// grown to its size a product allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct Copies {
    slots: Vec<Mutex<Vec<f32>>>,
}

impl Clone for Copies {
    /// No buffers: a clone of a scratch grows its own.
    fn clone(&self) -> Self {
        Copies::default()
    }
}

impl Copies {
    /// Buffers of a block of `rows` rows for every thread that `par` lets
    /// the product run on; `None` past [`MAX_COPY_ROWS`] (a row-major
    /// operand is then read in place, a strided one copied whole first).
    pub(crate) fn for_product(&mut self, par: Parallelism, rows: usize) -> Option<&Copies> {
        if rows > MAX_COPY_ROWS {
            return None;
        }
        // A product on the caller alone runs on this thread: asking for the
        // pool's size would start the pool.
        let slots = 1 + if par.caller_only() {
            slot()
        } else {
            rayon::current_num_threads()
        };
        if self.slots.len() < slots {
            self.slots.resize_with(slots, Mutex::default);
        }
        for buf in &mut self.slots {
            aligned(
                buf.get_mut().unwrap_or_else(PoisonError::into_inner),
                rows * BLOCK,
            );
        }
        Some(self)
    }

    /// The running thread's buffer; `None` if the thread is not of the
    /// pool `for_product` saw, or (never, while blocks hand no work to
    /// rayon) another block holds it.
    fn mine(&self) -> Option<MutexGuard<'_, Vec<f32>>> {
        match self.slots.get(slot())?.try_lock() {
            Ok(buf) => Some(buf),
            // A panic in an earlier product: the buffer is rewritten
            // before it is read.
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Floats held.
    pub(crate) fn capacity(&self) -> usize {
        // No product runs meanwhile (it holds the scratch mutably).
        let held =
            |s: &Mutex<Vec<f32>>| s.lock().unwrap_or_else(PoisonError::into_inner).capacity();
        self.slots.iter().map(held).sum()
    }
}

/// The index of the running thread's buffer in [`Copies`]: 0 outside a
/// rayon pool.
fn slot() -> usize {
    rayon::current_thread_index().map_or(0, |i| i + 1)
}

/// Rows of a block copied at most: 2048 rows of `BLOCK` floats are 512 KiB,
/// half of the development machine's L2 (1 MiB a core). A larger copy would
/// not stay in the L2 (not measured: no network here has such a layer),
/// and the buffers, one a thread, would grow without bound.
const MAX_COPY_ROWS: usize = 2048;

/// Columns `c0..c0 + width` (`width <= BLOCK`) of `m`, for the tile
/// products, as `(matrix, ld, first column)`: copied into `buf` when there
/// is one, rows side by side (see [`FAR_ROWS`]), `BLOCK` floats a row (the
/// last, narrower block of a strided `m`: `width`), else `m` itself, which
/// must then be row-major. A row-major `m` is copied a row at a time; any
/// other (the transposed view of a row-major matrix, as in a layer's `g
/// W^T`) is transposed in the copy.
fn panel<'a>(
    m: MatRef<'a, f32>,
    c0: usize,
    width: usize,
    buf: Option<&'a mut Vec<f32>>,
) -> (&'a [f32], usize, usize) {
    let rows = m.rows;
    if rows == 0 {
        // No tiles read it (and a view of no rows may hold no data).
        return (&[], width, 0);
    }
    // (Sized by `Copies::for_product`, or `spare`: no allocation here.)
    let Some(buf) = buf.map(|buf| aligned(buf, rows * BLOCK)) else {
        assert!(m.is_row_major(), "panel: a strided matrix read in place");
        return (m.data, m.cols, c0);
    };
    if !m.is_row_major() {
        let block = MatRef {
            data: &m.data[c0 * m.cs..],
            rows,
            cols: width,
            rs: m.rs,
            cs: m.cs,
        };
        transpose::to_row_major(block, &mut buf[..rows * width]);
        return (buf, width, 0);
    }
    for (to, from) in buf.chunks_exact_mut(BLOCK).zip(m.data.chunks(m.cols)) {
        let from = &from[c0..c0 + width];
        if width == BLOCK {
            // In pieces of a fixed size the compiler copies with moves,
            // where a 256-byte copy would be a call to `memcpy`.
            for (to, from) in to.chunks_exact_mut(16).zip(from.chunks_exact(16)) {
                let to: &mut [f32; 16] = to.try_into().unwrap();
                *to = from.try_into().unwrap();
            }
        } else {
            to[..width].copy_from_slice(from);
        }
    }
    (buf, BLOCK, 0)
}

/// `out[i][c] = sum_e val[e * GROUP + i] * m[idx[e], c0 + c]` (`+
/// out[i][c]` when `add`) for `c < width`, where `m` is row-major with `n`
/// columns and the rows of `out` are `width <= BLOCK` long (or empty: rows
/// past the matrix): each loaded piece of `m` serves the whole tile, and
/// the sums stay in vector registers. Compiled for AVX-512, AVX2 with FMA
/// and plain code; `isa` picks.
#[allow(clippy::too_many_arguments)]
fn tile_product(
    isa: Isa,
    out: &mut [&mut [f32]; GROUP],
    add: bool,
    idx: &[u32],
    val: &[f32],
    m: &[f32],
    n: usize,
    c0: usize,
) {
    match isa {
        // SAFETY: the token proves the CPU has AVX-512F.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512(_) => unsafe { tile_product_avx512(out, add, idx, val, m, n, c0) },
        // SAFETY: the token proves the CPU has AVX2 and FMA.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2(_) => unsafe { tile_product_avx2(out, add, idx, val, m, n, c0) },
        _ => tile_product_with::<{ BLOCK / 2 }, false>(out, add, idx, val, m, n, c0),
    }
}

/// [`tile_product`] on AVX-512: 16 accumulators of 16 lanes, the whole tile
/// in registers.
///
/// # Safety
/// The CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,fma")]
unsafe fn tile_product_avx512(
    out: &mut [&mut [f32]; GROUP],
    add: bool,
    idx: &[u32],
    val: &[f32],
    m: &[f32],
    n: usize,
    c0: usize,
) {
    tile_product_with::<BLOCK, true>(out, add, idx, val, m, n, c0)
}

/// [`tile_product`] on AVX2: 8-lane registers, two halves of 16
/// accumulators each. (They and the loaded row do not all fit in the 16
/// registers, so some accumulators live on the stack; panels of 16 columns,
/// 8 accumulators, spill nothing, but measured no faster on the shared
/// machine, within its noise.)
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_product_avx2(
    out: &mut [&mut [f32]; GROUP],
    add: bool,
    idx: &[u32],
    val: &[f32],
    m: &[f32],
    n: usize,
    c0: usize,
) {
    tile_product_with::<{ BLOCK / 2 }, true>(out, add, idx, val, m, n, c0)
}

/// [`tile_product`] by panels of `W` columns; `FMA` when the target fuses
/// multiply-adds (the library call `mul_add` becomes elsewhere is far
/// slower).
///
/// A whole block's rows are read into registers and written back from
/// them by [`tile_panel`], inside the function compiled for the
/// instruction set: copies in the callers (plain x86-64 code) were calls
/// to `memcpy` and `memset`, 6% of the 2 x 1024 network's time, and an
/// accumulator tile on the stack between them cost its zeroing and a
/// round trip.
#[inline(always)]
fn tile_product_with<const W: usize, const FMA: bool>(
    out: &mut [&mut [f32]; GROUP],
    add: bool,
    idx: &[u32],
    val: &[f32],
    m: &[f32],
    n: usize,
    c0: usize,
) {
    let width = out[0].len();
    if width == BLOCK {
        for at in (0..BLOCK).step_by(W) {
            tile_panel::<W>(out, add, at, idx, val, m, n, c0, FMA);
        }
        return;
    }
    // The last, narrower block of columns.
    let mut acc = [[0.0f32; BLOCK]; GROUP];
    if add {
        for (a, o) in acc.iter_mut().zip(out.iter()) {
            a[..o.len()].copy_from_slice(o);
        }
    }
    for (e, &r) in idx.iter().enumerate() {
        let row = &m[r as usize * n + c0..r as usize * n + c0 + width];
        for (a, &v) in acc.iter_mut().zip(&val[e * GROUP..e * GROUP + GROUP]) {
            for (a, &x) in a.iter_mut().zip(row) {
                *a += v * x;
            }
        }
    }
    for (a, o) in acc.iter().zip(out.iter_mut()) {
        let len = o.len();
        o.copy_from_slice(&a[..len]);
    }
}

/// Columns `at..at + W` of [`tile_product`] for a full block (the rows of
/// `out` are `BLOCK` long, or empty), the sums held in registers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile_panel<const W: usize>(
    out: &mut [&mut [f32]; GROUP],
    add: bool,
    at: usize,
    idx: &[u32],
    val: &[f32],
    m: &[f32],
    n: usize,
    c0: usize,
    fma: bool,
) {
    let mut a = [[0.0f32; W]; GROUP];
    if add {
        for (a, o) in a.iter_mut().zip(out.iter()) {
            if !o.is_empty() {
                a.copy_from_slice(&o[at..at + W]);
            }
        }
    }
    for (e, &r) in idx.iter().enumerate() {
        let from = r as usize * n + c0 + at;
        let row: &[f32; W] = m[from..from + W].try_into().unwrap();
        let v: &[f32; GROUP] = val[e * GROUP..e * GROUP + GROUP].try_into().unwrap();
        for (a, &v) in a.iter_mut().zip(v) {
            for (a, &x) in a.iter_mut().zip(row) {
                // One rounding when the target fuses; the library call that
                // `mul_add` would become elsewhere is far slower.
                *a = if fma { v.mul_add(x, *a) } else { *a + v * x };
            }
        }
    }
    for (a, o) in a.iter().zip(out.iter_mut()) {
        if !o.is_empty() {
            o[at..at + W].copy_from_slice(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::simd::IsaKind;
    use crate::kernels::testing::{panic_message, reference};

    fn sparse_matrix(rows: usize, cols: usize, seed: u32) -> Vec<f32> {
        (0..rows * cols)
            .map(|i| {
                let h = (i as u32).wrapping_mul(2654435761).wrapping_add(seed);
                if h.is_multiple_of(5) {
                    (h % 97) as f32 / 97.0 - 0.5
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// `X W + 1` and `X^T D` by the tiles on `tasks` threads, against the
    /// plain loop, reading `W` and `D` in place or (`copied`) from copies of
    /// each block of columns, in buffers that start as NaN; each output is
    /// the front of a longer buffer whose tail must stay untouched (the
    /// tiles write through a raw pointer).
    fn check_products(rows: usize, cols: usize, n: usize, tasks: usize, copied: bool, what: &str) {
        const TAIL: usize = 7;
        let x = sparse_matrix(rows, cols, 1);
        let w: Vec<f32> = (0..cols * n).map(|i| (i as f32 * 0.37).sin()).collect();
        let d: Vec<f32> = (0..rows * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let mut s = SparseBlocks::default();
        s.build(&x, rows, cols, tasks);
        assert_eq!(s.nnz(), x.iter().filter(|&&v| v != 0.0).count());
        let xv = MatRef::row_major(&x, rows, cols).unwrap();
        let untouched = |tail: &[f32]| tail.iter().all(|v| v.is_nan());
        // Buffers of garbage, to be overwritten before use; sized here, so
        // the blocks allocate nothing.
        let mut copies = Copies::default();
        let par = Parallelism::threads_or_all(tasks);
        for slot in &copies.for_product(par, rows.max(cols)).unwrap().slots {
            slot.lock().unwrap().fill(f32::NAN);
        }
        let held = copies.capacity();
        let used = |copies: &Copies| {
            let written = |s: &Mutex<Vec<f32>>| s.lock().unwrap().iter().any(|v| !v.is_nan());
            copies.slots.iter().any(written)
        };
        let (all, copies) = (&copies, copied.then_some(&copies));
        let what = format!("{what}{}", if copied { ", copied" } else { "" });
        // X W + 1
        let mut got = vec![1.0f32; rows * n + TAIL];
        got[rows * n..].fill(f32::NAN);
        s.matmul_add(
            MatRef::row_major(&w, cols, n).unwrap(),
            &mut got[..rows * n],
            tasks,
            copies,
        );
        let mut want = vec![1.0f32; rows * n];
        reference(
            xv,
            MatRef::row_major(&w, cols, n).unwrap(),
            1.0,
            &mut want,
            true,
        );
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() < 1e-3, "{what} X W: {a} vs {b}");
        }
        assert!(
            untouched(&got[rows * n..]),
            "{what} X W wrote past its output"
        );
        // X W from W's transposed view (columns contiguous, as in a layer's
        // `g W^T`): each block transposed in a copy (without `copies`, in a
        // buffer of the block's own).
        let wt: Vec<f32> = (0..n * cols)
            .map(|i| w[(i % cols) * n + i / cols])
            .collect();
        let wtv = MatRef::row_major(&wt, n, cols).unwrap().t();
        let mut got_t = vec![1.0f32; rows * n + TAIL];
        got_t[rows * n..].fill(f32::NAN);
        s.matmul_add(wtv, &mut got_t[..rows * n], tasks, copies);
        let first = got_t
            .iter()
            .zip(&got)
            .position(|(a, b)| a.to_bits() != b.to_bits());
        assert_eq!(
            first, None,
            "{what} {rows}x{cols}x{n}: X W^T against X W, first difference"
        );
        // X^T D, overwriting garbage
        let mut got = vec![f32::NAN; cols * n + TAIL];
        s.t_matmul(
            MatRef::row_major(&d, rows, n).unwrap(),
            &mut got[..cols * n],
            tasks,
            copies,
        );
        let mut want = vec![0.0f32; cols * n];
        reference(
            xv.t(),
            MatRef::row_major(&d, rows, n).unwrap(),
            1.0,
            &mut want,
            false,
        );
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() < 1e-3, "{what} X^T D: {a} vs {b}");
        }
        assert!(
            untouched(&got[cols * n..]),
            "{what} X^T D wrote past its output"
        );
        assert_eq!(used(all), copied, "{what}: the copies used or not");
        assert_eq!(all.capacity(), held, "{what}: a block grew its buffer");
    }

    #[test]
    fn sparse_products_match_the_dense_reference() {
        let shapes = [
            (128, 784, 512),
            (7, 13, 70),
            (3, 5, 10),
            (96, 784, 512),
            (5, 65, 129),
            (1, 1, 1),
            (9, 128, 64),
        ];
        for (rows, cols, n) in shapes {
            for copied in [false, true] {
                check_products(rows, cols, n, 2, copied, "detected");
            }
        }
        // Every instruction set, forced (on this thread: one task).
        for kind in [IsaKind::Portable, IsaKind::Avx2, IsaKind::Avx512] {
            if !crate::kernels::simd::force(Some(kind)) {
                continue;
            }
            for (rows, cols, n) in shapes {
                for copied in [false, true] {
                    check_products(rows, cols, n, 1, copied, &format!("{kind:?}"));
                }
            }
        }
        crate::kernels::simd::force(None);
    }

    #[test]
    fn a_nan_input_reaches_the_output_as_in_a_dense_product() {
        let mut x = vec![0.0f32; 4 * 70];
        x[2 * 70 + 66] = f32::NAN;
        let mut s = SparseBlocks::default();
        s.build(&x, 4, 70, 1);
        assert_eq!(s.nnz(), 1);
        let mut out = vec![0.0f32; 4 * 3];
        let w = vec![1.0; 70 * 3];
        s.matmul_add(MatRef::row_major(&w, 70, 3).unwrap(), &mut out, 1, None);
        assert!(out[6..9].iter().all(|v| v.is_nan()) && out[..6].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn the_vector_and_plain_masks_agree() {
        let (rows, cols) = (3, 150);
        let mut x = sparse_matrix(rows, cols, 5);
        x[7] = f32::NAN;
        x[8] = -0.0;
        x[149] = 2.0;
        let words = cols.div_ceil(64);
        let (mut got, mut want) = (vec![0; rows * words], vec![0; rows * words]);
        nonzero_masks(&x, cols, &mut got);
        nonzero_masks_plain(&x, cols, &mut want);
        assert_eq!(got, want);
        assert_eq!(want[0] >> 7 & 0b11, 0b01, "NaN is non-zero, -0 is zero");
        assert_eq!(want[2] >> (149 - 128) & 1, 1);
    }

    #[test]
    fn sizes_whose_product_overflows_are_refused_before_any_write() {
        // Issue 12's reproducer: `4 n` and `4 n` wrap to 0 for n = 2^62, so
        // an empty `w` and a one-element `out` passed the size checks, and
        // the blocks of columns were written far past `out`.
        let mut s = SparseBlocks::default();
        s.build(&[0.0; 16], 4, 4, 1);
        // (Views made by hand: `MatRef`'s constructors refuse them.)
        let huge = |rows| MatRef {
            data: &[],
            rows,
            cols: 1 << 62,
            rs: 1 << 62,
            cs: 1,
        };
        let msg = panic_message(|| s.matmul_add(huge(4), &mut [0.0], 1, None));
        assert!(
            msg.contains("sparse matmul: an operand is too small"),
            "{msg}"
        );
        let msg = panic_message(|| s.t_matmul(huge(4), &mut [0.0], 1, None));
        assert!(
            msg.contains("sparse t_matmul: an operand is too small"),
            "{msg}"
        );
        // A matrix whose element count wraps to the length given.
        let msg = panic_message(|| SparseBlocks::default().build(&[], 1 << 32, 1 << 32, 1));
        assert!(msg.contains("is not 4294967296 x 4294967296"), "{msg}");
    }

    #[test]
    fn rebuilding_reuses_the_buffers() {
        let mut s = SparseBlocks::default();
        let x = sparse_matrix(16, 20, 3);
        s.build(&x, 16, 20, 1);
        let nnz = s.nnz();
        let cap = s.row_val.capacity() + s.col_val.capacity();
        s.build(&sparse_matrix(16, 20, 9), 16, 20, 1);
        s.build(&x, 16, 20, 1);
        assert_eq!(s.nnz(), nnz);
        assert_eq!(s.row_val.capacity() + s.col_val.capacity(), cap);
    }
}
