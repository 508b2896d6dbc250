//! Operands and helpers shared by the kernels' tests.

use super::view::MatRef;

/// Deterministic test operands for an `m x k` by `k x n` product.
pub(crate) fn operands(m: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
    let a = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
    let b = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
    (a, b)
}

/// The four ways the tests read `a` (`m x k`) and `b` (`k x n`): each
/// row-major or through a transposed view, as `(a transposed, b
/// transposed, a, b)`.
pub(crate) fn layouts<'a>(
    a: &'a [f32],
    b: &'a [f32],
    m: usize,
    k: usize,
    n: usize,
) -> [(bool, bool, MatRef<'a, f32>, MatRef<'a, f32>); 4] {
    [(false, false), (true, false), (false, true), (true, true)].map(|(ta, tb)| {
        let av = if ta {
            MatRef::row_major(a, k, m).unwrap().t()
        } else {
            MatRef::row_major(a, m, k).unwrap()
        };
        let bv = if tb {
            MatRef::row_major(b, n, k).unwrap().t()
        } else {
            MatRef::row_major(b, k, n).unwrap()
        };
        (ta, tb, av, bv)
    })
}

/// The panic message of `f`, which must panic.
pub(crate) fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("expected a panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// `c = alpha a b (+ c)` by the plain loop, for comparisons.
pub(crate) fn reference(
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    alpha: f32,
    c: &mut [f32],
    add: bool,
) {
    super::matmul::reference(c, add, a, b, alpha)
}
