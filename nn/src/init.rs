//! Weight initializers, as Keras defines them.

use rand::{rngs::StdRng, Rng};
use shaped_core::Num;

/// Keras's `glorot_uniform`: uniform in `[-limit, limit]` with
/// `limit = sqrt(6 / (fan_in + fan_out))`, drawn in `f64` and rounded to
/// the weights' type (`f32` or `f64`).
///
/// ```
/// use rand::{rngs::StdRng, SeedableRng};
/// let mut w = vec![0.0f32; 784 * 512];
/// shaped_nn::init::glorot_uniform(&mut w, 784, 512, &mut StdRng::seed_from_u64(0));
/// let limit = (6.0f32 / (784.0 + 512.0)).sqrt();
/// assert!(w.iter().all(|x| x.abs() <= limit));
/// ```
pub fn glorot_uniform<E: Num>(w: &mut [E], fan_in: usize, fan_out: usize, rng: &mut StdRng) {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
    for v in w.iter_mut() {
        *v = E::from_f64(rng.random_range(-limit..=limit));
    }
}
