//! Products with a mostly-zero left operand (MNIST's pixels are 81% zeros):
//! `X W` and `X^T D` computed from the non-zeros of `X` alone, kept in
//! small tiles ([`SparseBlocks`]) so that each piece of `W` or `D` loaded
//! serves four rows.
//!
//! Both walk the output in blocks of [`BLOCK`] columns, so the block of `W`
//! (or `D`) being read stays in cache and the running sums stay in vector
//! registers; blocks are independent, so they are shared among the kernel
//! threads. The results equal the dense products up to the order of the
//! additions (and the single rounding of fused multiply-adds).

use multiversion::{multiversion, target::selected_target};

/// Columns of the output computed together.
pub const BLOCK: usize = 64;

/// Rows (for `X W`) or columns (for `X^T D`) of `X` handled together: the
/// width of the 4 x 1 and 1 x 4 tiles the non-zeros are stored in.
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
pub struct SparseBlocks {
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
    /// The share of entries that are non-zero in `x`, read from the first
    /// `sample` rows (or all).
    ///
    /// ```
    /// use tensor_core::kernels::sparse::SparseBlocks;
    /// assert_eq!(SparseBlocks::density(&[0.0, 1.0, 0.0, 0.0], 2, 2), 0.25);
    /// ```
    pub fn density(x: &[f32], cols: usize, sample: usize) -> f32 {
        let n = (sample * cols).min(x.len());
        if n == 0 {
            return 1.0;
        }
        x[..n].iter().filter(|&&v| v != 0.0).count() as f32 / n as f32
    }

