//! The dense `f32` kernel: register-blocked micro-kernels over the `simd`
//! vectors (AVX-512: 12 x 32 tiles, 24 accumulators of the 32 registers;
//! AVX2 with FMA: 6 x 16, 12 of 16; plain code: 4 x 16).
//!
//! `c = alpha a b (+ c)`: the inner dimension is cut in blocks of [`KC`];
//! for each block and each sliver of [`NR`](Micro) columns of `b`, every
//! tile of rows of `a` is multiplied by the sliver, the tile's sums held
//! in registers over the block. The sliver (`KC x NR`, 32 KiB at most)
//! stays in the L1 cache for all the tiles of rows.
//!
//! Packing: a row-major `b` is read in place (each row of a sliver is
//! contiguous); any other `b`, and the last, partial sliver, are copied
//! into a zero-padded sliver buffer first, taken from the caller's
//! [`Buffers`]. `a` is never copied: a tile reads, at each step of the
//! inner dimension, `MR` values of `a` and broadcasts them, from a column
//! of `a` (contiguous when `a` is a transposed view) or from `MR` rows.
//! Other strides of `a` are packed by tiles. So a product allocates nothing
//! once the buffers have grown.
//!
//! Threads split the rows of `c` (in multiples of the tile height), each
//! with its own buffers.

use super::simd::{Isa, Lanes, Portable};
use super::view::MatRef;

/// The inner dimension's block: a sliver of `KC x 32` floats is 32 KiB.
pub(crate) const KC: usize = 256;

/// The widest sliver of any instruction set (AVX-512's 32 columns).
const MAX_NR: usize = 32;

/// The tallest tile (AVX-512's 12 rows).
const MAX_MR: usize = 12;

/// Below this many multiply-adds a product runs on one thread.
const PARALLEL_MIN_MACS: usize = 1 << 20;

/// Sliver buffers, one set per thread, kept by the caller.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buffers {
    threads: Vec<ThreadBuffers>,
}

#[derive(Clone, Debug, Default)]
struct ThreadBuffers {
    /// A packed sliver of `b`: `KC` rows of `NR`.
    b: Vec<f32>,
    /// A packed tile of `a`: `KC` columns of `MR` (general strides only).
    a: Vec<f32>,
}

impl Buffers {
    pub(crate) fn capacity(&self) -> usize {
        self.threads
            .iter()
            .map(|t| t.a.capacity() + t.b.capacity())
            .sum::<usize>()
            + self.threads.capacity()
    }
}

/// The operands of a product (`a` is `m x k`, `b` `k x n`).
#[derive(Clone, Copy)]
struct Product<'a> {
    k: usize,
    n: usize,
    alpha: f32,
    a: MatRef<'a, f32>,
    b: MatRef<'a, f32>,
    add: bool,
}

/// `c = alpha a b` (`+ c` when `add`): `a` is `m x k`, `b` `k x n`, `c`
/// row-major `m x n`; the caller checked the sizes (`m, k, n > 0`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    add: bool,
    c: &mut [f32],
    threads: usize,
    bufs: &mut Buffers,
) {
    gemm_on(Isa::detect(), m, k, n, alpha, a, b, add, c, threads, bufs)
}

/// [`gemm`] on the instruction set `isa`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_on(
    isa: Isa,
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    add: bool,
    c: &mut [f32],
    threads: usize,
    bufs: &mut Buffers,
) {
    let p = Product {
        k,
        n,
        alpha,
        a,
        b,
        add,
    };
    let threads = if m.saturating_mul(k).saturating_mul(n) >= PARALLEL_MIN_MACS {
        threads.clamp(1, 8).min(m.div_ceil(MAX_MR))
    } else {
        1
    };
    if bufs.threads.len() < threads {
        bufs.threads.resize_with(threads, ThreadBuffers::default);
    }
    split(isa, &p, 0, m, &mut c[..m * n], &mut bufs.threads[..threads]);
}

