//! The dense `f32` product, packed into the caller's buffers: the kernel
//! behind [`Route::Dense`](super::Route::Dense).
//!
//! The classic blocked scheme (Goto's, as BLIS and `matrixmultiply` use
//! it): for each block of `KC` steps of the inner dimension, a block of
//! the right operand is copied into column panels `NR` wide and a block
//! of the left one into row panels `MR` tall (both by [`pack_panels`]: the
//! columns of `b` are the rows of its transpose),
//! zero-padded at the edges. Where an operand already holds each step of
//! a panel contiguously (the rows of a row-major `b`, the columns of a
//! transposed `a`), its whole panels are read where they lie, `ld` floats
//! a step apart, and only the partial last panel is packed ([`Panels`]):
//! on the MNIST layer's products that skips 85% of the copying (one
//! thread, `--dense-only`: 5% less fit time); not where the steps are
//! [`FAR_ROWS`] or more apart, as in a layer 1024 wide: those are packed. Where each row of the
//! operand holds its steps contiguously instead (a row-major `a`; the
//! `W^T` of `g W^T`), squares of one vector's width of steps by as many
//! rows (fewer real rows where a panel is narrower than a vector) are
//! transposed in registers ([`transpose_rows`]): on the 1024-wide `g W^T`
//! 6-7% less time than moving a float at a time. Then a register-blocked
//! micro-kernel ([`micro`]) multiplies one `MR`-row panel by one
//! `NR`-column panel, holding the `MR x NR` sums in vector registers for
//! the whole block, and adds them into the output ([`write_back`]).
//!
//! | instruction set | `MR x NR` | sums held |
//! |---|---|---|
//! | AVX-512 (`Zmm`) | 8 x 32 | 16 of 32 registers |
//! | AVX2 + FMA (`Ymm`) | 6 x 16 | 12 of 16 registers |
//! | plain code | 4 x 8 | |
//!
//! The packed blocks live in a [`Pack`] that the caller owns (inside its
//! [`Scratch`](super::Scratch)), one per thread the product is split over:
//! once they have grown to a product's size, it allocates nothing.
//!
//! Threads split the product along its longer side into blocks of whole
//! panels ([`Out::split`]); each packs (where it does not read them in
//! place) its own part of that side's operand and the whole of the
//! other, the smaller one.
//!
//! Soundness: the `unsafe` code is [`Out`], a view of the output that can
//! be split into disjoint column ranges for different threads (rows of a
//! row-major matrix interleave, so safe slices cannot express it), every
//! access through it bounds-checked against its own range; and the calls
//! of the `#[target_feature]` functions in [`Task::run`], whose token
//! argument proves the CPU has the features. The vector code itself is
//! safe, on the CPU-feature tokens' vectors (`super::simd`).

// With the feature `gemm-crate` the `gemm` crate computes the `f32`
// products instead, and only this module's buffers are used.
#![cfg_attr(feature = "gemm-crate", allow(dead_code))]

use super::matmul::Parallelism;
use super::simd::{Isa, Lanes, Portable};
use super::transpose::{square, Strided};
use super::view::{MatRef, FAR_ROWS};
use core::marker::PhantomData;

/// Steps of the inner dimension per packed block, at most: the blocks are
/// made equal (`k = 784` is four blocks of 196, not three of 256 and one
/// of 16).
const KC: usize = 256;
/// Rows of the left operand per packed block, at most (a multiple of
/// every `MR`).
const MC: usize = 144;
/// Columns of the right operand per packed block, at most (a multiple of
/// every `NR`).
const NC: usize = 512;
/// Below this many multiply-adds a product runs on one thread: splitting a
/// small product costs more in synchronisation than it saves.
pub(crate) const PARALLEL_MIN_MACS: usize = 1 << 22;

// The packed blocks are sized for whole panels of at most MC rows and NC
// columns (`Pack::get` in `blocked`): both must be multiples of every tile.
const _: () =
    assert!(MC.is_multiple_of(ZMM_MR) && MC.is_multiple_of(YMM_MR) && MC.is_multiple_of(PLAIN_MR));