    /// Rebuilds from the row-major `rows x cols` matrix `x`. The two tilings
    /// are built at the same time on the kernel threads.
    pub fn build(&mut self, x: &[f32], rows: usize, cols: usize) {
        assert_eq!(
            x.len(),
            rows * cols,
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
        if rayon::current_num_threads() > 1 && rows * cols >= 1 << 14 {
            rayon::join(tile_rows, tile_cols);
        } else {
            tile_rows();
            tile_cols();
        }
    }

    /// The number of non-zeros.
    pub fn nnz(&self) -> usize {
        self.nnz
    }

    /// `out += X W` where `W` is row-major `cols x n` and `out` row-major
    /// `rows x n` (pre-filled, e.g. with the bias).
    pub fn matmul_add(&self, w: &[f32], n: usize, out: &mut [f32]) {
        assert!(
            w.len() >= self.cols * n && out.len() >= self.rows * n,
            "sparse matmul: operand too small"
        );
        let out_ptr = SendPtr(out.as_mut_ptr());
        let rows = self.rows;
        let run = move |b: usize| {
            let ptr = out_ptr;
            let (c0, width) = (b * BLOCK, BLOCK.min(n - b * BLOCK));
            for (g, r0) in (0..rows).step_by(GROUP).enumerate() {
                let (s, e) = (self.row_start[g] as usize, self.row_start[g + 1] as usize);
                let live = GROUP.min(rows - r0);
                let mut acc = [[0.0f32; BLOCK]; GROUP];
                for (i, a) in acc.iter_mut().enumerate().take(live) {
                    // SAFETY: block `b` owns columns c0..c0 + width of every
                    // row of `out`, within the bounds asserted above.
                    let o = unsafe { out_slice(ptr, (r0 + i) * n + c0, width) };
                    a[..width].copy_from_slice(o);
                }
                let (col, val) = (&self.row_col[s..e], &self.row_val[s * GROUP..e * GROUP]);
                tile_product(&mut acc, col, val, w, n, c0, width);
                for (i, a) in acc.iter().enumerate().take(live) {
                    // SAFETY: as above.
                    let o = unsafe { out_slice(ptr, (r0 + i) * n + c0, width) };
                    o.copy_from_slice(&a[..width]);
                }
            }
        };
        for_blocks(n.div_ceil(BLOCK), &run);
    }

    /// `out = X^T D` where `D` is row-major `rows x n` and `out` row-major
    /// `cols x n` (overwritten).
    pub fn t_matmul(&self, d: &[f32], n: usize, out: &mut [f32]) {
        assert!(
            d.len() >= self.rows * n && out.len() >= self.cols * n,
            "sparse t_matmul: operand too small"
        );
        let out_ptr = SendPtr(out.as_mut_ptr());
        let cols = self.cols;
        let run = move |b: usize| {
            let ptr = out_ptr;
            let (c0, width) = (b * BLOCK, BLOCK.min(n - b * BLOCK));
            for (g, j0) in (0..cols).step_by(GROUP).enumerate() {
                let (s, e) = (self.col_start[g] as usize, self.col_start[g + 1] as usize);
                let mut acc = [[0.0f32; BLOCK]; GROUP];
                let (row, val) = (&self.col_row[s..e], &self.col_val[s * GROUP..e * GROUP]);
                tile_product(&mut acc, row, val, d, n, c0, width);
                for (i, a) in acc.iter().enumerate().take(GROUP.min(cols - j0)) {
                    // SAFETY: block `b` owns columns c0..c0 + width of every
                    // row of `out`, within the bounds asserted above.
                    let o = unsafe { out_slice(ptr, (j0 + i) * n + c0, width) };
                    o.copy_from_slice(&a[..width]);
                }
            }
        };
        for_blocks(n.div_ceil(BLOCK), &run);
    }
}

/// For each row of the row-major `x` (`cols` wide, `cols > 0`), sets bit
/// `j` of the row's mask words when `x[i, j] != 0` (NaN counts as
/// non-zero).
fn nonzero_masks(x: &[f32], cols: usize, masks: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX, checked just above.
        return unsafe { nonzero_masks_avx(x, cols, masks) };
    }
    nonzero_masks_plain(x, cols, masks)
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

/// # Safety
/// `at..at + len` must lie in the buffer behind `ptr` and be written by no
/// other thread meanwhile.
unsafe fn out_slice<'a>(ptr: SendPtr, at: usize, len: usize) -> &'a mut [f32] {
    // SAFETY: guaranteed by the caller.
    unsafe { core::slice::from_raw_parts_mut(ptr.0.add(at), len) }
}

#[derive(Clone, Copy)]
struct SendPtr(*mut f32);
// SAFETY: each parallel task writes a disjoint block of columns.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

/// Runs `f(block)` for every block, split among the kernel threads by
/// recursive `rayon::join` (no allocation).
fn for_blocks(blocks: usize, f: &(impl Fn(usize) + Sync)) {
    fn go(lo: usize, hi: usize, f: &(impl Fn(usize) + Sync)) {
        if hi - lo <= 1 || rayon::current_num_threads() == 1 {
            (lo..hi).for_each(f);
        } else {
            let mid = lo + (hi - lo) / 2;
            rayon::join(|| go(lo, mid, f), || go(mid, hi, f));
        }
    }
    go(0, blocks, f);
}

/// `acc[i][c] += sum_e val[e * GROUP + i] * m[idx[e], c0 + c]` for
/// `c < width`, where `m` is row-major with `n` columns: each loaded piece
/// of `m` serves the whole tile, and the sums stay in vector registers.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn tile_product(
    acc: &mut [[f32; BLOCK]; GROUP],
    idx: &[u32],
    val: &[f32],
    m: &[f32],
    n: usize,
    c0: usize,
    width: usize,
) {
    // Decided when each version is compiled, not on every call.
    let fma = const { selected_target!().supports_feature_str("fma") };
    if width < BLOCK {
        for (e, &r) in idx.iter().enumerate() {
            let row = &m[r as usize * n + c0..r as usize * n + c0 + width];
            for (a, &v) in acc.iter_mut().zip(&val[e * GROUP..e * GROUP + GROUP]) {
                for (a, &x) in a.iter_mut().zip(row) {
                    *a += v * x;
                }
            }
        }
    } else if const { selected_target!().supports_feature_str("avx512f") } {
        // 16 accumulators of 16 lanes: the whole tile in registers.
        tile_panel::<BLOCK>(acc, 0, idx, val, m, n, c0, fma);
    } else {
        // 8-lane registers: two halves of 16 accumulators each.
        tile_panel::<{ BLOCK / 2 }>(acc, 0, idx, val, m, n, c0, fma);
        tile_panel::<{ BLOCK / 2 }>(acc, BLOCK / 2, idx, val, m, n, c0, fma);
    }
}