/// Rows `r0..r0 + rows` of the product into `c` (those rows), shared among
/// the threads whose buffers are `bufs`: halves by `rayon::join` (which
/// allocates nothing), cut at a multiple of the tallest tile.
fn split(
    isa: Isa,
    p: &Product<'_>,
    r0: usize,
    rows: usize,
    c: &mut [f32],
    bufs: &mut [ThreadBuffers],
) {
    if bufs.len() <= 1 {
        return rows_on(isa, p, r0, rows, c, &mut bufs[0]);
    }
    let (lb, rb) = bufs.split_at_mut(bufs.len() / 2);
    let top = (rows * lb.len() / (lb.len() + rb.len())).div_ceil(MAX_MR) * MAX_MR;
    let top = top.min(rows);
    let (ct, cb) = c.split_at_mut(top * p.n);
    rayon::join(
        || split(isa, p, r0, top, ct, lb),
        || split(isa, p, r0 + top, rows - top, cb, rb),
    );
}

/// Rows `r0..r0 + rows` on one thread, compiled for `isa`.
fn rows_on(
    isa: Isa,
    p: &Product<'_>,
    r0: usize,
    rows: usize,
    c: &mut [f32],
    b: &mut ThreadBuffers,
) {
    match isa {
        // SAFETY: the token proves the CPU has AVX-512F.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512(t) => unsafe { x86::rows_avx512(t, p, r0, rows, c, b) },
        // SAFETY: the token proves the CPU has AVX2 and FMA.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2(t) => unsafe { x86::rows_avx2(t, p, r0, rows, c, b) },
        Isa::Portable(t) => blocks::<Portable, 4, 2>(t, p, r0, rows, c, b),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! [`super::blocks`] compiled for AVX-512 and AVX2; each function
    //! enables the features its token argument proves.

    use super::{blocks, Product, ThreadBuffers};
    use crate::kernels::simd::{Avx2Fma, Avx512, Ymm, Zmm};

    #[target_feature(enable = "avx512f")]
    pub(super) fn rows_avx512(
        t: Avx512,
        p: &Product<'_>,
        r0: usize,
        rows: usize,
        c: &mut [f32],
        b: &mut ThreadBuffers,
    ) {
        blocks::<Zmm, 12, 2>(t, p, r0, rows, c, b)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn rows_avx2(
        t: Avx2Fma,
        p: &Product<'_>,
        r0: usize,
        rows: usize,
        c: &mut [f32],
        b: &mut ThreadBuffers,
    ) {
        blocks::<Ymm, 6, 2>(t, p, r0, rows, c, b)
    }
}

/// Where a tile reads its values of `a`.
#[derive(Clone, Copy, PartialEq)]
enum ALayout {
    /// Columns contiguous (a transposed view): `MR` values per step, in a
    /// row.
    Cols,
    /// Rows contiguous: `MR` rows read side by side.
    Rows,
    /// Other strides: each tile packed as `Cols` first.
    Packed,
}

/// Rows `r0..r0 + rows` of the product (`c` holds those rows), in tiles of
/// `MR` rows by `NV` vectors of columns.
#[inline(always)]
fn blocks<V: Lanes, const MR: usize, const NV: usize>(
    t: V::Token,
    p: &Product<'_>,
    r0: usize,
    rows: usize,
    c: &mut [f32],
    bufs: &mut ThreadBuffers,
) {
    let nr = NV * V::LEN;
    let (a, b) = (p.a, p.b);
    let layout = if a.rs == 1 {
        ALayout::Cols
    } else if a.cs == 1 {
        ALayout::Rows
    } else {
        ALayout::Packed
    };
    if bufs.b.len() < KC * MAX_NR {
        bufs.b.resize(KC * MAX_NR, 0.0);
    }
    if layout == ALayout::Packed && bufs.a.len() < KC * MAX_MR {
        bufs.a.resize(KC * MAX_MR, 0.0);
    }
    let b_in_place = b.cs == 1;
    for pc in (0..p.k).step_by(KC) {
        let kc = KC.min(p.k - pc);
        // The first block replaces `c` (unless adding); the others add.
        let add = p.add || pc > 0;
        for j0 in (0..p.n).step_by(nr) {
            let width = nr.min(p.n - j0);
            // The sliver: rows `pc..pc + kc`, columns `j0..j0 + width` of
            // `b`, read in place or packed into `bufs.b` (`nr` per row,
            // zeros past `width`).
            let (sliver, at, ld): (&[f32], usize, usize) = if b_in_place && width == nr {
                (b.data, pc * b.rs + j0, b.rs)
            } else {
                let out = &mut bufs.b[..kc * nr];
                for (q, row) in out.chunks_exact_mut(nr).enumerate() {
                    for (j, o) in row.iter_mut().enumerate() {
                        *o = if j < width {
                            b.data[(pc + q) * b.rs + (j0 + j) * b.cs]
                        } else {
                            0.0
                        };
                    }
                }
                (&bufs.b[..kc * nr], 0, nr)
            };
            let mut i = 0;
            while i < rows {
                let h = MR.min(rows - i);
                let tile = Tile {
                    kc,
                    row: r0 + i,
                    pc,
                    sliver,
                    at,
                    ld,
                    alpha: p.alpha,
                    add,
                    width,
                };
                let cw = &mut c[i * p.n + j0..];
                if h == MR {
                    tile_on::<V, MR, NV>(t, &tile, a, layout, &mut bufs.a, cw, p.n);
                } else {
                    for r in 0..h {
                        let one = Tile {
                            row: r0 + i + r,
                            ..tile
                        };
                        let cr = &mut c[(i + r) * p.n + j0..];
                        tile_on::<V, 1, NV>(t, &one, a, layout, &mut bufs.a, cr, p.n);
                    }
                }
                i += h;
            }
        }
    }
}

/// One tile's operands: rows `row..row + MR` of the product, inner block
/// `pc..pc + kc`, the sliver's row `q` at `sliver[at + q ld..]`.
#[derive(Clone, Copy)]
struct Tile<'a> {
    kc: usize,
    row: usize,
    pc: usize,
    sliver: &'a [f32],
    at: usize,
    ld: usize,
    alpha: f32,
    add: bool,
    width: usize,
}

/// A tile whose values of `a` are read as `layout` says.
#[inline(always)]
fn tile_on<V: Lanes, const MR: usize, const NV: usize>(
    t: V::Token,
    x: &Tile<'_>,
    a: MatRef<'_, f32>,
    layout: ALayout,
    apack: &mut [f32],
    c: &mut [f32],
    ldc: usize,
) {
    let acc = match layout {
        ALayout::Cols => {
            // Step q reads a[row..row + MR, pc + q]: contiguous.
            let from = x.row + x.pc * a.cs;
            tile_cols::<V, MR, NV>(t, x, &a.data[from..], a.cs)
        }
        ALayout::Rows => {
            let rows: [&[f32]; MR] = core::array::from_fn(|r| {
                let from = (x.row + r) * a.rs + x.pc;
                &a.data[from..from + x.kc]
            });
            tile_rows::<V, MR, NV>(t, x, &rows)
        }
        ALayout::Packed => {
            let packed = &mut apack[..x.kc * MR];
            for (q, col) in packed.chunks_exact_mut(MR).enumerate() {
                for (r, v) in col.iter_mut().enumerate() {
                    *v = a.data[(x.row + r) * a.rs + (x.pc + q) * a.cs];
                }
            }
            tile_cols::<V, MR, NV>(t, x, packed, MR)
        }
    };
    store::<V, MR, NV>(t, x, &acc, c, ldc);
}

/// The sums of a tile with `a`'s values at `a[q lda..][..MR]` for step `q`.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn tile_cols<V: Lanes, const MR: usize, const NV: usize>(
    t: V::Token,
    x: &Tile<'_>,
    a: &[f32],
    lda: usize,
) -> [[V; NV]; MR] {
    let nr = NV * V::LEN;
    let mut acc = [[V::zero(t); NV]; MR];
    for q in 0..x.kc {
        let brow = &x.sliver[x.at + q * x.ld..x.at + q * x.ld + nr];
        let bv: [V; NV] = core::array::from_fn(|v| V::load(t, &brow[v * V::LEN..]));
        let av: &[f32; MR] = a[q * lda..q * lda + MR].try_into().unwrap();
        for r in 0..MR {
            let s = V::splat(t, av[r]);
            for v in 0..NV {
                acc[r][v] = s.mul_add(bv[v], acc[r][v]);
            }
        }
    }
    acc
}

