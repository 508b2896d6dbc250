//! The optimizers' element-wise update loops: compiled for several SIMD
//! levels and picked at run time (`shaped_core::vectorized!`), and split across the
//! kernel threads for large tensors (as many of them as the update's
//! [`Parallelism`] allows: with one thread, the chunks run in turn on the
//! calling thread, with the same results).
//!
//! Each loop also checks, in the same pass, that every gradient it read and
//! every parameter it wrote is finite: it adds `g * 0` and `w * 0` into two
//! accumulators, which stay 0 unless a value is NaN or infinite (then they
//! become NaN). That is two vector multiply-adds per element in a loop bound
//! by memory, so the check costs next to nothing (see [`Finite`]).

use rayon::prelude::*;
use shaped_core::{kernels::Parallelism, Float};

/// Elements per parallel task: large enough that a task costs far more than
/// handing it out.
const CHUNK: usize = 1 << 15;

/// The fewest chunks a parallel task takes under `par`, so that `len`
/// elements make at most `par`'s threads' worth of tasks: one chunk a task
/// (as many tasks as chunks) with all the kernel threads, and `None` when
/// the update must stay on the calling thread.
fn min_chunks(par: Parallelism, len: usize) -> Option<usize> {
    match par.tasks() {
        1 => None,
        usize::MAX => Some(1),
        t => Some(len.div_ceil(CHUNK).div_ceil(t).max(1)),
    }
}

/// Flushes a subnormal float to zero. RMSprop's and Adam's accumulators decay
/// towards zero for weights whose gradient stays zero (MNIST's border
/// pixels); subnormal arithmetic is many times slower on x86.
#[inline(always)]
pub(crate) fn flush<E: Float>(x: E) -> E {
    if x.abs() < E::MIN_POSITIVE {
        E::ZERO
    } else {
        x
    }
}

/// Whether the gradients read and the parameters written by an update were
/// all finite: the sums of `g * 0` and `w * 0`, 0 when they were, NaN when
/// any was NaN or infinite.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Finite {
    grad: f32,
    param: f32,
}

impl Finite {
    /// Both finite.
    pub(crate) const OK: Finite = Finite {
        grad: 0.0,
        param: 0.0,
    };
    /// From the check sums.
    pub(crate) fn of(grad: f32, param: f32) -> Finite {
        Finite { grad, param }
    }
    /// Every gradient was finite.
    pub(crate) fn grad_ok(self) -> bool {
        self.grad == 0.0
    }
    /// Every parameter written was finite.
    pub(crate) fn param_ok(self) -> bool {
        self.param == 0.0
    }
    fn join(self, o: Finite) -> Finite {
        Finite::of(self.grad + o.grad, self.param + o.param)
    }
}

/// Lanes of the check sums (independent, so that the loop vectorizes).
const LANES: usize = 16;

/// Adds `g * 0` and `w * 0` of one element into lane `k` of the checks.
#[inline(always)]
fn check<E: Float>(cg: &mut [E; LANES], cw: &mut [E; LANES], k: usize, g: E, w: E) {
    cg[k] += g * E::ZERO;
    cw[k] += w * E::ZERO;
}

/// Runs `f(w, g, s)` for every element of the zipped slices (`s` one state
/// slice) and returns the checks of the gradients and the new parameters.
/// With `CHECK = false` the checks are left out (and [`Finite::OK`]
/// returned): the twin the tests and the `finite_check` benchmark compare
/// the checked loop against.
#[inline(always)]
fn checked2<const CHECK: bool>(
    w: &mut [f32],
    g: &[f32],
    s: &mut [f32],
    f: impl Fn(&mut f32, f32, &mut f32),
) -> Finite {
    let (mut cg, mut cw) = ([0.0f32; LANES], [0.0f32; LANES]);
    let mut wc = w.chunks_exact_mut(LANES);
    let mut gc = g.chunks_exact(LANES);
    let mut sc = s.chunks_exact_mut(LANES);
    for ((w, g), s) in (&mut wc).zip(&mut gc).zip(&mut sc) {
        for k in 0..LANES {
            f(&mut w[k], g[k], &mut s[k]);
            if CHECK {
                check(&mut cg, &mut cw, k, g[k], w[k]);
            }
        }
    }
    let tail = wc.into_remainder().iter_mut().zip(gc.remainder());
    for (k, ((w, &g), s)) in tail.zip(sc.into_remainder()).enumerate() {
        f(w, g, s);
        if CHECK {
            check(&mut cg, &mut cw, k, g, *w);
        }
    }
    Finite::of(cg.iter().sum(), cw.iter().sum())
}