const _: () =
    assert!(NC.is_multiple_of(ZMM_NR) && NC.is_multiple_of(YMM_NR) && NC.is_multiple_of(PLAIN_NR));

/// The packing buffers of one thread's part of a product.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pack {
    a: Vec<f32>,
    b: Vec<f32>,
}

/// Floats of slack in each buffer, so that its packed block can start on
/// a 64-byte line.
const ALIGN_SLACK: usize = 16;

impl Pack {
    /// Floats held.
    pub(crate) fn capacity(&self) -> usize {
        self.a.capacity() + self.b.capacity()
    }

    /// Two buffers of at least `a` and `b` floats, each starting on a
    /// 64-byte line where the allocation allows it (the loads do not
    /// need it); they grow only when too small.
    fn get(&mut self, a: usize, b: usize) -> (&mut [f32], &mut [f32]) {
        (aligned(&mut self.a, a), aligned(&mut self.b, b))
    }
}

/// The first `len` floats of `v` from its first 64-byte line (where the
/// allocation allows it: the loads do not need it), `v` grown (never
/// shrunk) to hold them.
pub(crate) fn aligned(v: &mut Vec<f32>, len: usize) -> &mut [f32] {
    let need = len.saturating_add(ALIGN_SLACK);
    if v.len() < need {
        v.resize(need, 0.0);
    }
    let off = v.as_ptr().align_offset(64).min(ALIGN_SLACK);
    &mut v[off..off + len]
}

/// The product's packing buffers: one [`Pack`] per part it is split into.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buffers {
    parts: Vec<Pack>,
}

impl Buffers {
    /// Floats held, over all parts.
    pub(crate) fn capacity(&self) -> usize {
        self.parts.iter().map(Pack::capacity).sum()
    }
}

/// A row-major output block: `rows x cols` at `ptr`, rows `ld` apart.
///
/// It may be split ([`Out::split`]) into blocks of disjoint rows or
/// disjoint columns, which different threads then write at once: for
/// that the block holds a pointer, not a slice (the columns of a
/// row-major matrix interleave).
struct Out<'a> {
    ptr: *mut f32,
    rows: usize,
    cols: usize,
    ld: usize,
    _buf: PhantomData<&'a mut [f32]>,
}

// SAFETY: an `Out` is an exclusive borrow of its elements (the blocks made
// by `split` are disjoint), so it may move to another thread as a
// `&mut [f32]` may.
unsafe impl Send for Out<'_> {}

impl<'a> Out<'a> {
    /// The `rows x cols` block at the start of `c`, rows `cols` apart; `None`
    /// when `c` is too short.
    fn new(c: &'a mut [f32], rows: usize, cols: usize) -> Option<Self> {
        if rows.checked_mul(cols)? > c.len() {
            return None;
        }
        Some(Out {
            ptr: c.as_mut_ptr(),
            rows,
            cols,
            ld: cols,
            _buf: PhantomData,
        })
    }

    /// The block cut in two at row `at` (`by_rows`) or at column `at`.
    fn split(self, by_rows: bool, at: usize) -> (Out<'a>, Out<'a>) {
        let limit = if by_rows { self.rows } else { self.cols };
        let at = at.min(limit);
        // The offset of the second block's first element, which lies inside
        // this block (or one past its end, when that block is empty).
        let offset = if by_rows { at * self.ld } else { at };
        let (first, second) = if by_rows {
            ((at, self.cols), (self.rows - at, self.cols))
        } else {
            ((self.rows, at), (self.rows, self.cols - at))
        };
        let second_ptr = if second.0 == 0 || second.1 == 0 {
            self.ptr
        } else {
            // SAFETY: the second block is not empty, so its first element,
            // `offset` past `self.ptr`, is an element of this block.
            unsafe { self.ptr.add(offset) }
        };
        (
            Out {
                rows: first.0,
                cols: first.1,
                ..self
            },
            Out {
                ptr: second_ptr,
                rows: second.0,
                cols: second.1,
                ..self
            },
        )
    }

