//! Products with a mostly-zero left operand (MNIST's pixels are 81% zeros):
//! `X W` and `X^T D` computed from the non-zeros of `X` alone.
//!
//! Both walk the output in blocks of [`BLOCK`] columns, so the block of `W`
//! (or `D`) being read stays in cache and the running sums stay in vector
//! registers; blocks are independent, so they are shared among the kernel
//! threads. The results equal the dense products up to the order of the
//! additions.

use multiversion::multiversion;

/// Columns of the output computed together.
pub const BLOCK: usize = 64;

/// The non-zeros of a row-major `rows x cols` matrix, both by row and by
/// column, rebuilt in place for each batch (its buffers keep their capacity).
#[derive(Clone, Debug, Default)]
pub struct SparseRows {
    rows: usize,
    cols: usize,
    /// `row_start[i]..row_start[i + 1]` indexes row `i`'s entries.
    row_start: Vec<u32>,
    row_col: Vec<u32>,
    row_val: Vec<f32>,
    /// The same entries grouped by column.
    col_start: Vec<u32>,
    col_row: Vec<u32>,
    col_val: Vec<f32>,
}

impl SparseRows {
    /// The share of entries that are non-zero in `x`, read from the first
    /// `sample` rows (or all).
    ///
    /// ```
    /// use tensor_core::kernels::sparse::SparseRows;
    /// assert_eq!(SparseRows::density(&[0.0, 1.0, 0.0, 0.0], 2, 2), 0.25);
    /// ```
    pub fn density(x: &[f32], cols: usize, sample: usize) -> f32 {
        let n = (sample * cols).min(x.len());
        if n == 0 {
            return 1.0;
        }
        x[..n].iter().filter(|&&v| v != 0.0).count() as f32 / n as f32
    }

    /// Rebuilds from the row-major `rows x cols` matrix `x`.
    pub fn build(&mut self, x: &[f32], rows: usize, cols: usize) {
        assert_eq!(
            x.len(),
            rows * cols,
            "sparse: the matrix is not {rows} x {cols}"
        );
        assert!(
            cols <= u32::MAX as usize && x.len() <= u32::MAX as usize,
            "sparse: too large"
        );
        self.rows = rows;
        self.cols = cols;
        self.row_start.clear();
        self.row_col.clear();
        self.row_val.clear();
        self.col_start.clear();
        self.col_start.resize(cols + 1, 0);
        self.row_start.push(0);
        for row in x.chunks(cols) {
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    self.row_col.push(j as u32);
                    self.row_val.push(v);
                    self.col_start[j + 1] += 1;
                }
            }
            self.row_start.push(self.row_col.len() as u32);
        }
        for j in 0..cols {
            self.col_start[j + 1] += self.col_start[j];
        }
        let nnz = self.row_col.len();
        self.col_row.resize(nnz, 0);
        self.col_val.resize(nnz, 0.0);
        // Fill by column with `col_start[j]` as column j's cursor; afterwards
        // it holds column j's end, so shift it back by one column.
        for i in 0..rows {
            for e in self.row_start[i] as usize..self.row_start[i + 1] as usize {
                let j = self.row_col[e] as usize;
                let at = self.col_start[j] as usize;
                self.col_row[at] = i as u32;
                self.col_val[at] = self.row_val[e];
                self.col_start[j] += 1;
            }
        }
        for j in (1..=cols).rev() {
            self.col_start[j] = self.col_start[j - 1];
        }
        self.col_start[0] = 0;
    }

    /// The number of non-zeros.
    pub fn nnz(&self) -> usize {
        self.row_col.len()
    }

    /// `out += X W` where `W` is row-major `cols x n` and `out` row-major
    /// `rows x n` (pre-filled, e.g. with the bias).
    pub fn matmul_add(&self, w: &[f32], n: usize, out: &mut [f32]) {
        assert!(
            w.len() >= self.cols * n && out.len() >= self.rows * n,
            "sparse matmul: operand too small"
        );
        let blocks = n.div_ceil(BLOCK);
        let out_ptr = SendPtr(out.as_mut_ptr());
        let run = move |b: usize| {
            let ptr = out_ptr;
            let (c0, c1) = (b * BLOCK, ((b + 1) * BLOCK).min(n));
            for i in 0..self.rows {
                let (s, e) = (self.row_start[i] as usize, self.row_start[i + 1] as usize);
                // SAFETY: block `b` owns columns c0..c1 of every row of `out`,
                // which lies within the bounds asserted above.
                let o = unsafe { core::slice::from_raw_parts_mut(ptr.0.add(i * n + c0), c1 - c0) };
                axpy_rows(o, &self.row_col[s..e], &self.row_val[s..e], w, n, c0);
            }
        };
        for_blocks(blocks, &run);
    }

    /// `out = X^T D` where `D` is row-major `rows x n` and `out` row-major
    /// `cols x n` (overwritten).
    pub fn t_matmul(&self, d: &[f32], n: usize, out: &mut [f32]) {
        assert!(
            d.len() >= self.rows * n && out.len() >= self.cols * n,
            "sparse t_matmul: operand too small"
        );
        let blocks = n.div_ceil(BLOCK);
        let out_ptr = SendPtr(out.as_mut_ptr());
        let run = move |b: usize| {
            let ptr = out_ptr;
            let (c0, c1) = (b * BLOCK, ((b + 1) * BLOCK).min(n));
            for j in 0..self.cols {
                let (s, e) = (self.col_start[j] as usize, self.col_start[j + 1] as usize);
                // SAFETY: block `b` owns columns c0..c1 of every row of `out`.
                let o = unsafe { core::slice::from_raw_parts_mut(ptr.0.add(j * n + c0), c1 - c0) };
                o.fill(0.0);
                axpy_rows(o, &self.col_row[s..e], &self.col_val[s..e], d, n, c0);
            }
        };
        for_blocks(blocks, &run);
    }
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