/// [`checked2`] with two state slices, for Adam, whose update carries every
/// non-finite gradient into the parameter it writes (a NaN or infinite `g`
/// makes `m`, or `m / sqrt(v)`, NaN whatever the rates: `0 * inf` and
/// `inf / inf` are NaN too). So the loop checks the parameters alone, one
/// multiply-add an element, and only when one is not finite rescans both to
/// say which ([`check_all`]): the rare path, after something has already gone
/// wrong.
#[inline(always)]
fn checked3<const CHECK: bool>(
    w: &mut [f32],
    g: &[f32],
    s: &mut [f32],
    t: &mut [f32],
    f: impl Fn(&mut f32, f32, &mut f32, &mut f32),
) -> Finite {
    let mut cw = [0.0f32; LANES];
    let mut wc = w.chunks_exact_mut(LANES);
    let mut gc = g.chunks_exact(LANES);
    let mut sc = s.chunks_exact_mut(LANES);
    let mut tc = t.chunks_exact_mut(LANES);
    for (((w, g), s), t) in (&mut wc).zip(&mut gc).zip(&mut sc).zip(&mut tc) {
        for k in 0..LANES {
            f(&mut w[k], g[k], &mut s[k], &mut t[k]);
            if CHECK {
                cw[k] += w[k] * 0.0;
            }
        }
    }
    let tail = wc.into_remainder().iter_mut().zip(gc.remainder());
    let states = sc.into_remainder().iter_mut().zip(tc.into_remainder());
    for (k, ((w, &g), (s, t))) in tail.zip(states).enumerate() {
        f(w, g, s, t);
        if CHECK {
            cw[k] += *w * 0.0;
        }
    }
    if CHECK && cw.iter().sum::<f32>() != 0.0 {
        return check_all(w, g);
    }
    Finite::OK
}

/// The checks of `w` and `g` alone (for the update loops that are not
/// kernels here), in the same lanes.
pub(crate) fn check_all<E: Float>(w: &[E], g: &[E]) -> Finite {
    let (mut cg, mut cw) = ([E::ZERO; LANES], [E::ZERO; LANES]);
    let (wc, gc) = (w.chunks_exact(LANES), g.chunks_exact(LANES));
    let (wt, gt) = (wc.remainder(), gc.remainder());
    for (w, g) in wc.zip(gc) {
        for k in 0..LANES {
            check(&mut cg, &mut cw, k, g[k], w[k]);
        }
    }
    for (k, (&w, &g)) in wt.iter().zip(gt).enumerate() {
        check(&mut cg, &mut cw, k, g, w);
    }
    let sum = |c: [E; LANES]| c.into_iter().fold(E::ZERO, |a, b| a + b).to_f64() as f32;
    Finite::of(sum(cg), sum(cw))
}

shaped_core::vectorized! {
    /// One chunk of the step; `FLUSH` flushes subnormal `v` to zero (off,
    /// to measure what flushing saves).
    fn rmsprop_chunk[const CHECK: bool, const FLUSH: bool][CHECK, FLUSH](
        w: &mut [f32],
        g: &[f32],
        v: &mut [f32],
        lr: f32,
        rho: f32,
        eps: f32,
    ) -> Finite {
        checked2::<CHECK>(w, g, v, |w, g, v| {
            let next = rho * *v + (1.0 - rho) * g * g;
            *v = if FLUSH { flush(next) } else { next };
            *w -= lr * g / (*v + eps).sqrt();
        })
    }
}

