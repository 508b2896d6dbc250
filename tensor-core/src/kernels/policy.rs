//! When a left operand is worth storing as sparse tiles: [`SparsePolicy`],
//! a value the caller holds (a layer, a training configuration), and its
//! [`CostModel`] of both kernels.

use super::sparse::GROUP;

/// Whether [`SparseLhs::prepare`](super::SparseLhs::prepare) may build
/// sparse tiles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SparsePolicy {
    /// Never: every product is dense (`mnist_static --dense-only`).
    Never,
    /// When the cost model says the tiles are cheaper.
    CostModel(CostModel),
    /// Whenever the tiles can be built and there is a product to take
    /// them (`n > 0`): to time or test them.
    Always,
}

impl Default for SparsePolicy {
    /// The cost model measured on the kernels ([`CostModel::MEASURED`]).
    fn default() -> Self {
        SparsePolicy::CostModel(CostModel::MEASURED)
    }
}

/// The time of a layer's two products with `X` (`rows x cols`) and a
/// matrix of `n` columns, `X W` and `X^T D`, on either kernel:
///
/// * dense: `2 rows cols n` multiply-adds at `dense_ns_per_mac`;
/// * sparse: building the tiles (`build_ns_per_element` per element of
///   `X`), then `tile_ns` per tile and output column, where the tiles are
///   the 4 x 1 and 1 x 4 blocks of `X` that hold a non-zero (counted
///   exactly on the first rows of `X` and scaled to all of them: the count
///   sees how the non-zeros cluster, which a density alone does not).
///
/// The constants are per thread; both kernels split over the threads alike.
/// The copies the tiles read of the other operand's blocks (its rows 4 KiB
/// or more apart, or a transposed view) are not priced apart: `tile_ns` was
/// set in training runs that include them.
/// [`MEASURED`](Self::MEASURED) holds what the kernel benchmark
/// (`cargo bench -p shaped-core --bench kernels -- cost_model`) measured on
/// the development machine; measure your own there.
///
/// ```
/// use shaped_core::kernels::{CostModel, SparsePolicy};
/// let model = CostModel::MEASURED;
/// let mut x = vec![0.0f32; 128 * 784];
/// x.iter_mut().step_by(50).for_each(|v| *v = 1.0); // 2% non-zero
/// assert!(SparsePolicy::CostModel(model).prefers_tiles(&x, 128, 784, 512, 1));
/// let dense = vec![1.0f32; 128 * 784];
/// assert!(!SparsePolicy::CostModel(model).prefers_tiles(&dense, 128, 784, 512, 1));
/// assert!(!SparsePolicy::Never.prefers_tiles(&x, 128, 784, 512, 1));
/// assert!(SparsePolicy::Always.prefers_tiles(&dense, 128, 784, 512, 1));
/// assert!(!SparsePolicy::Always.prefers_tiles(&dense, 128, 784, 0, 1)); // no product
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostModel {
    /// Dense kernel: nanoseconds per multiply-add.
    pub dense_ns_per_mac: f32,
    /// Sparse kernels: nanoseconds per tile and output column.
    pub tile_ns: f32,
    /// Building the tiles: nanoseconds per element of `X`.
    pub build_ns_per_element: f32,
}

impl CostModel {
    /// From the kernel benchmark's medians on the development machine
    /// (AMD EPYC, Zen 4, AVX-512; one thread, the machine otherwise idle):
    /// dense `X W` 1040 µs for 128 x 784 x 512 multiply-adds; the tiles'
    /// build 75.6 µs for 128 x 784 pixels. `tile_ns` is raised from the
    /// benchmark's 0.075 (the tiles' `X W` and `X^T D`, 630 µs for 16 543
    /// tiles times 512 columns, on MNIST-like strokes) to 0.09, so that
    /// the model agrees with the training runs, where the tiles cost more
    /// per tile on denser inputs than on MNIST's: in alternating runs at 1
    /// and 2 threads, 0.07 to 0.10 all trained Fashion-MNIST (half its
    /// pixels non-zero, now on the tiles) 11-26% faster than 0.12 did, and
    /// `mlp_bench`'s 3 x 512 net 5-16% faster; its 1024- and 2048-wide
    /// nets take the routes they took before, when outputs that wide were
    /// priced at 0.09 apart (their tiles read copies of the blocks: 11%
    /// and 3% faster than at 0.12).
    pub const MEASURED: CostModel = CostModel {
        dense_ns_per_mac: 0.0202,
        tile_ns: 0.09,
        build_ns_per_element: 0.75,
    };

    /// The model's (dense, sparse) nanoseconds for `X W` and `X^T D`.
    ///
    /// ```
    /// use shaped_core::kernels::CostModel;
    /// let mut x = vec![0.0f32; 128 * 784];
    /// x.iter_mut().step_by(50).for_each(|v| *v = 1.0); // 2% non-zero
    /// let (dense, sparse) = CostModel::MEASURED.predict(&x, 128, 784, 512);
    /// assert!(sparse < dense);
    /// let (dense, sparse) = CostModel::MEASURED.predict(&[1.0; 128 * 784], 128, 784, 512);
    /// assert!(sparse > dense);
    /// ```
    pub fn predict(&self, x: &[f32], rows: usize, cols: usize, n: usize) -> (f64, f64) {
        let (row_tiles, col_tiles) = tiles_estimate(x, rows, cols);
        let macs = rows as f64 * cols as f64 * n as f64;
        let dense = 2.0 * macs * self.dense_ns_per_mac as f64;
        let sparse = rows as f64 * cols as f64 * self.build_ns_per_element as f64
            + (row_tiles + col_tiles) * n as f64 * self.tile_ns as f64;
        (dense, sparse)
    }
}

