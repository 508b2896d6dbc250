//! The optimizers' element-wise update loops: compiled for several SIMD
//! levels and picked at run time (`multiversion`), and split across the
//! kernel threads for large tensors.

use multiversion::multiversion;
use rayon::prelude::*;

/// Elements per parallel task: large enough that a task costs far more than
/// handing it out.
const CHUNK: usize = 1 << 15;

/// Flushes a subnormal float to zero. RMSprop's and Adam's accumulators decay
/// towards zero for weights whose gradient stays zero (MNIST's border
/// pixels); subnormal arithmetic is many times slower on x86.
#[inline(always)]
pub(crate) fn flush(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE {
        0.0
    } else {
        x
    }
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn rmsprop_chunk(w: &mut [f32], g: &[f32], v: &mut [f32], lr: f32, rho: f32, eps: f32) {
    for ((w, &g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
        *v = flush(rho * *v + (1.0 - rho) * g * g);
        *w -= lr * g / (*v + eps).sqrt();
    }
}

/// The same step without flushing subnormals (to measure what flushing saves).
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn rmsprop_chunk_keep(w: &mut [f32], g: &[f32], v: &mut [f32], lr: f32, rho: f32, eps: f32) {
    for ((w, &g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
        *v = rho * *v + (1.0 - rho) * g * g;
        *w -= lr * g / (*v + eps).sqrt();
    }
}

/// Keras's RMSprop step without momentum or centering, in place:
/// `v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps)`, flushing
/// subnormal `v` to zero when `flush_subnormals`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn rmsprop(
    w: &mut [f32],
    g: &[f32],
    v: &mut [f32],
    lr: f32,
    rho: f32,
    eps: f32,
    flush_subnormals: bool,
) {
    let f = if flush_subnormals {
        rmsprop_chunk
    } else {
        rmsprop_chunk_keep
    };
    if w.len() <= CHUNK {
        return f(w, g, v, lr, rho, eps);
    }
    w.par_chunks_mut(CHUNK)
        .zip(g.par_chunks(CHUNK))
        .zip(v.par_chunks_mut(CHUNK))
        .for_each(|((w, g), v)| f(w, g, v, lr, rho, eps));
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
#[allow(clippy::too_many_arguments)]
fn adam_chunk(
    w: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    alpha: f32,
    b1: f32,
    b2: f32,
    eps: f32,
) {
    for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
        *m = flush(b1 * *m + (1.0 - b1) * g);
        *v = flush(b2 * *v + (1.0 - b2) * g * g);
        *w -= alpha * *m / (v.sqrt() + eps);
    }
}

/// Keras's Adam step with the bias correction folded into `alpha`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn adam(
    w: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    alpha: f32,
    b1: f32,
    b2: f32,
    eps: f32,
) {
    if w.len() <= CHUNK {
        return adam_chunk(w, g, m, v, alpha, b1, b2, eps);
    }
    w.par_chunks_mut(CHUNK)
        .zip(g.par_chunks(CHUNK))
        .zip(m.par_chunks_mut(CHUNK))
        .zip(v.par_chunks_mut(CHUNK))
        .for_each(|(((w, g), m), v)| adam_chunk(w, g, m, v, alpha, b1, b2, eps));
}