/// Keras's RMSprop step without momentum or centering, in place:
/// `v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps)`, flushing
/// subnormal `v` to zero when `flush_subnormals`; with its [`Finite`] check
/// when `CHECK` (the optimizers always check; `CHECK = false` is the
/// reference the tests and the `finite_check` benchmark hold the checked
/// loop to, and returns [`Finite::OK`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn rmsprop<const CHECK: bool>(
    w: &mut [f32],
    g: &[f32],
    v: &mut [f32],
    lr: f32,
    rho: f32,
    eps: f32,
    flush_subnormals: bool,
    par: Parallelism,
) -> Finite {
    let f = if flush_subnormals {
        rmsprop_chunk::<CHECK, true>
    } else {
        rmsprop_chunk::<CHECK, false>
    };
    if w.len() <= CHUNK {
        return f(w, g, v, lr, rho, eps);
    }
    let Some(min) = min_chunks(par, w.len()) else {
        return w
            .chunks_mut(CHUNK)
            .zip(g.chunks(CHUNK))
            .zip(v.chunks_mut(CHUNK))
            .map(|((w, g), v)| f(w, g, v, lr, rho, eps))
            .fold(Finite::OK, Finite::join);
    };
    w.par_chunks_mut(CHUNK)
        .zip(g.par_chunks(CHUNK))
        .zip(v.par_chunks_mut(CHUNK))
        .with_min_len(min)
        .map(|((w, g), v)| f(w, g, v, lr, rho, eps))
        .reduce(|| Finite::OK, Finite::join)
}

shaped_core::vectorized! {
    #[allow(clippy::too_many_arguments)]
    fn adam_chunk[const CHECK: bool][CHECK](
        w: &mut [f32],
        g: &[f32],
        m: &mut [f32],
        v: &mut [f32],
        alpha: f32,
        b1: f32,
        b2: f32,
        eps: f32,
    ) -> Finite {
        checked3::<CHECK>(w, g, m, v, |w, g, m, v| {
            *m = flush(b1 * *m + (1.0 - b1) * g);
            *v = flush(b2 * *v + (1.0 - b2) * g * g);
            *w -= alpha * *m / (v.sqrt() + eps);
        })
    }
}