/// The sums of a tile with `a`'s rows `rows` (each `kc` long).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn tile_rows<V: Lanes, const MR: usize, const NV: usize>(
    t: V::Token,
    x: &Tile<'_>,
    rows: &[&[f32]; MR],
) -> [[V; NV]; MR] {
    let nr = NV * V::LEN;
    // (Lets the compiler drop the bounds checks of `rows[r][q]`.)
    assert!(rows.iter().all(|r| r.len() >= x.kc));
    let mut acc = [[V::zero(t); NV]; MR];
    for q in 0..x.kc {
        let brow = &x.sliver[x.at + q * x.ld..x.at + q * x.ld + nr];
        let bv: [V; NV] = core::array::from_fn(|v| V::load(t, &brow[v * V::LEN..]));
        for r in 0..MR {
            let s = V::splat(t, rows[r][q]);
            for v in 0..NV {
                acc[r][v] = s.mul_add(bv[v], acc[r][v]);
            }
        }
    }
    acc
}

/// `c = alpha acc` (`+ c` when adding) for the tile's rows and its `width`
/// columns.
#[inline(always)]
fn store<V: Lanes, const MR: usize, const NV: usize>(
    t: V::Token,
    x: &Tile<'_>,
    acc: &[[V; NV]; MR],
    c: &mut [f32],
    ldc: usize,
) {
    let alpha = V::splat(t, x.alpha);
    for (r, acc) in acc.iter().enumerate() {
        let row = &mut c[r * ldc..r * ldc + x.width];
        for (v, s) in acc.iter().enumerate() {
            let from = v * V::LEN;
            if from >= x.width {
                break;
            }
            let out = &mut row[from..];
            let s = s.mul(alpha);
            if out.len() >= V::LEN {
                let s = if x.add { s.add(V::load(t, out)) } else { s };
                s.store(out);
            } else {
                let s = if x.add {
                    s.add(V::load_part(t, out))
                } else {
                    s
                };
                s.store_part(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::simd::all_isas;
    use crate::kernels::testing::{layouts, operands, reference};

    #[test]
    fn every_isa_layout_and_edge_matches_the_reference() {
        // Sizes around the tile heights (12, 6, 4), the slivers (32, 16)
        // and the inner block (256), and the network's shapes.
        let sizes = [
            (1, 1, 1),
            (13, 17, 33),
            (12, 256, 32),
            (25, 257, 47),
            (7, 300, 70),
            (128, 784, 64),
            (40, 20, 520),
        ];
        for isa in all_isas() {
            for &(m, k, n) in &sizes {
                let (a, b) = operands(m, k, n);
                for (ta, tb, av, bv) in layouts(&a, &b, m, k, n) {
                    for add in [false, true] {
                        for threads in [1, 2] {
                            let mut got = vec![if add { 0.5 } else { f32::NAN }; m * n];
                            let mut bufs = Buffers::default();
                            gemm_on(
                                isa, m, k, n, 0.75, av, bv, add, &mut got, threads, &mut bufs,
                            );
                            let mut want = vec![0.5f32; m * n];
                            reference(av, bv, 0.75, &mut want, add);
                            for (e, (x, y)) in got.iter().zip(&want).enumerate() {
                                assert!(
                                    (x - y).abs() < 1e-3 * (1.0 + y.abs()),
                                    "{isa:?} {m}x{k}x{n} ta {ta} tb {tb} add {add} at {e}: {x} vs {y}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn general_strides_and_special_values_match() {
        // `a` with both strides > 1 (packed by tiles), NaN and infinities.
        let (m, k, n) = (14, 9, 35);
        let mut a = vec![0.0f32; 2 * m * 3 * k];
        for (i, v) in a.iter_mut().enumerate() {
            *v = (i as f32 * 0.3).sin();
        }
        a[0] = f32::NAN;
        a[2 * 3 * 3 + 3] = f32::INFINITY;
        let av = MatRef::new(&a, m, k, 2 * 3 * k, 3).unwrap();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.7).cos()).collect();
        let bv = MatRef::row_major(&b, k, n).unwrap();
        let mut want = vec![0.0f32; m * n];
        reference(av, bv, 1.0, &mut want, false);
        for isa in all_isas() {
            let mut got = vec![0.0f32; m * n];
            gemm_on(
                isa,
                m,
                k,
                n,
                1.0,
                av,
                bv,
                false,
                &mut got,
                1,
                &mut Buffers::default(),
            );
            for (x, y) in got.iter().zip(&want) {
                assert!(
                    (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() < 1e-4,
                    "{isa:?}: {x} vs {y}"
                );
            }
        }
    }
}