/// `o += sum_e val[e] * m[idx[e], c0..c0 + o.len()]`, where `m` is row-major
/// with `n` columns; the sums stay in registers for a full block.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn axpy_rows(o: &mut [f32], idx: &[u32], val: &[f32], m: &[f32], n: usize, c0: usize) {
    if o.len() == BLOCK {
        let mut acc = [0.0f32; BLOCK];
        acc.copy_from_slice(o);
        for (&r, &v) in idx.iter().zip(val) {
            let row: &[f32; BLOCK] = m[r as usize * n + c0..r as usize * n + c0 + BLOCK]
                .try_into()
                .unwrap();
            for c in 0..BLOCK {
                acc[c] += v * row[c];
            }
        }
        o.copy_from_slice(&acc);
    } else {
        let w = o.len();
        for (&r, &v) in idx.iter().zip(val) {
            let row = &m[r as usize * n + c0..r as usize * n + c0 + w];
            for (a, &x) in o.iter_mut().zip(row) {
                *a += v * x;
            }
        }
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
        for (rows, cols, n) in [(128, 784, 512), (7, 13, 70), (3, 5, 10), (96, 784, 512)] {
            let x = sparse_matrix(rows, cols, 1);
            let w: Vec<f32> = (0..cols * n).map(|i| (i as f32 * 0.37).sin()).collect();
            let d: Vec<f32> = (0..rows * n).map(|i| (i as f32 * 0.11).cos()).collect();
            let mut s = SparseRows::default();
            s.build(&x, rows, cols);
            assert!(s.nnz() > 0 && s.nnz() < x.len());
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
    fn rebuilding_reuses_the_buffers() {
        let mut s = SparseRows::default();
        let x = sparse_matrix(16, 20, 3);
        s.build(&x, 16, 20);
        let nnz = s.nnz();
        s.build(&sparse_matrix(16, 20, 9), 16, 20);
        s.build(&x, 16, 20);
        assert_eq!(s.nnz(), nnz);
        assert_eq!(SparseRows::density(&x, 20, 16), nnz as f32 / 320.0);
    }
}