    /// Row `i`, columns `j..j + len`, of this block; panics outside it.
    #[inline(always)]
    fn row(&mut self, i: usize, j: usize, len: usize) -> &mut [f32] {
        assert!(
            i < self.rows && j <= self.cols && len <= self.cols - j,
            "packed gemm: row {i}, columns {j}..+{len} outside {} x {}",
            self.rows,
            self.cols
        );
        // SAFETY: the range lies inside this block (just checked), whose
        // elements this `Out` borrows exclusively; `&mut self` keeps the
        // slice from outliving that borrow or overlapping another.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.add(i * self.ld + j), len) }
    }
}

/// `c = alpha a b` (`+ c` when `add`), `c` row-major `m x n` for `a`
/// `m x k` and `b` `k x n`, on at most `par`'s threads. The caller checked
/// that the views' sizes agree and that `c` holds `m x n`.
pub(crate) fn gemm(
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    add: bool,
    c: &mut [f32],
    par: Parallelism,
    buffers: &mut Buffers,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "packed gemm: {m} x {k} by {} x {n}", b.rows);
    let Some(out) = Out::new(c, m, n) else {
        panic!(
            "packed gemm: the output holds {} floats, not {m} x {n}",
            c.len()
        );
    };
    if k == 0 {
        let mut out = out;
        for i in 0..m {
            out.row(i, 0, n)
                .iter_mut()
                .for_each(|x| *x = if add { *x } else { 0.0 });
        }
        return;
    }
    let threads = if m.saturating_mul(n).saturating_mul(k) >= PARALLEL_MIN_MACS {
        par.threads().min(m.max(n) / 64).max(1)
    } else {
        1
    };
    if buffers.parts.len() < threads {
        buffers.parts.resize_with(threads, Pack::default);
    }
    let isa = Isa::detect();
    let by_rows = m >= n;
    let task = Task { isa, alpha, add };
    task.split(out, a, b, by_rows, &mut buffers.parts[..threads]);
}

/// What every part of one product shares.
#[derive(Clone, Copy)]
struct Task {
    isa: Isa,
    alpha: f32,
    add: bool,
}

impl Task {
    /// Runs the product into `out` over `packs.len()` threads, cutting it in
    /// halves (of whole panels) along rows or columns.
    fn split(
        self,
        out: Out<'_>,
        a: MatRef<'_, f32>,
        b: MatRef<'_, f32>,
        by_rows: bool,
        packs: &mut [Pack],
    ) {
        if packs.len() <= 1 {
            let pack = packs.first_mut().expect("one packing buffer per part");
            return self.run(out, a, b, pack);
        }
        let (left, right) = packs.split_at_mut(packs.len() / 2);
        let len = if by_rows { out.rows } else { out.cols };
        // Cut in proportion to the threads on each side, on the nearest
        // whole panel (so that only the product's own edge has partial
        // tiles): 784 rows on two threads are 392 and 392 with 8-row
        // panels, where rounding up to a common multiple of every panel
        // height (48) gave 432 and 352, and the larger part set the time.
        let (mr, nr) = self.isa.tile();
        let step = if by_rows { mr } else { nr };
        let share = len * left.len() / (left.len() + right.len());
        let at = (share + step / 2) / step * step;
        let (o1, o2) = out.split(by_rows, at);
        let at = if by_rows { o1.rows } else { o1.cols };
        let (a1, a2, b1, b2) = if by_rows {
            let (a1, a2) = rows_of(a, at);
            (a1, a2, b, b)
        } else {
            let (b1, b2) = rows_of(b.t(), at);
            (a, a, b1.t(), b2.t())
        };
        rayon::join(
            || self.split(o1, a1, b1, by_rows, left),
            || self.split(o2, a2, b2, by_rows, right),
        );
    }

