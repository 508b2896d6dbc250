//! Crossentropy fused with the softmax (or sigmoid) before it: the `(p - y) / n`
//! gradient with respect to the logits, one definition for the tape's
//! [`Var::softmax_crossentropy`](crate::Var::softmax_crossentropy) and the
//! `nn` crate's fused losses.

use crate::dtype::Float;

/// The gradient of crossentropy with respect to the logits of a softmax
/// (or of a sigmoid, for binary crossentropy), into `grad`:
/// `(p - y) / scale`, with `p` the probabilities, `y` the targets and
/// `scale` the number of terms averaged over.
///
/// ```
/// use shaped_core::op_defs::crossentropy::prob_minus_target;
/// let mut g = [0.0f32; 2];
/// prob_minus_target(&[0.25, 0.75], &[0.0, 1.0], 1.0, &mut g);
/// assert_eq!(g, [0.25, -0.25]);
/// ```
#[inline]
pub fn prob_minus_target<E: Float>(p: &[E], y: &[E], scale: E, grad: &mut [E]) {
    let inv = E::ONE / scale;
    for ((g, &p), &y) in grad.iter_mut().zip(p).zip(y) {
        *g = (p - y) * inv;
    }
}

/// The mean over rows (of length `n`) of `-Σ y_i log softmax(x)_i`,
/// through the log-softmax, so that no probability is rounded to 0 first.
/// `log_p` is scratch of `x`'s length.
///
/// ```
/// use shaped_core::op_defs::crossentropy::softmax_crossentropy;
/// let mut scratch = [0.0f64; 2];
/// let l = softmax_crossentropy(&[0.0, 0.0], &[1.0, 0.0], 2, &mut scratch);
/// assert!((l - 2f64.ln()).abs() < 1e-12);
/// ```
pub fn softmax_crossentropy<E: Float>(x: &[E], y: &[E], n: usize, log_p: &mut [E]) -> E {
    log_p.copy_from_slice(x);
    super::softmax::log_forward_rows(log_p, n);
    let rows = x.len().checked_div(n).unwrap_or(0);
    let s = log_p.iter().zip(y).fold(E::ZERO, |a, (&l, &y)| a - y * l);
    s / E::from_usize(rows.max(1))
}
