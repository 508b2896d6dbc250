//! Products with one small dimension: a narrow output (`n <= 16`, a
//! classifier's 10 classes) or a thin inner dimension (`k <= 16`, the
//! gradient flowing back from those classes). A general GEMM packs its
//! operands into blocks first, which for these shapes costs about as much as
//! the product, and `matrixmultiply` allocates its packing buffer on every
//! call; these loops need neither.

use super::gemm::MatRef;
use multiversion::multiversion;
use std::cell::RefCell;

/// The largest small dimension handled here.
pub const MAX: usize = 16;

thread_local! {
    /// A transposed copy of a thin right operand, reused from call to call.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// `c = alpha a b (+ c when accumulate)` if the shapes and layouts suit one
/// of the loops here; returns false (doing nothing) otherwise. `c` is
/// row-major `m x n`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn try_gemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    accumulate: bool,
    c: &mut [f32],
) -> bool {
    let narrow = n <= MAX && b.cs == 1 && (a.cs == 1 || a.rs == 1);
    let thin_inner = k <= MAX && n >= MAX && (b.cs == 1 || b.rs == 1);
    if !(narrow || thin_inner) {
        return false;
    }
    if !accumulate {
        c[..m * n].fill(0.0);
    }
    // Rows `i0..i0 + rows` of the product into `c` (those rows of the output).
    let run = |i0: usize, rows: usize, c: &mut [f32]| {
        if narrow && a.cs == 1 {
            SCRATCH.with(|s| {
                // b transposed: its columns become contiguous rows of k.
                let mut bt = s.borrow_mut();
                bt.clear();
                bt.extend((0..n).flat_map(|j| (0..k).map(move |p| b.data[p * b.rs + j])));
                narrow_rows(rows, k, n, alpha, &a.data[i0 * a.rs..], a.rs, &bt, c);
            });
        } else if narrow {
            SCRATCH.with(|s| {
                let mut ct = s.borrow_mut();
                ct.clear();
                ct.resize(n * rows, 0.0);
                narrow_cols(
                    rows,
                    k,
                    n,
                    alpha,
                    &a.data[i0..],
                    a.cs,
                    b.data,
                    b.rs,
                    &mut ct,
                    c,
                );
            });
        } else if b.cs == 1 {
            thin(
                rows,
                k,
                n,
                alpha,
                (&a.data[i0 * a.rs..], a.rs, a.cs),
                b.data,
                b.rs,
                c,
            );
        } else {
            SCRATCH.with(|s| {
                let mut bt = s.borrow_mut();
                bt.clear();
                bt.extend((0..k).flat_map(|p| (0..n).map(move |j| b.data[p * b.rs + j * b.cs])));
                thin(
                    rows,
                    k,
                    n,
                    alpha,
                    (&a.data[i0 * a.rs..], a.rs, a.cs),
                    &bt,
                    n,
                    c,
                );
            });
        }
    };
    split_rows(0, m, n, m * n * k, &mut c[..m * n], &run);
    true
}

/// Runs `f` on halves of the rows on the kernel threads while the work is
/// large enough to pay for it (by `rayon::join`, which allocates nothing).
fn split_rows(
    i0: usize,
    rows: usize,
    n: usize,
    work: usize,
    c: &mut [f32],
    f: &(impl Fn(usize, usize, &mut [f32]) + Sync),
) {
    if rows < 32 || work < (1 << 17) || rayon::current_num_threads() == 1 {
        return f(i0, rows, c);
    }
    let half = rows / 2;
    let (top, bottom) = c.split_at_mut(half * n);
    rayon::join(
        || split_rows(i0, half, n, work / 2, top, f),
        || split_rows(i0 + half, rows - half, n, work / 2, bottom, f),
    );
}

/// A dot product with 16 running sums, so that it vectorizes.
#[inline(always)]
fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let (xc, yc) = (x.chunks_exact(16), y.chunks_exact(16));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for l in 0..16 {
            acc[l] += a[l] * b[l];
        }
    }
    let tail: f32 = xr.iter().zip(yr).map(|(a, b)| a * b).sum();
    acc.iter().sum::<f32>() + tail
}