    /// The product into `out` on this thread.
    fn run(self, out: Out<'_>, a: MatRef<'_, f32>, b: MatRef<'_, f32>, pack: &mut Pack) {
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the token proves the CPU has AVX-512F.
            Isa::Avx512(t) => unsafe { x86::gemm_avx512(t, self, out, a, b, pack) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the token proves the CPU has AVX2 and FMA.
            Isa::Avx2(t) => unsafe { x86::gemm_avx2(t, self, out, a, b, pack) },
            Isa::Portable(t) => {
                blocked::<Portable, PLAIN_MR, 1, PLAIN_NR>(t, self, out, a, b, pack)
            }
        }
    }
}

/// The tiles, `MR x NR`: AVX-512 (two 16-lane vectors a row), AVX2 (two
/// 8-lane vectors), plain code (one 8-lane array).
// 8 rows, not 12: the batch sizes and widths of the networks here (32,
// 128, 784, 1024) are whole multiples of 8, where 12-row panels spend
// multiply-adds on padding: 11% at 32 rows (three panels, 36 rows), 3% at
// 128 (11 panels, 132 rows), 1% at 784 and 1024; with two
// 16-lane loads and 8 broadcasts a step for 16 multiply-adds, the core's
// multiply-add unit is still the bottleneck (kernel bench, 1 thread: +2%
// to +12% on the MNIST and batch-32 shapes, -2% to -4% on the 1024-wide
// ones and the 512 square).
const ZMM_MR: usize = 8;
const ZMM_NR: usize = 32;
const YMM_MR: usize = 6;
const YMM_NR: usize = 16;
const PLAIN_MR: usize = 4;
const PLAIN_NR: usize = 8;

impl Isa {
    /// The micro-kernel's tile, `(MR, NR)`, on this instruction set.
    fn tile(self) -> (usize, usize) {
        match self {
            Isa::Avx512(_) => (ZMM_MR, ZMM_NR),
            Isa::Avx2(_) => (YMM_MR, YMM_NR),
            Isa::Portable(_) => (PLAIN_MR, PLAIN_NR),
        }
    }
}

/// Rows `..at` and `at..` of `a`.
fn rows_of(a: MatRef<'_, f32>, at: usize) -> (MatRef<'_, f32>, MatRef<'_, f32>) {
    let at = at.min(a.rows);
    let top = MatRef { rows: at, ..a };
    // The bottom view starts at row `at`; an empty one starts anywhere.
    let start = if at == a.rows || a.cols == 0 {
        0
    } else {
        at * a.rs
    };
    let bottom = MatRef {
        data: &a.data[start..],
        rows: a.rows - at,
        ..a
    };
    (top, bottom)
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The blocked product compiled for AVX-512 and AVX2.
    use super::{blocked, MatRef, Out, Pack, Task, YMM_MR, YMM_NR, ZMM_MR, ZMM_NR};
    use crate::kernels::simd::{Avx2Fma, Avx512, Ymm, Zmm};

    #[target_feature(enable = "avx512f")]
    pub(super) fn gemm_avx512(
        t: Avx512,
        task: Task,
        out: Out<'_>,
        a: MatRef<'_, f32>,
        b: MatRef<'_, f32>,
        pack: &mut Pack,
    ) {
        blocked::<Zmm, ZMM_MR, 2, ZMM_NR>(t, task, out, a, b, pack)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn gemm_avx2(
        t: Avx2Fma,
        task: Task,
        out: Out<'_>,
        a: MatRef<'_, f32>,
        b: MatRef<'_, f32>,
        pack: &mut Pack,
    ) {
        blocked::<Ymm, YMM_MR, 2, YMM_NR>(t, task, out, a, b, pack)
    }
}

/// The blocked product on one thread, with `MR x NR` tiles of `NV`
/// vectors a row (`NR = NV V::LEN`).
#[inline(always)]
fn blocked<V: Lanes, const MR: usize, const NV: usize, const NR: usize>(
    t: V::Token,
    task: Task,
    mut out: Out<'_>,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    pack: &mut Pack,
) {
    assert_eq!(NR, NV * V::LEN, "a tile row is NV vectors");
    let (m, k, n) = (out.rows, a.cols, out.cols);
    // (`gemm` handles `k == 0`: with no steps nothing here writes.)
    if m == 0 || n == 0 {
        return;
    }
    let k_blocks = k.div_ceil(KC).max(1);
    let kc_max = k.div_ceil(k_blocks);
    let mc_max = MC.min(m.div_ceil(MR) * MR);
    let nc_max = NC.min(n.div_ceil(NR) * NR);
    let (pa, pb) = pack.get(mc_max * kc_max, kc_max * nc_max);
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for (block, pc) in (0..k).step_by(kc_max.max(1)).enumerate() {
            let kc = kc_max.min(k - pc);
            // Columns of `b` are the rows of its transpose.
            let panels_b = Panels::<NR>::new::<V>(t, b.t(), jc, nc, pc, kc, pb);
            let accumulate = task.add || block > 0;
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                let panels_a = Panels::<MR>::new::<V>(t, a, ic, mc, pc, kc, pa);
                for p in 0..panels_a.count {
                    let ir = p * MR;
                    let ap = panels_a.panel(p);
                    for q in 0..panels_b.count {
                        let jr = q * NR;
                        let acc = micro::<V, MR, NV, NR>(t, ap, panels_b.panel(q), kc);
                        let tile = Tile {
                            i: ic + ir,
                            j: jc + jr,
                            rows: MR.min(mc - ir),
                            cols: NR.min(nc - jr),
                        };
                        write_back::<V, MR, NV, NR>(
                            t, &acc, task.alpha, accumulate, &mut out, tile,
                        );
                    }
                }
            }
        }
    }
}