/// Keras's Adam step with the bias correction folded into `alpha`; with its
/// [`Finite`] check when `CHECK` (as [`rmsprop`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn adam<const CHECK: bool>(
    w: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    alpha: f32,
    b1: f32,
    b2: f32,
    eps: f32,
    par: Parallelism,
) -> Finite {
    if w.len() <= CHUNK {
        return adam_chunk::<CHECK>(w, g, m, v, alpha, b1, b2, eps);
    }
    let Some(min) = min_chunks(par, w.len()) else {
        return w
            .chunks_mut(CHUNK)
            .zip(g.chunks(CHUNK))
            .zip(m.chunks_mut(CHUNK))
            .zip(v.chunks_mut(CHUNK))
            .map(|(((w, g), m), v)| adam_chunk::<CHECK>(w, g, m, v, alpha, b1, b2, eps))
            .fold(Finite::OK, Finite::join);
    };
    w.par_chunks_mut(CHUNK)
        .zip(g.par_chunks(CHUNK))
        .zip(m.par_chunks_mut(CHUNK))
        .zip(v.par_chunks_mut(CHUNK))
        .with_min_len(min)
        .map(|(((w, g), m), v)| adam_chunk::<CHECK>(w, g, m, v, alpha, b1, b2, eps))
        .reduce(|| Finite::OK, Finite::join)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [-1, 1), with a few exact zeros.
    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut x = seed.wrapping_mul(2_654_435_761).max(1);
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                if i % 7 == 0 {
                    0.0
                } else {
                    (x as f32 / u32::MAX as f32) * 2.0 - 1.0
                }
            })
            .collect()
    }

    /// The check only reads: the checked loops write the same bits as the
    /// unchecked ones, on a tensor small enough for one task and on one split
    /// across threads (plus a ragged tail).
    #[test]
    fn the_finite_check_changes_no_update() {
        for n in [37, CHUNK * 3 + 5] {
            let g = values(n, 1);
            let (mut w1, mut v1) = (
                values(n, 2),
                values(n, 3).iter().map(|v| v.abs()).collect::<Vec<_>>(),
            );
            let (mut w2, mut v2) = (w1.clone(), v1.clone());
            for flush in [true, false] {
                let ok = rmsprop::<true>(
                    &mut w1,
                    &g,
                    &mut v1,
                    1e-3,
                    0.9,
                    1e-7,
                    flush,
                    Parallelism::Rayon,
                );
                rmsprop::<false>(
                    &mut w2,
                    &g,
                    &mut v2,
                    1e-3,
                    0.9,
                    1e-7,
                    flush,
                    Parallelism::Rayon,
                );
                assert_eq!(ok, Finite::OK);
                assert!(w1.iter().zip(&w2).all(|(a, b)| a.to_bits() == b.to_bits()));
                assert!(v1.iter().zip(&v2).all(|(a, b)| a.to_bits() == b.to_bits()));
            }
            let (mut m1, mut m2) = (values(n, 4), values(n, 4));
            let ok = adam::<true>(
                &mut w1,
                &g,
                &mut m1,
                &mut v1,
                1e-3,
                0.9,
                0.999,
                1e-7,
                Parallelism::Rayon,
            );
            adam::<false>(
                &mut w2,
                &g,
                &mut m2,
                &mut v2,
                1e-3,
                0.9,
                0.999,
                1e-7,
                Parallelism::Rayon,
            );
            assert_eq!(ok, Finite::OK);
            assert!(w1.iter().zip(&w2).all(|(a, b)| a.to_bits() == b.to_bits()));
            assert!(m1.iter().zip(&m2).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

    /// One NaN gradient anywhere (in a full lane block, in the tail, in a
    /// later thread's chunk) is seen, and marks the parameter written too.
    #[test]
    fn one_nan_gradient_anywhere_is_seen() {
        let n = CHUNK * 2 + 9;
        for at in [0, 15, 16, n - 1, CHUNK + 3] {
            let mut g = values(n, 5);
            g[at] = f32::NAN;
            let (mut w, mut v) = (values(n, 6), vec![0.0; n]);
            let f = rmsprop::<true>(
                &mut w,
                &g,
                &mut v,
                1e-3,
                0.9,
                1e-7,
                true,
                Parallelism::Rayon,
            );
            assert!(!f.grad_ok() && !f.param_ok(), "NaN at {at} missed: {f:?}");
            // Adam checks the parameters and rescans on a hit: the same answer,
            // for NaN and for both infinities, at any rates (even zero).
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                g[at] = bad;
                for (alpha, b1) in [(1e-3, 0.9), (0.0, 0.9), (1e-3, 1.0), (1e-3, 0.0)] {
                    let (mut w, mut m, mut v) = (values(n, 6), vec![0.0; n], vec![0.0; n]);
                    let f = adam::<true>(
                        &mut w,
                        &g,
                        &mut m,
                        &mut v,
                        alpha,
                        b1,
                        0.999,
                        1e-7,
                        Parallelism::Rayon,
                    );
                    assert!(
                        !f.grad_ok(),
                        "{bad} at {at} missed by adam({alpha}, {b1}): {f:?}"
                    );
                }
            }
            // A parameter that overflows on its own is named as the parameter.
            let (mut w, mut m, mut v) = (vec![f32::MAX; n], vec![0.0; n], vec![0.0; n]);
            let g = vec![-1.0; n];
            let f = adam::<true>(
                &mut w,
                &g,
                &mut m,
                &mut v,
                f32::MAX,
                0.9,
                0.999,
                1e-7,
                Parallelism::Rayon,
            );
            assert!(f.grad_ok() && !f.param_ok(), "{f:?}");
        }
    }
}