/// `c[i, j] += alpha dot(a[i, :], bt[j, :])`: rows of `a` contiguous, `b`
/// already transposed into `bt` (n rows of k).
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
#[allow(clippy::too_many_arguments)]
fn narrow_rows(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    lda: usize,
    bt: &[f32],
    c: &mut [f32],
) {
    for i in 0..m {
        let arow = &a[i * lda..i * lda + k];
        for (j, o) in c[i * n..(i + 1) * n].iter_mut().enumerate() {
            *o += alpha * dot(arow, &bt[j * k..(j + 1) * k]);
        }
    }
}

/// The same with columns of `a` contiguous (a transposed view): the
/// transposed product `ct[j, :] = sum_p b[p, j] a[:, p]` is a sum of
/// contiguous rows, then added into `c`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
#[allow(clippy::too_many_arguments)]
fn narrow_cols(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    csa: usize,
    b: &[f32],
    ldb: usize,
    ct: &mut [f32],
    c: &mut [f32],
) {
    for p in 0..k {
        let acol = &a[p * csa..p * csa + m];
        for (j, row) in ct.chunks_mut(m).enumerate().take(n) {
            let bv = b[p * ldb + j];
            for (o, &av) in row.iter_mut().zip(acol) {
                *o += bv * av;
            }
        }
    }
    for (i, crow) in c.chunks_mut(n).take(m).enumerate() {
        for (j, o) in crow.iter_mut().enumerate() {
            *o += alpha * ct[j * m + i];
        }
    }
}

/// `c[i, :] += alpha sum_p a[i, p] b[p, :]` for a small `k`, rows of `b`
/// contiguous with stride `ldb`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
#[allow(clippy::too_many_arguments)]
fn thin(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    (a, rsa, csa): (&[f32], usize, usize),
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
) {
    for (i, crow) in c.chunks_mut(n).take(m).enumerate() {
        for p in 0..k {
            let av = alpha * a[i * rsa + p * csa];
            for (o, &bv) in crow.iter_mut().zip(&b[p * ldb..p * ldb + n]) {
                *o += av * bv;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gemm::reference_gemm;

    #[test]
    fn every_skinny_layout_matches_the_reference() {
        // The MNIST network's three small products, transposed views included.
        for (m, k, n) in [
            (128, 512, 10),
            (512, 128, 10),
            (128, 10, 512),
            (5, 3, 17),
            (7, 16, 16),
        ] {
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
                for accumulate in [false, true] {
                    let mut got = vec![if accumulate { 0.5 } else { f32::NAN }; m * n];
                    if !try_gemm(m, k, n, 0.75, av, bv, accumulate, &mut got) {
                        continue;
                    }
                    let mut want = vec![0.5f32; m * n];
                    reference_gemm(
                        m,
                        k,
                        n,
                        0.75,
                        av,
                        bv,
                        if accumulate { 1.0 } else { 0.0 },
                        &mut want,
                    );
                    for (x, y) in got.iter().zip(&want) {
                        assert!(
                            (x - y).abs() < 1e-3,
                            "{m}x{k}x{n} ta {ta} tb {tb}: {x} vs {y}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_network_shapes_take_the_skinny_loops() {
        let (a, b) = (vec![1.0f32; 512 * 128], vec![1.0f32; 128 * 10]);
        let mut c = vec![0.0f32; 512 * 10];
        assert!(try_gemm(
            512,
            128,
            10,
            1.0,
            MatRef::transposed(&a, 512),
            MatRef::row_major(&b, 10),
            false,
            &mut c
        ));
        let mut wide = vec![0.0f32; 128 * 512];
        assert!(try_gemm(
            128,
            10,
            512,
            1.0,
            MatRef::row_major(&b, 10),
            MatRef::transposed(&a[..5120], 10),
            false,
            &mut wide
        ));
        assert!(!try_gemm(
            128,
            784,
            512,
            1.0,
            MatRef::row_major(&a, 784),
            MatRef::row_major(&a, 512),
            false,
            &mut vec![0.0; 128 * 512]
        ));
    }
}