/// One step-by-step panel source: its first step's `W` values start the
/// slice, and each next step's start `ld >= W` floats later (`ld = W` in a
/// packed buffer; a stride of the operand itself when it is read where it
/// lies).
#[derive(Clone, Copy)]
struct Panel<'p> {
    data: &'p [f32],
    ld: usize,
}

/// Rows `ic..ic + mc`, steps `pc..pc + kc` of an operand, as panels of
/// `W` rows. Where each step's `W` values are contiguous in the operand
/// and the steps do not overlap (`rs == 1`, `cs >= W`), the whole panels
/// are read where they lie and only the last, partial one is packed
/// (zero-padded): copying them would only move the same floats through
/// the cache once more. Not where the steps are [`FAR_ROWS`] or more
/// apart: those panels are packed (kernel bench, one thread: `X W` at 128
/// x 2048 x 2048 from 65 to 87 GFLOP/s, at 1024 wide from 80 to 97).
struct Panels<'p, const W: usize> {
    /// The operand from its first panel's first step, `ld` floats a step
    /// (empty when nothing is read in place).
    direct: Panel<'p>,
    /// Panels read in place, the first ones.
    whole: usize,
    /// The other panels, packed.
    packed: &'p [[f32; W]],
    kc: usize,
    count: usize,
}

impl<'p, const W: usize> Panels<'p, W> {
    #[inline(always)]
    fn new<V: Lanes>(
        t: V::Token,
        a: MatRef<'p, f32>,
        ic: usize,
        mc: usize,
        pc: usize,
        kc: usize,
        buf: &'p mut [f32],
    ) -> Self {
        let in_place = a.rs == 1 && a.cs >= W && a.cs < FAR_ROWS;
        let whole = if in_place { mc / W } else { 0 };
        let direct = Panel {
            data: if whole > 0 {
                &a.data[ic + pc * a.cs..]
            } else {
                &[]
            },
            ld: a.cs.max(W),
        };
        let packed = pack_panels::<V, W>(t, a, ic + whole * W, mc - whole * W, pc, kc, buf);
        Panels {
            direct,
            whole,
            packed,
            kc,
            count: mc.div_ceil(W),
        }
    }