/// Columns `at..at + W` of [`tile_product`] for a full block.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile_panel<const W: usize>(
    acc: &mut [[f32; BLOCK]; GROUP],
    at: usize,
    idx: &[u32],
    val: &[f32],
    m: &[f32],
    n: usize,
    c0: usize,
    fma: bool,
) {
    let mut a = [[0.0f32; W]; GROUP];
    for (a, acc) in a.iter_mut().zip(acc.iter()) {
        a.copy_from_slice(&acc[at..at + W]);
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
    for (a, acc) in a.iter().zip(acc.iter_mut()) {
        acc[at..at + W].copy_from_slice(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gemm::{reference_gemm, MatRef};

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

    #[test]
    fn sparse_products_match_the_dense_reference() {
        for (rows, cols, n) in [
            (128, 784, 512),
            (7, 13, 70),
            (3, 5, 10),
            (96, 784, 512),
            (5, 65, 129),
            (1, 1, 1),
            (9, 128, 64),
        ] {
            let x = sparse_matrix(rows, cols, 1);
            let w: Vec<f32> = (0..cols * n).map(|i| (i as f32 * 0.37).sin()).collect();
            let d: Vec<f32> = (0..rows * n).map(|i| (i as f32 * 0.11).cos()).collect();
            let mut s = SparseBlocks::default();
            s.build(&x, rows, cols);
            assert_eq!(s.nnz(), x.iter().filter(|&&v| v != 0.0).count());
            // X W + 1
            let mut got = vec![1.0f32; rows * n];
            s.matmul_add(&w, n, &mut got);
            let mut want = vec![1.0f32; rows * n];
            reference_gemm(
                rows,
                cols,
                n,
                1.0,
                MatRef::row_major(&x, cols),
                MatRef::row_major(&w, n),
                1.0,
                &mut want,
            );
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-3, "X W: {a} vs {b}");
            }
            // X^T D, overwriting garbage
            let mut got = vec![f32::NAN; cols * n];
            s.t_matmul(&d, n, &mut got);
            let mut want = vec![0.0f32; cols * n];
            reference_gemm(
                cols,
                rows,
                n,
                1.0,
                MatRef::transposed(&x, cols),
                MatRef::row_major(&d, n),
                0.0,
                &mut want,
            );
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-3, "X^T D: {a} vs {b}");
            }
        }
    }

    #[test]
    fn a_nan_input_reaches_the_output_as_in_a_dense_product() {
        let mut x = vec![0.0f32; 4 * 70];
        x[2 * 70 + 66] = f32::NAN;
        let mut s = SparseBlocks::default();
        s.build(&x, 4, 70);
        assert_eq!(s.nnz(), 1);
        let mut out = vec![0.0f32; 4 * 3];
        s.matmul_add(&vec![1.0; 70 * 3], 3, &mut out);
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
    fn rebuilding_reuses_the_buffers() {
        let mut s = SparseBlocks::default();
        let x = sparse_matrix(16, 20, 3);
        s.build(&x, 16, 20);
        let nnz = s.nnz();
        s.build(&sparse_matrix(16, 20, 9), 16, 20);
        s.build(&x, 16, 20);
        assert_eq!(s.nnz(), nnz);
        assert_eq!(SparseBlocks::density(&x, 20, 16), nnz as f32 / 320.0);
    }
}
