//! The argmax rule, numpy's: the first of the largest values, and the
//! first NaN where there is one (a NaN beats every number).

use crate::Float;

/// Whether `x` takes the place of `best` as the largest value so far:
/// larger, or the first NaN.
///
/// ```
/// use shaped_core::op_defs::argmax::beats;
/// assert!(beats(2.0f32, 1.0));
/// assert!(!beats(1.0f32, 1.0)); // the first of equals stays
/// assert!(beats(f32::NAN, 9.0));
/// assert!(!beats(9.0, f32::NAN));
/// assert!(!beats(f32::NAN, f32::NAN));
/// ```
#[inline]
pub fn beats<E: Float>(x: E, best: E) -> bool {
    x > best || (x.is_nan() && !best.is_nan())
}

/// The index of the largest element of `x` (0 when `x` is empty).
///
/// ```
/// use shaped_core::op_defs::argmax::argmax;
/// assert_eq!(argmax(&[0.1f32, 0.7, 0.7, 0.2]), 1);
/// assert_eq!(argmax(&[0.1f32, f32::NAN, 0.7, f32::NAN]), 1);
/// assert_eq!(argmax::<f64>(&[]), 0);
/// ```
pub fn argmax<E: Float>(x: &[E]) -> usize {
    let mut best = 0;
    for (i, &v) in x.iter().enumerate() {
        if beats(v, x[best]) {
            best = i;
        }
    }
    best
}