    #[inline(always)]
    fn panel(&self, p: usize) -> Panel<'p> {
        if p < self.whole {
            Panel {
                data: &self.direct.data[p * W..],
                ..self.direct
            }
        } else {
            let start = (p - self.whole) * self.kc;
            Panel {
                data: self.packed[start..start + self.kc].as_flattened(),
                ld: W,
            }
        }
    }
}

/// `MR x NR` sums of one row panel of `a` (`kc` steps of `MR` values) by
/// one column panel of `b` (`kc` steps of `NR` values).
#[inline(always)]
fn micro<V: Lanes, const MR: usize, const NV: usize, const NR: usize>(
    t: V::Token,
    a: Panel<'_>,
    b: Panel<'_>,
    kc: usize,
) -> [[V; NV]; MR] {
    let mut acc = [[V::zero(t); NV]; MR];
    let steps_a = a.data.chunks(a.ld);
    let steps_b = b.data.chunks(b.ld);
    for (ak, bk) in steps_a.zip(steps_b).take(kc) {
        let ak: &[f32; MR] = ak.first_chunk().expect("a panel step holds MR values");
        let bk: &[f32; NR] = bk.first_chunk().expect("a panel step holds NR values");
        let bv: [V; NV] = core::array::from_fn(|j| V::load(t, &bk[j * V::LEN..]));
        for (row, &x) in acc.iter_mut().zip(ak) {
            let x = V::splat(t, x);
            for (s, &y) in row.iter_mut().zip(&bv) {
                *s = x.mul_add(y, *s);
            }
        }
    }
    acc
}

/// Where a tile's sums go: rows `i..i + rows`, columns `j..j + cols` of the
/// output (`rows <= MR`, `cols <= NR`; the rest of the tile is padding).
#[derive(Clone, Copy)]
struct Tile {
    i: usize,
    j: usize,
    rows: usize,
    cols: usize,
}

/// `out[tile] = alpha acc` (`+ out[tile]` when `accumulate`).
#[inline(always)]
fn write_back<V: Lanes, const MR: usize, const NV: usize, const NR: usize>(
    t: V::Token,
    acc: &[[V; NV]; MR],
    alpha: f32,
    accumulate: bool,
    out: &mut Out<'_>,
    tile: Tile,
) {
    let alpha_v = V::splat(t, alpha);
    if tile.rows == MR && tile.cols == NR {
        for (r, row) in acc.iter().enumerate() {
            let dst = out.row(tile.i + r, tile.j, NR);
            for (v, s) in dst.chunks_exact_mut(V::LEN).zip(row) {
                let x = s.mul(alpha_v);
                let x = if accumulate { x.add(V::load(t, v)) } else { x };
                x.store(v);
            }
        }
        return;
    }
    let mut sums = [[0.0f32; NR]; MR];
    for (dst, row) in sums.iter_mut().zip(acc) {
        for (v, s) in dst.chunks_exact_mut(V::LEN).zip(row) {
            s.mul(alpha_v).store(v);
        }
    }
    for (r, sums) in sums.iter().enumerate().take(tile.rows) {
        let dst = out.row(tile.i + r, tile.j, tile.cols);
        for (d, &s) in dst.iter_mut().zip(sums) {
            *d = if accumulate { *d + s } else { s };
        }
    }
}

/// `step = src[..len]`, zero-padded; a whole step is a copy of a known
/// length, which compiles to a few vector moves instead of a call to
/// `memcpy` for every step.
#[inline(always)]
fn copy_padded<const W: usize>(step: &mut [f32; W], src: &[f32], len: usize) {
    if len == W {
        step.copy_from_slice(&src[..W]);
    } else {
        step[..len].copy_from_slice(&src[..len]);
        step[len..].fill(0.0);
    }
}

