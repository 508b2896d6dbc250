//! General matrix multiply: `C = alpha * A B + beta * C` on strided
//! row/column layouts. `f32` and `f64` run on `matrixmultiply`; other element
//! types on a plain loop.

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
    let t = TypeId::of::<E>();
    if t == TypeId::of::<f32>() || t == TypeId::of::<f64>() {
        // SAFETY: bounds were checked above for every index the kernel reads
        // (rows*rs + cols*cs within each slice) and `c` holds m*n elements;
        // `E` is exactly f32 or f64 here, so the pointer casts are identities.
        unsafe {
            if t == TypeId::of::<f32>() {
                matrixmultiply::sgemm(
                    m,
                    k,
                    n,
                    *(&alpha as *const E as *const f32),
                    a.data.as_ptr() as *const f32,
                    a.rs as isize,
                    a.cs as isize,
                    b.data.as_ptr() as *const f32,
                    b.rs as isize,
                    b.cs as isize,
                    *(&beta as *const E as *const f32),
                    c.as_mut_ptr() as *mut f32,
                    n as isize,
                    1,
                );
            } else {
                matrixmultiply::dgemm(
                    m,
                    k,
                    n,
                    *(&alpha as *const E as *const f64),
                    a.data.as_ptr() as *const f64,
                    a.rs as isize,
                    a.cs as isize,
                    b.data.as_ptr() as *const f64,
                    b.rs as isize,
                    b.cs as isize,
                    *(&beta as *const E as *const f64),
                    c.as_mut_ptr() as *mut f64,
                    n as isize,
                    1,
                );
            }
        }
        return;
    }
    reference_gemm(m, k, n, alpha, a, b, beta, c);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_matches_reference_with_transposes_and_accumulate() {
        let (m, k, n) = (7, 13, 5);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let av = if ta {
                MatRef::transposed(&a, m)
            } else {
                MatRef::row_major(&a, k)
            };
            let bv = if tb {
                MatRef::transposed(&b, k)
            } else {
                MatRef::row_major(&b, n)
            };
            let mut c1 = vec![1.0f32; m * n];
            let mut c2 = c1.clone();
            gemm(m, k, n, 0.5, av, bv, 2.0, &mut c1);
            reference_gemm(m, k, n, 0.5, av, bv, 2.0, &mut c2);
            for (x, y) in c1.iter().zip(&c2) {
                assert!((x - y).abs() < 1e-4, "{x} vs {y}");
            }
        }
    }
}
