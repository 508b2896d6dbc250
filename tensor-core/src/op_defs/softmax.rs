//! softmax and log-softmax over rows, forward and backward: the one
//! definition that [`Tensor::softmax`](crate::Tensor::softmax), the tape's
//! [`Var::softmax`](crate::Var::softmax) and the `nn` crate's `Softmax`
//! activation call.
//!
//! Each works in place on rows of length `n` (the last axis) of a
//! row-major buffer; a length that is not a multiple of `n` leaves a
//! shorter last row, which is treated as a row of its own. `n == 0` does
//! nothing. The forward subtracts each row's maximum before
//! exponentiating, so large inputs do not overflow.
//!
//! ```
//! use shaped_core::op_defs::softmax;
//! let mut p = [1.0f64, 2.0, 3.0, 1000.0, 1000.0, 1000.0];
//! softmax::forward_rows(&mut p, 3);
//! assert!((p[0] + p[1] + p[2] - 1.0).abs() < 1e-12);
//! assert!((p[3] - 1.0 / 3.0).abs() < 1e-12);
//! // The backward of a gradient that is the same for every class is 0.
//! let mut g = [1.0f64; 6];
//! softmax::backward_rows(&p, &mut g, 3);
//! assert!(g.iter().all(|g| g.abs() < 1e-12));
//! ```

use crate::dtype::Float;

/// The largest element of `row` (ignoring NaN, like `f32::max`), or -inf.
#[inline(always)]
fn row_max<E: Float>(row: &[E]) -> E {
    row.iter().fold(E::NEG_INFINITY, |a, &b| a.max(b))
}

/// `Σ a_i b_i`.
#[inline(always)]
fn dot<E: Float>(a: &[E], b: &[E]) -> E {
    a.iter().zip(b).fold(E::ZERO, |s, (&a, &b)| s + a * b)
}

/// softmax of each row, in place: `y_i = e^(x_i - m) / Σ_j e^(x_j - m)`
/// with `m` the row's maximum.
#[inline]
pub fn forward_rows<E: Float>(x: &mut [E], n: usize) {
    if n == 0 {
        return;
    }
    for row in x.chunks_mut(n) {
        let m = row_max(row);
        let mut s = E::ZERO;
        for v in row.iter_mut() {
            *v = (*v - m).exp();
            s += *v;
        }
        let inv = E::ONE / s;
        row.iter_mut().for_each(|v| *v *= inv);
    }
}

/// The backward of softmax, in place: the gradient `g` of the output `y`
/// becomes the input's, `y_i (g_i - Σ_j g_j y_j)` per row.
#[inline]
pub fn backward_rows<E: Float>(y: &[E], g: &mut [E], n: usize) {
    if n == 0 {
        return;
    }
    for (g, y) in g.chunks_mut(n).zip(y.chunks(n)) {
        let d = dot(g, y);
        for (g, &y) in g.iter_mut().zip(y) {
            *g = y * (*g - d);
        }
    }
}

/// log-softmax of each row, in place: `x_i - m - ln Σ_j e^(x_j - m)`.
#[inline]
pub fn log_forward_rows<E: Float>(x: &mut [E], n: usize) {
    if n == 0 {
        return;
    }
    for row in x.chunks_mut(n) {
        let m = row_max(row);
        let s = row.iter().fold(E::ZERO, |a, &v| a + (v - m).exp());
        let lse = m + s.ln();
        row.iter_mut().for_each(|v| *v -= lse);
    }
}

/// The backward of log-softmax, in place from its output `y`: the
/// gradient `g` becomes `g_i - e^(y_i) Σ_j g_j` per row (`e^y` is the
/// softmax).
#[inline]
pub fn log_backward_rows<E: Float>(y: &[E], g: &mut [E], n: usize) {
    if n == 0 {
        return;
    }
    for (g, y) in g.chunks_mut(n).zip(y.chunks(n)) {
        let total = g.iter().fold(E::ZERO, |a, &g| a + g);
        for (g, &y) in g.iter_mut().zip(y) {
            *g -= y.exp() * total;
        }
    }
}