/// Rows `ic..ic + mc`, columns `pc..pc + kc` of `a`, packed into panels of
/// `MR` rows (`kc` steps of `MR` values each; rows past `mc` are zeros).
/// Returns the packed steps.
#[inline(always)]
fn pack_panels<'p, V: Lanes, const MR: usize>(
    t: V::Token,
    a: MatRef<'_, f32>,
    ic: usize,
    mc: usize,
    pc: usize,
    kc: usize,
    out: &'p mut [f32],
) -> &'p [[f32; MR]] {
    let panels = mc.div_ceil(MR);
    let steps = &mut out.as_chunks_mut::<MR>().0[..panels * kc];
    for (p, panel) in steps.chunks_exact_mut(kc).enumerate() {
        let r0 = ic + p * MR;
        let rows = MR.min(ic + mc - r0);
        if a.rs == 1 {
            // Each step's rows are contiguous (a transposed view).
            for (s, step) in panel.iter_mut().enumerate() {
                let col = &a.data[r0 + (pc + s) * a.cs..];
                copy_padded(step, col, rows);
            }
        } else if a.cs == 1 {
            // Each row's steps are contiguous (a row-major operand).
            transpose_rows::<V, MR>(t, a, r0, rows, pc, panel);
        } else {
            for r in 0..MR {
                if r < rows {
                    let base = (r0 + r) * a.rs + pc * a.cs;
                    for (s, step) in panel.iter_mut().enumerate() {
                        step[r] = a.data[base + s * a.cs];
                    }
                } else {
                    for step in panel.iter_mut() {
                        step[r] = 0.0;
                    }
                }
            }
        }
    }
    steps
}

