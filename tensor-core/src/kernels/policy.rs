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
/// [`MEASURED`](Self::MEASURED) holds what the kernel benchmark
/// (`cargo bench -p tensor-core --bench kernels -- cost_model`) measured on
/// the development machine; measure your own there.
///
/// ```
/// use tensor_core::kernels::{CostModel, SparsePolicy};
/// let model = CostModel::MEASURED;
/// let mut x = vec![0.0f32; 128 * 784];
/// x.iter_mut().step_by(50).for_each(|v| *v = 1.0); // 2% non-zero
/// assert!(SparsePolicy::CostModel(model).prefers_tiles(&x, 128, 784, 512, 1));
/// let dense = vec![1.0f32; 128 * 784];
/// assert!(!SparsePolicy::CostModel(model).prefers_tiles(&dense, 128, 784, 512, 1));
/// assert!(!SparsePolicy::Never.prefers_tiles(&x, 128, 784, 512, 1));
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
    /// tiles times 512 columns, on MNIST-like strokes) to 0.12, so that
    /// the model agrees with the training runs: the tiles cost more per
    /// tile on denser inputs than on MNIST's, and Fashion-MNIST (half its
    /// pixels non-zero) trained 1.4x slower on them than dense.
    pub const MEASURED: CostModel = CostModel {
        dense_ns_per_mac: 0.0202,
        tile_ns: 0.12,
        build_ns_per_element: 0.75,
    };

    /// The model's (dense, sparse) nanoseconds for `X W` and `X^T D`.
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
        match self {
            SparsePolicy::Never => false,
            SparsePolicy::CostModel(model) => {
                if rows.checked_mul(cols).is_none_or(|len| len > x.len()) {
                    return false;
                }
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
    let sample = rows.min(4 * GROUP);
    if sample == 0 || cols == 0 {
        return (0.0, 0.0);
    }
    let (mut by_rows, mut by_cols) = (0usize, 0usize);
    for g in (0..sample).step_by(GROUP) {
        let live = GROUP.min(sample - g);
        for j in 0..cols {
            by_rows += (0..live).any(|i| x[(g + i) * cols + j] != 0.0) as usize;
        }
    }
    for row in x[..sample * cols].chunks_exact(cols) {
        by_cols += row
            .chunks(GROUP)
            .filter(|c| c.iter().any(|&v| v != 0.0))
            .count();
    }
    let scale = rows as f64 / sample as f64;
    (by_rows as f64 * scale, by_cols as f64 * scale)
}
