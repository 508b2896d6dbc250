//! The optimizers' element-wise update loops: compiled for several SIMD
//! levels and picked at run time (`multiversion`), and split across the
//! kernel threads for large tensors.
//!
//! Each loop also checks, in the same pass, that every gradient it read and
//! every parameter it wrote is finite: it adds `g * 0` and `w * 0` into two
//! accumulators, which stay 0 unless a value is NaN or infinite (then they
//! become NaN). That is two vector multiply-adds per element in a loop bound
//! by memory, so the check costs next to nothing (see [`Finite`]).

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
fn check(cg: &mut [f32; LANES], cw: &mut [f32; LANES], k: usize, g: f32, w: f32) {
    cg[k] += g * 0.0;
    cw[k] += w * 0.0;
}

/// Runs `f(w, g, s)` for every element of the zipped slices (`s` one state
/// slice) and returns the checks of the gradients and the new parameters.
#[inline(always)]
fn checked2(
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
            check(&mut cg, &mut cw, k, g[k], w[k]);
        }
    }
    let tail = wc.into_remainder().iter_mut().zip(gc.remainder());
    for (k, ((w, &g), s)) in tail.zip(sc.into_remainder()).enumerate() {
        f(w, g, s);
        check(&mut cg, &mut cw, k, g, *w);
    }
    Finite::of(cg.iter().sum(), cw.iter().sum())
}

/// [`checked2`] with two state slices.
#[inline(always)]
fn checked3(
    w: &mut [f32],
    g: &[f32],
    s: &mut [f32],
    t: &mut [f32],
    f: impl Fn(&mut f32, f32, &mut f32, &mut f32),
) -> Finite {
    let (mut cg, mut cw) = ([0.0f32; LANES], [0.0f32; LANES]);
    let mut wc = w.chunks_exact_mut(LANES);
    let mut gc = g.chunks_exact(LANES);
    let mut sc = s.chunks_exact_mut(LANES);
    let mut tc = t.chunks_exact_mut(LANES);
    for (((w, g), s), t) in (&mut wc).zip(&mut gc).zip(&mut sc).zip(&mut tc) {
        for k in 0..LANES {
            f(&mut w[k], g[k], &mut s[k], &mut t[k]);
            check(&mut cg, &mut cw, k, g[k], w[k]);
        }
    }
    let tail = wc.into_remainder().iter_mut().zip(gc.remainder());
    let states = sc.into_remainder().iter_mut().zip(tc.into_remainder());
    for (k, ((w, &g), (s, t))) in tail.zip(states).enumerate() {
        f(w, g, s, t);
        check(&mut cg, &mut cw, k, g, *w);
    }
    Finite::of(cg.iter().sum(), cw.iter().sum())
}

/// The checks of `w` and `g` alone (for the update loops that are not
/// kernels here), in the same lanes.
pub(crate) fn check_all(w: &[f32], g: &[f32]) -> Finite {
    let (mut cg, mut cw) = ([0.0f32; LANES], [0.0f32; LANES]);
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
    Finite::of(cg.iter().sum(), cw.iter().sum())
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn rmsprop_chunk(w: &mut [f32], g: &[f32], v: &mut [f32], lr: f32, rho: f32, eps: f32) -> Finite {
    checked2(w, g, v, |w, g, v| {
        *v = flush(rho * *v + (1.0 - rho) * g * g);
        *w -= lr * g / (*v + eps).sqrt();
    })
}

/// The same step without flushing subnormals (to measure what flushing saves).
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn rmsprop_chunk_keep(
    w: &mut [f32],
    g: &[f32],
    v: &mut [f32],
    lr: f32,
    rho: f32,
    eps: f32,
) -> Finite {
    checked2(w, g, v, |w, g, v| {
        *v = rho * *v + (1.0 - rho) * g * g;
        *w -= lr * g / (*v + eps).sqrt();
    })
}

/// Keras's RMSprop step without momentum or centering, in place:
/// `v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps)`, flushing
/// subnormal `v` to zero when `flush_subnormals`; with its [`Finite`] check.
#[allow(clippy::too_many_arguments)]
pub(crate) fn rmsprop(
    w: &mut [f32],
    g: &[f32],
    v: &mut [f32],
    lr: f32,
    rho: f32,
    eps: f32,
    flush_subnormals: bool,
) -> Finite {
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
        .map(|((w, g), v)| f(w, g, v, lr, rho, eps))
        .reduce(|| Finite::OK, Finite::join)
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
) -> Finite {
    checked3(w, g, m, v, |w, g, m, v| {
        *m = flush(b1 * *m + (1.0 - b1) * g);
        *v = flush(b2 * *v + (1.0 - b2) * g * g);
        *w -= alpha * *m / (v.sqrt() + eps);
    })
}

/// Keras's Adam step with the bias correction folded into `alpha`; with its
/// [`Finite`] check.
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
) -> Finite {
    if w.len() <= CHUNK {
        return adam_chunk(w, g, m, v, alpha, b1, b2, eps);
    }
    w.par_chunks_mut(CHUNK)
        .zip(g.par_chunks(CHUNK))
        .zip(m.par_chunks_mut(CHUNK))
        .zip(v.par_chunks_mut(CHUNK))
        .map(|(((w, g), m), v)| adam_chunk(w, g, m, v, alpha, b1, b2, eps))
        .reduce(|| Finite::OK, Finite::join)
}