/// Rows `r0..r0 + rows` (`rows <= W`), steps `pc..pc + panel.len()` of
/// `a`, whose rows hold their steps contiguously (`cs == 1`), into one
/// panel of `W` rows (rows past `rows` are zeros): blocks of `LEN` rows by
/// `LEN` steps, each loaded as `LEN` vectors (a row's steps each) and
/// transposed in registers into the steps' vectors. (All packing, mostly
/// a float at a time here, was 8% of the 2 x 1024 network's samples: its
/// `g W^T` reads `W` transposed, and both of its operands are packed so.)
#[inline(always)]
fn transpose_rows<V: Lanes, const W: usize>(
    t: V::Token,
    a: MatRef<'_, f32>,
    r0: usize,
    rows: usize,
    pc: usize,
    panel: &mut [[f32; W]],
) {
    let kc = panel.len();
    let dst = panel.as_flattened_mut();
    for g in (0..W).step_by(V::LEN) {
        // Lanes stored (fewer than `LEN` when the panel is narrower than
        // a vector), and of them the rows that exist.
        let width = V::LEN.min(W - g);
        let real = rows.saturating_sub(g).min(width);
        for s0 in (0..kc).step_by(V::LEN) {
            // Rows r0 + g.. (pieces of steps s0..) into steps s0.. of the
            // panel, at lane g; a group of padding rows only stores zeros
            // (and its first row need not exist).
            let from = Strided {
                at: if real > 0 {
                    (r0 + g) * a.rs + pc + s0
                } else {
                    0
                },
                ld: a.rs,
            };
            let to = Strided {
                at: s0 * W + g,
                ld: W,
            };
            let len = V::LEN.min(kc - s0);
            square::<V>(t, a.data, from, real, len, dst, to, width);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::simd::all_isas;
    use crate::kernels::testing::{layouts, operands, reference};

    /// The product on `isa` with `threads` parts, against the plain loop.
    fn check(isa: Isa, m: usize, k: usize, n: usize, threads: usize) {
        let (a, b) = operands(m, k, n);
        for (ta, tb, av, bv) in layouts(&a, &b, m, k, n) {
            for (add, alpha) in [(false, 1.0f32), (true, 0.5)] {
                let start: Vec<f32> = (0..m * n).map(|i| (i % 7) as f32 - 3.0).collect();
                let mut want = start.clone();
                reference(av, bv, alpha, &mut want, add);
                let mut got = start.clone();
                let mut packs = vec![Pack::default(); threads];
                let out = Out::new(&mut got, m, n).unwrap();
                Task { isa, alpha, add }.split(out, av, bv, m >= n, &mut packs);
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        (g - w).abs() <= 1e-4 * (k as f32).sqrt() * (1.0 + w.abs()),
                        "{isa:?} {m}x{k}x{n} ta {ta} tb {tb} add {add} threads {threads}: \
                         [{i}] {g} vs {w}"
                    );
                }
            }
        }
    }

    #[test]
    fn agrees_with_the_plain_loop_on_every_isa_edge_and_split() {
        for isa in all_isas() {
            for &(m, k, n) in &[
                (1, 1, 1),
                (12, 3, 32),
                (13, 5, 33),
                (7, 300, 9),
                (150, 17, 40),
                (5, 513, 70),
                (145, 257, 513),
                (64, 784, 96),
                // Steps FAR_ROWS or more apart in the transposed layouts:
                // packed, not read in place.
                (33, 20, 1100),
                (1100, 20, 33),
            ] {
                for threads in [1, 2, 3] {
                    check(isa, m, k, n, threads);
                }
            }
        }
    }

    #[test]
    fn replace_ignores_nan_in_the_output_and_padding_never_leaks() {
        for isa in all_isas() {
            let (m, k, n) = (13, 9, 35);
            let (a, mut b) = operands(m, k, n);
            // An infinity in the last column: padding zeros times it are
            // NaN in the tile's padding, which must not be written.
            b[k * n - 1] = f32::INFINITY;
            let av = MatRef::row_major(&a, m, k).unwrap();
            let bv = MatRef::row_major(&b, k, n).unwrap();
            let mut want = vec![0.0; m * n];
            reference(av, bv, 1.0, &mut want, false);
            let mut got = vec![f32::NAN; m * n + 3];
            let out = Out::new(&mut got, m, n).unwrap();
            Task {
                isa,
                alpha: 1.0,
                add: false,
            }
            .split(out, av, bv, true, &mut [Pack::default()]);
            for (g, w) in got.iter().zip(&want) {
                assert!(g == w || (g - w).abs() < 1e-4, "{g} vs {w}");
            }
            assert!(
                got[m * n..].iter().all(|x| x.is_nan()),
                "wrote past the output"
            );
        }
    }

    #[test]
    fn buffers_grow_once_then_are_reused() {
        let (m, k, n) = (40, 300, 70);
        let (a, b) = operands(m, k, n);
        let av = MatRef::row_major(&a, m, k).unwrap();
        let bv = MatRef::row_major(&b, k, n).unwrap();
        let mut c = vec![0.0; m * n];
        let mut buffers = Buffers::default();
        gemm(1.0, av, bv, false, &mut c, Parallelism::None, &mut buffers);
        let cap = buffers.capacity();
        assert!(cap > 0);
        let ptr = buffers.parts[0].a.as_ptr();
        gemm(1.0, av, bv, true, &mut c, Parallelism::None, &mut buffers);
        assert_eq!(
            (buffers.capacity(), buffers.parts[0].a.as_ptr()),
            (cap, ptr)
        );
    }

    #[test]
    fn out_refuses_a_short_buffer_and_splits_disjointly() {
        let mut c = vec![0.0f32; 11];
        assert!(Out::new(&mut c, 3, 4).is_none());
        assert!(Out::new(&mut c, usize::MAX, 2).is_none());
        let mut c = vec![0.0f32; 12];
        let out = Out::new(&mut c, 3, 4).unwrap();
        let (mut l, mut r) = out.split(false, 3);
        l.row(2, 0, 3).fill(1.0);
        r.row(2, 0, 1).fill(2.0);
        assert_eq!(&c[8..], &[1.0, 1.0, 1.0, 2.0]);
        let out = Out::new(&mut c, 3, 4).unwrap();
        let (_, mut r) = out.split(true, 3);
        assert_eq!((r.rows, r.cols), (0, 4));
        let msg = crate::kernels::testing::panic_message(std::panic::AssertUnwindSafe(move || {
            r.row(0, 0, 1);
        }));
        assert!(msg.contains("outside 0 x 4"), "{msg}");
    }
}