impl SparsePolicy {
    /// Whether the tiles of the row-major `x` (`rows x cols`) pay for its
    /// products with matrices of `n` columns.
    pub fn prefers_tiles(
        &self,
        x: &[f32],
        rows: usize,
        cols: usize,
        n: usize,
        _threads: usize,
    ) -> bool {
        if rows.checked_mul(cols).is_none_or(|len| len > x.len()) {
            return false;
        }
        match self {
            SparsePolicy::Never => false,
            SparsePolicy::Always => n > 0,
            SparsePolicy::CostModel(model) => {
                // When building the tiles alone costs more than the dense
                // products (a classifier's narrow output), no need to count.
                let build = rows as f64 * cols as f64 * model.build_ns_per_element as f64;
                let dense =
                    2.0 * rows as f64 * cols as f64 * n as f64 * model.dense_ns_per_mac as f64;
                if build >= dense {
                    return false;
                }
                let (dense, sparse) = model.predict(x, rows, cols, n);
                sparse < dense
            }
        }
    }
}

/// The number of 4 x 1 tiles (four rows, one column) and 1 x 4 tiles (one
/// row, four columns) of the row-major `x` that hold a non-zero, counted
/// on the first 16 rows and scaled to all `rows`.
fn tiles_estimate(x: &[f32], rows: usize, cols: usize) -> (f64, f64) {
    const _: () = assert!(GROUP == 4, "the sums below name four rows");
    let sample = rows.min(4 * GROUP);
    if sample == 0 || cols == 0 {
        return (0.0, 0.0);
    }
    // Written as branch-free sums over whole rows so that they vectorize:
    // the policy runs on every batch.
    let nz = |v: f32| (v != 0.0) as usize;
    let row = |i: usize| &x[i * cols..(i + 1) * cols];
    let mut by_rows = 0usize;
    for g in (0..sample).step_by(GROUP) {
        // A group short of GROUP rows repeats its first row (same count).
        let r = |i: usize| row(if g + i < sample { g + i } else { g });
        let (r0, r1, r2, r3) = (r(0), r(1), r(2), r(3));
        by_rows += (0..cols)
            .map(|j| nz(r0[j]) | nz(r1[j]) | nz(r2[j]) | nz(r3[j]))
            .sum::<usize>();
    }
    let mut by_cols = 0usize;
    for i in 0..sample {
        let chunks = row(i).chunks_exact(GROUP);
        let rest = chunks.remainder();
        by_cols += chunks
            .map(|c| nz(c[0]) | nz(c[1]) | nz(c[2]) | nz(c[3]))
            .sum::<usize>();
        by_cols += rest.iter().any(|&v| v != 0.0) as usize;
    }
    let scale = rows as f64 / sample as f64;
    (by_rows as f64 * scale, by_cols as f64 * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tiles counted one by one, as the definition says.
    fn plain_count(x: &[f32], rows: usize, cols: usize) -> (usize, usize) {
        let sample = rows.min(4 * GROUP);
        let at = |i: usize, j: usize| x[i * cols + j] != 0.0;
        let mut by_rows = 0;
        for g in (0..sample).step_by(GROUP) {
            for j in 0..cols {
                by_rows += (g..(g + GROUP).min(sample)).any(|i| at(i, j)) as usize;
            }
        }
        let mut by_cols = 0;
        for i in 0..sample {
            for c in (0..cols).step_by(GROUP) {
                by_cols += (c..(c + GROUP).min(cols)).any(|j| at(i, j)) as usize;
            }
        }
        (by_rows, by_cols)
    }

    #[test]
    fn the_vectorized_tile_count_equals_the_plain_one() {
        // Ragged sizes (rows and columns not multiples of GROUP, fewer rows
        // than the sample), NaN and negative zero (a zero) among the values.
        let mut seed = 12345u32;
        for (rows, cols) in [
            (1, 1),
            (3, 7),
            (5, 9),
            (16, 784),
            (17, 30),
            (128, 61),
            (2, 4),
        ] {
            let x: Vec<f32> = (0..rows * cols)
                .map(|_| {
                    seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                    match seed >> 28 {
                        0 => f32::NAN,
                        1 => -0.0,
                        2..=4 => 0.5,
                        _ => 0.0,
                    }
                })
                .collect();
            let (r, c) = plain_count(&x, rows, cols);
            let scale = rows as f64 / rows.min(4 * GROUP) as f64;
            assert_eq!(
                tiles_estimate(&x, rows, cols),
                (r as f64 * scale, c as f64 * scale),
                "{rows} x {cols}"
            );
        }
    }
}
