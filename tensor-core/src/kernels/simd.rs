//! The kernels' one SIMD mechanism: CPU feature tokens, and vectors that
//! only a token can make.
//!
//! * A token ([`Avx512`], [`Avx2Fma`], [`Plain`]) is a zero-sized proof that
//!   the CPU has a set of instructions. Only [`Isa::detect`] (and the
//!   test-only [`force`] switch, which also detects first) mints one: its
//!   field is private.
//! * A vector ([`Lanes`]: `Zmm` for AVX-512, 16 lanes; `Ymm` for AVX2 with
//!   FMA, 8 lanes; [`Portable`], 8 lanes in plain code) is made only from
//!   its token (`V::zero(t)`, `V::load(t, s)`), or from another vector of
//!   its type. So a value of `Zmm` proves that the CPU has AVX-512F, and its
//!   methods use the instructions without checking again. That is the
//!   whole soundness argument of the vector code.
//! * A loop is written once, generic over `V: Lanes`, and compiled for each
//!   instruction set by a `#[target_feature]` function that takes the token
//!   as an argument; calling it is `unsafe`, and the token in hand is the
//!   `SAFETY` reason.
//!
//! Explicit vectors, because the compiler does not vectorize sums held in
//! registers across a loop by itself: it unrolls the short loops over the
//! lanes and leaves every sum scalar.

/// Proof that the CPU has AVX-512F and AVX-512VL, and AVX2, FMA and AVX
/// (detection checks them all). Minted only by detection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Avx512(());

/// Proof that the CPU has AVX2 and FMA (and so AVX). Minted only by
/// detection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Avx2Fma(());

/// Plain code: always available.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Plain(());

/// The vector instructions a kernel uses, with the token that proves the
/// CPU has them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Isa {
    /// AVX-512F.
    Avx512(Avx512),
    /// AVX2 with FMA.
    Avx2(Avx2Fma),
    /// Plain code.
    Portable(Plain),
}

/// The instruction sets, as the test-only `force` switch names them
/// (public, as `kernels::IsaKind`, only with `force-isa`, like the switch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaKind {
    /// AVX-512F.
    Avx512,
    /// AVX2 with FMA.
    Avx2,
    /// Plain code (always available).
    Portable,
}

#[cfg(any(test, feature = "force-isa"))]
std::thread_local! {
    static FORCED: core::cell::Cell<Option<IsaKind>> = const { core::cell::Cell::new(None) };
}

/// Test-only switch: makes the kernels started on this thread use `kind`
/// (`None`: the best the CPU has again). Returns false, changing nothing,
/// when the CPU lacks `kind`: the switch cannot mint a token the CPU does
/// not back. Threads that a kernel splits its work onto detect on their
/// own, so force with one kernel thread (or `Parallelism::None`).
///
/// Compiled only for the crate's tests and with the `force-isa` feature
/// (the fuzz target's).
#[cfg(any(test, feature = "force-isa"))]
pub fn force(kind: Option<IsaKind>) -> bool {
    if let Some(k) = kind {
        if Isa::available(k).is_none() {
            return false;
        }
    }
    FORCED.with(|f| f.set(kind));
    true
}

impl Isa {
    /// The best instruction set the CPU has (or the forced one, in tests).
    #[inline]
    pub(crate) fn detect() -> Isa {
        #[cfg(any(test, feature = "force-isa"))]
        if let Some(isa) = FORCED.with(|f| f.get()).and_then(Isa::available) {
            return isa;
        }
        Isa::available(IsaKind::Avx512)
            .or_else(|| Isa::available(IsaKind::Avx2))
            .unwrap_or(Isa::Portable(Plain(())))
    }

    /// A token for `kind`, if the CPU has it: the only place tokens are
    /// made.
    pub(crate) fn available(kind: IsaKind) -> Option<Isa> {
        match kind {
            #[cfg(target_arch = "x86_64")]
            IsaKind::Avx512
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma") =>
            {
                Some(Isa::Avx512(Avx512(())))
            }
            #[cfg(target_arch = "x86_64")]
            IsaKind::Avx2
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma") =>
            {
                Some(Isa::Avx2(Avx2Fma(())))
            }
            IsaKind::Portable => Some(Isa::Portable(Plain(()))),
            _ => None,
        }
    }

    /// Which instruction set this is.
    #[cfg(test)]
    pub(crate) fn kind(self) -> IsaKind {
        match self {
            Isa::Avx512(_) => IsaKind::Avx512,
            Isa::Avx2(_) => IsaKind::Avx2,
            Isa::Portable(_) => IsaKind::Portable,
        }
    }
}

/// Every instruction set this CPU has, for tests.
#[cfg(test)]
pub(crate) fn all_isas() -> Vec<Isa> {
    [IsaKind::Portable, IsaKind::Avx2, IsaKind::Avx512]
        .into_iter()
        .filter_map(Isa::available)
        .collect()
}

/// The most lanes of any vector here (`Zmm`'s 16): the size of the scratch
/// arrays of the provided methods of [`Lanes`], and of the array of
/// vectors [`Lanes::transpose_square`] transposes.
pub(crate) const MAX_LEN: usize = 16;

/// A vector of `LEN` floats, held in one register.
pub(crate) trait Lanes: Copy {
    /// The token that proves the CPU runs these vectors.
    type Token: Copy;
    const LEN: usize;
    /// The token again, from a vector (whose existence proves it).
    fn token(self) -> Self::Token;
    fn zero(t: Self::Token) -> Self;
    fn splat(t: Self::Token, x: f32) -> Self;
    /// The first `LEN` values of `s`.
    fn load(t: Self::Token, s: &[f32]) -> Self;
    /// `self y + acc`, rounded once where the vectors fuse them.
    fn mul_add(self, y: Self, acc: Self) -> Self;
    fn mul(self, y: Self) -> Self;
    fn add(self, y: Self) -> Self;
    /// Into the first `LEN` places of `out`.
    fn store(self, out: &mut [f32]);
    /// The sum of the lanes.
    #[inline(always)]
    fn sum(self) -> f32 {
        let mut v = [0.0f32; MAX_LEN];
        self.store(&mut v);
        let mut w = Self::LEN;
        while w > 1 {
            w /= 2;
            for l in 0..w {
                v[l] += v[l + w];
            }
        }
        v[0]
    }
    /// Lanes `from..to` (of the first `LEN`) from `s[l stride]`, the
    /// others zeros.
    #[inline(always)]
    fn gather(t: Self::Token, s: &[f32], stride: usize, from: usize, to: usize) -> Self {
        let mut v = [0.0f32; MAX_LEN];
        for (l, v) in v.iter_mut().enumerate().take(to.min(Self::LEN)).skip(from) {
            *v = s[l * stride];
        }
        Self::load(t, &v)
    }
    /// `out[j] = alpha sum(acc[j])` (`+ out[j]` when accumulating) for
    /// `j < N`.
    ///
    /// By a store and reloads: only short loops (unrolled) touch the sums
    /// after the main loop then, so the compiler keeps them in registers
    /// throughout; a longer loop over them (the horizontal sums, say) would
    /// leave them in memory, stored at every step of the main loop.
    #[inline(always)]
    fn reduce<const N: usize>(acc: &[Self; N], alpha: f32, out: &mut [f32], accumulate: bool) {
        let mut tile = [[0.0f32; MAX_LEN]; N];
        for (t, a) in tile.iter_mut().zip(acc) {
            a.store(t);
        }
        let Some(first) = acc.first() else { return };
        let token = first.token();
        for (o, t) in out[..N].iter_mut().zip(&tile) {
            put(o, alpha * Self::load(token, t).sum(), accumulate);
        }
    }
    /// `out[l N + j] = alpha acc[j][l]` (`+ out[l N + j]` when
    /// accumulating) for `j < N` and `l < rows`: the sums transposed, as
    /// rows of `N`.
    #[inline(always)]
    fn store_transposed<const N: usize>(
        acc: &[Self; N],
        alpha: f32,
        out: &mut [f32],
        rows: usize,
        accumulate: bool,
    ) {
        let mut tile = [[0.0f32; MAX_LEN]; N];
        for (t, s) in tile.iter_mut().zip(acc) {
            s.mul(Self::splat(s.token(), alpha)).store(t);
        }
        let rows = rows.min(Self::LEN);
        for (l, row) in out[..rows * N].chunks_exact_mut(N).enumerate() {
            for (j, o) in row.iter_mut().enumerate() {
                put(o, tile[j][l], accumulate);
            }
        }
    }
    /// The square transpose of `r[..LEN]`, in place: afterwards lane `i`
    /// of `r[l]` holds what lane `l` of `r[i]` held, for `i, l < LEN`
    /// (`r[LEN..]` is left as it was). By a store and reloads here; the
    /// x86 vectors shuffle in registers.
    #[inline(always)]
    fn transpose_square(r: &mut [Self; MAX_LEN]) {
        let t = r[0].token();
        let mut tile = [[0.0f32; MAX_LEN]; MAX_LEN];
        for (row, v) in tile.iter_mut().zip(r.iter()).take(Self::LEN) {
            v.store(row);
        }
        for (l, v) in r.iter_mut().enumerate().take(Self::LEN) {
            let mut col = [0.0f32; MAX_LEN];
            for (c, row) in col.iter_mut().zip(&tile).take(Self::LEN) {
                *c = row[l];
            }
            *v = Self::load(t, &col);
        }
    }
    /// Lanes `from..to` (of the first `LEN`) from `s`, the others zeros.
    #[inline(always)]
    fn load_range(t: Self::Token, s: &[f32], from: usize, to: usize) -> Self {
        let mut v = [0.0f32; MAX_LEN];
        for (v, &x) in v.iter_mut().zip(s).take(to.min(Self::LEN)).skip(from) {
            *v = x;
        }
        Self::load(t, &v)
    }
    /// The first `min(s.len(), LEN)` values of `s`, then zeros.
    #[inline(always)]
    fn load_part(t: Self::Token, s: &[f32]) -> Self {
        let mut v = [0.0f32; MAX_LEN];
        let w = s.len().min(Self::LEN);
        v[..w].copy_from_slice(&s[..w]);
        Self::load(t, &v)
    }
    /// Into the first `min(out.len(), LEN)` places of `out`.
    #[inline(always)]
    fn store_part(self, out: &mut [f32]) {
        let mut v = [0.0f32; MAX_LEN];
        self.store(&mut v);
        let w = out.len().min(Self::LEN);
        out[..w].copy_from_slice(&v[..w]);
    }
}

/// `o = s`, or `o += s` when accumulating.
#[inline(always)]
fn put(o: &mut f32, s: f32, accumulate: bool) {
    *o = if accumulate { *o + s } else { s };
}

/// Eight lanes in plain code, for CPUs without AVX2 (and other
/// architectures): the compiler may vectorize them, or not.
#[derive(Clone, Copy)]
pub(crate) struct Portable([f32; 8]);

impl Lanes for Portable {
    type Token = Plain;
    const LEN: usize = 8;
    #[inline(always)]
    fn token(self) -> Plain {
        Plain(())
    }
    #[inline(always)]
    fn zero(_: Plain) -> Self {
        Portable([0.0; 8])
    }
    #[inline(always)]
    fn splat(_: Plain, x: f32) -> Self {
        Portable([x; 8])
    }
    #[inline(always)]
    fn load(_: Plain, s: &[f32]) -> Self {
        Portable(s[..8].try_into().unwrap())
    }
    #[inline(always)]
    fn mul_add(self, y: Self, acc: Self) -> Self {
        // Not `f32::mul_add`: without FMA it is a slow library call.
        let mut s = acc.0;
        for ((s, x), y) in s.iter_mut().zip(self.0).zip(y.0) {
            *s += x * y;
        }
        Portable(s)
    }
    #[inline(always)]
    fn mul(self, y: Self) -> Self {
        let mut s = self.0;
        for (s, y) in s.iter_mut().zip(y.0) {
            *s *= y;
        }
        Portable(s)
    }
    #[inline(always)]
    fn add(self, y: Self) -> Self {
        let mut s = self.0;
        for (s, y) in s.iter_mut().zip(y.0) {
            *s += y;
        }
        Portable(s)
    }
    #[inline(always)]
    fn store(self, out: &mut [f32]) {
        out[..8].copy_from_slice(&self.0);
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) use x86::{transpose, Ymm, Zmm};

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The vectors of AVX-512 and AVX2.
    //!
    //! Safety: a value of [`Zmm`] (of [`Ymm`]) is made only from an
    //! [`Avx512`] ([`Avx2Fma`]) token, which detection alone mints, or from
    //! another value of its type; their fields are private to this module.
    //! So where a value exists the CPU has the features, and the methods use
    //! them without checking again. Every `SAFETY` comment below that says
    //! "a `Zmm` exists" means this.

    use super::{Avx2Fma, Avx512, Lanes, MAX_LEN};
    use std::arch::x86_64::*;

    /// Sixteen lanes of AVX-512.
    #[derive(Clone, Copy)]
    pub(crate) struct Zmm(__m512);

    impl Lanes for Zmm {
        type Token = Avx512;
        const LEN: usize = 16;
        #[inline(always)]
        fn token(self) -> Avx512 {
            // A `Zmm` exists, so the CPU has AVX-512F.
            Avx512(())
        }
        #[inline(always)]
        fn zero(_: Avx512) -> Self {
            // SAFETY: the token proves the CPU has AVX-512F.
            Zmm(unsafe { _mm512_setzero_ps() })
        }
        #[inline(always)]
        fn splat(_: Avx512, x: f32) -> Self {
            // SAFETY: the token proves the CPU has AVX-512F.
            Zmm(unsafe { _mm512_set1_ps(x) })
        }
        #[inline(always)]
        fn load(_: Avx512, s: &[f32]) -> Self {
            let s = &s[..16];
            // SAFETY: the token proves AVX-512F; `s` holds 16 floats, and
            // unaligned loads are allowed.
            Zmm(unsafe { _mm512_loadu_ps(s.as_ptr()) })
        }
        #[inline(always)]
        fn load_part(_: Avx512, s: &[f32]) -> Self {
            let w = s.len().min(16);
            // SAFETY: only the first `w` lanes are read, all within `s`;
            // masked-off lanes are not accessed (and read as zero).
            Zmm(unsafe { _mm512_maskz_loadu_ps(((1u32 << w) - 1) as u16, s.as_ptr()) })
        }
        #[inline(always)]
        fn load_range(_: Avx512, s: &[f32], from: usize, to: usize) -> Self {
            let to = to.min(16).min(s.len());
            let mask = ((1u32 << to) - (1u32 << from.min(to))) as u16;
            // SAFETY: only the lanes in `mask` are read, below `to`, within
            // `s`; the others are not accessed (and read as zero).
            Zmm(unsafe { _mm512_maskz_loadu_ps(mask, s.as_ptr()) })
        }
        #[inline(always)]
        fn mul_add(self, y: Self, acc: Self) -> Self {
            // SAFETY: a `Zmm` exists, so the CPU has AVX-512F.
            Zmm(unsafe { _mm512_fmadd_ps(self.0, y.0, acc.0) })
        }
        #[inline(always)]
        fn mul(self, y: Self) -> Self {
            // SAFETY: a `Zmm` exists, so the CPU has AVX-512F.
            Zmm(unsafe { _mm512_mul_ps(self.0, y.0) })
        }
        #[inline(always)]
        fn add(self, y: Self) -> Self {
            // SAFETY: a `Zmm` exists, so the CPU has AVX-512F.
            Zmm(unsafe { _mm512_add_ps(self.0, y.0) })
        }
        #[inline(always)]
        fn store(self, out: &mut [f32]) {
            let out = &mut out[..16];
            // SAFETY: `out` holds 16 floats.
            unsafe { _mm512_storeu_ps(out.as_mut_ptr(), self.0) }
        }
        #[inline(always)]
        fn store_part(self, out: &mut [f32]) {
            let w = out.len().min(16);
            // SAFETY: only the first `w` lanes are written, all within `out`.
            unsafe { _mm512_mask_storeu_ps(out.as_mut_ptr(), ((1u32 << w) - 1) as u16, self.0) }
        }
        #[inline(always)]
        fn sum(self) -> f32 {
            // SAFETY: a `Zmm` exists, so the CPU has AVX-512F.
            unsafe { _mm512_reduce_add_ps(self.0) }
        }
        /// All the sums at once, in one vector: pairs of vectors (padded to
        /// 16 with zeros) are folded together, halving the lanes per sum
        /// and the vectors at each step, two shuffles and an add per pair.
        #[inline(always)]
        fn reduce<const N: usize>(acc: &[Self; N], alpha: f32, out: &mut [f32], accumulate: bool) {
            let out = &mut out[..N];
            let mask = ((1u32 << N) - 1) as u16;
            // SAFETY: a `Zmm` exists (AVX-512F); the masked load and
            // store touch the first `N` lanes, within `out`.
            unsafe {
                let mut v = [_mm512_setzero_ps(); 16];
                for (v, a) in v.iter_mut().zip(acc) {
                    *v = a.0;
                }
                // 256-bit halves: s1[i] = (8 sums of v[2i], 8 of v[2i+1]).
                let mut s1 = [_mm512_setzero_ps(); 8];
                for (i, s) in s1.iter_mut().enumerate() {
                    let (a, b) = (v[2 * i], v[2 * i + 1]);
                    *s = _mm512_add_ps(
                        _mm512_shuffle_f32x4::<0x44>(a, b),
                        _mm512_shuffle_f32x4::<0xEE>(a, b),
                    );
                }
                // 128-bit lanes: lane L of s2[i] holds 4 sums of v[4i + L].
                let mut s2 = [_mm512_setzero_ps(); 4];
                for (i, s) in s2.iter_mut().enumerate() {
                    let (a, b) = (s1[2 * i], s1[2 * i + 1]);
                    *s = _mm512_add_ps(
                        _mm512_shuffle_f32x4::<0x88>(a, b),
                        _mm512_shuffle_f32x4::<0xDD>(a, b),
                    );
                }
                // Pairs: lane L of s3[i] holds 2 sums of v[8i + L], then 2
                // of v[8i + 4 + L].
                let mut s3 = [_mm512_setzero_ps(); 2];
                for (i, s) in s3.iter_mut().enumerate() {
                    let (a, b) = (s2[2 * i], s2[2 * i + 1]);
                    *s = _mm512_add_ps(
                        _mm512_shuffle_ps::<0x44>(a, b),
                        _mm512_shuffle_ps::<0xEE>(a, b),
                    );
                }
                // Element e of lane L: the sum of v[L + 4e].
                let (a, b) = (s3[0], s3[1]);
                let s = _mm512_add_ps(
                    _mm512_shuffle_ps::<0x88>(a, b),
                    _mm512_shuffle_ps::<0xDD>(a, b),
                );
                let order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
                let mut s = _mm512_mul_ps(_mm512_permutexvar_ps(order, s), _mm512_set1_ps(alpha));
                if accumulate {
                    s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(mask, out.as_ptr()));
                }
                _mm512_mask_storeu_ps(out.as_mut_ptr(), mask, s)
            }
        }
        /// By a 16 x 16 transpose in registers, then a masked store per row
        /// (the compiler's own version scatters, lane by lane).
        #[inline(always)]
        fn store_transposed<const N: usize>(
            acc: &[Self; N],
            alpha: f32,
            out: &mut [f32],
            rows: usize,
            accumulate: bool,
        ) {
            let Some(first) = acc.first() else { return };
            let alpha = Self::splat(first.token(), alpha);
            let mut r = [Self::zero(first.token()); 16];
            for (r, a) in r.iter_mut().zip(acc) {
                *r = a.mul(alpha);
            }
            let t = transpose(r);
            let mask = ((1u32 << N) - 1) as u16;
            for (t, o) in t.iter().zip(out[..rows.min(16) * N].chunks_exact_mut(N)) {
                // SAFETY: a `Zmm` exists (AVX-512F); the masked load
                // and store touch the first `N` lanes, the row `o`.
                unsafe {
                    let mut v = t.0;
                    if accumulate {
                        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, o.as_ptr()));
                    }
                    _mm512_mask_storeu_ps(o.as_mut_ptr(), mask, v)
                }
            }
        }
        /// By [`transpose`], in registers.
        #[inline(always)]
        fn transpose_square(r: &mut [Self; MAX_LEN]) {
            *r = transpose(*r);
        }
    }

    /// Eight lanes of AVX2, multiply-adds fused.
    #[derive(Clone, Copy)]
    pub(crate) struct Ymm(__m256);

    impl Lanes for Ymm {
        type Token = Avx2Fma;
        const LEN: usize = 8;
        #[inline(always)]
        fn token(self) -> Avx2Fma {
            // A `Ymm` exists, so the CPU has AVX2 and FMA.
            Avx2Fma(())
        }
        #[inline(always)]
        fn zero(_: Avx2Fma) -> Self {
            // SAFETY: the token proves the CPU has AVX.
            Ymm(unsafe { _mm256_setzero_ps() })
        }
        #[inline(always)]
        fn splat(_: Avx2Fma, x: f32) -> Self {
            // SAFETY: the token proves the CPU has AVX.
            Ymm(unsafe { _mm256_set1_ps(x) })
        }
        #[inline(always)]
        fn load(_: Avx2Fma, s: &[f32]) -> Self {
            let s = &s[..8];
            // SAFETY: the token proves AVX; `s` holds 8 floats, and
            // unaligned loads are allowed.
            Ymm(unsafe { _mm256_loadu_ps(s.as_ptr()) })
        }
        #[inline(always)]
        fn load_part(_: Avx2Fma, s: &[f32]) -> Self {
            let w = s.len().min(8) as i32;
            // SAFETY: only the lanes whose mask is set, the first `w`, are
            // read, all within `s`; the others are not accessed.
            unsafe {
                let mask = _mm256_cmpgt_epi32(
                    _mm256_set1_epi32(w),
                    _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                );
                Ymm(_mm256_maskload_ps(s.as_ptr(), mask))
            }
        }
        #[inline(always)]
        fn load_range(_: Avx2Fma, s: &[f32], from: usize, to: usize) -> Self {
            let to = to.min(8).min(s.len());
            // SAFETY: only the lanes whose mask is set, `from..to`, are read,
            // within `s`; the others are not accessed.
            unsafe {
                let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                let mask = _mm256_and_si256(
                    _mm256_cmpgt_epi32(_mm256_set1_epi32(to as i32), lane),
                    _mm256_cmpgt_epi32(lane, _mm256_set1_epi32(from.min(8) as i32 - 1)),
                );
                Ymm(_mm256_maskload_ps(s.as_ptr(), mask))
            }
        }
        #[inline(always)]
        fn gather(t: Avx2Fma, s: &[f32], stride: usize, from: usize, to: usize) -> Self {
            let to = to.min(8);
            if from >= to {
                return Self::zero(t);
            }
            assert!((to - 1) * stride < s.len() && stride <= i32::MAX as usize / 8);
            // SAFETY: only the lanes whose mask is set are read, `s[l stride]`
            // for `from <= l < to`, all within `s` (asserted); the offsets
            // fit in 32 bits.
            unsafe {
                let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                let mask = _mm256_and_si256(
                    _mm256_cmpgt_epi32(_mm256_set1_epi32(to as i32), lane),
                    _mm256_cmpgt_epi32(lane, _mm256_set1_epi32(from as i32 - 1)),
                );
                let at = _mm256_mullo_epi32(lane, _mm256_set1_epi32(stride as i32));
                Ymm(_mm256_mask_i32gather_ps::<4>(
                    _mm256_setzero_ps(),
                    s.as_ptr(),
                    at,
                    _mm256_castsi256_ps(mask),
                ))
            }
        }
        #[inline(always)]
        fn mul_add(self, y: Self, acc: Self) -> Self {
            // SAFETY: a `Ymm` exists, so the CPU has AVX2 and FMA.
            Ymm(unsafe { _mm256_fmadd_ps(self.0, y.0, acc.0) })
        }
        #[inline(always)]
        fn mul(self, y: Self) -> Self {
            // SAFETY: a `Ymm` exists, so the CPU has AVX2 and FMA.
            Ymm(unsafe { _mm256_mul_ps(self.0, y.0) })
        }
        #[inline(always)]
        fn add(self, y: Self) -> Self {
            // SAFETY: a `Ymm` exists, so the CPU has AVX2 and FMA.
            Ymm(unsafe { _mm256_add_ps(self.0, y.0) })
        }
        #[inline(always)]
        fn store(self, out: &mut [f32]) {
            let out = &mut out[..8];
            // SAFETY: `out` holds 8 floats.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr(), self.0) }
        }
        #[inline(always)]
        fn store_part(self, out: &mut [f32]) {
            let w = out.len().min(8) as i32;
            // SAFETY: only the first `w` lanes are written, all within `out`.
            unsafe {
                let mask = _mm256_cmpgt_epi32(
                    _mm256_set1_epi32(w),
                    _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                );
                _mm256_maskstore_ps(out.as_mut_ptr(), mask, self.0)
            }
        }
        /// The classic 8 x 8 transpose: pairs of rows interleaved, then
        /// pairs of pairs, then the 128-bit halves exchanged.
        #[inline(always)]
        fn transpose_square(r: &mut [Self; MAX_LEN]) {
            // SAFETY: `r` holds `Ymm`s, so the CPU has AVX.
            unsafe {
                // t[2a], half H: rows 2a, 2a+1 interleaved over columns
                // 4H, 4H+1; t[2a+1] over columns 4H+2, 4H+3.
                let mut t = [_mm256_setzero_ps(); 8];
                for a in 0..4 {
                    t[2 * a] = _mm256_unpacklo_ps(r[2 * a].0, r[2 * a + 1].0);
                    t[2 * a + 1] = _mm256_unpackhi_ps(r[2 * a].0, r[2 * a + 1].0);
                }
                // u[4b+e], half H: rows 4b..4b+4 of column 4H+e.
                let mut u = [_mm256_setzero_ps(); 8];
                for b in 0..2 {
                    let (x0, x1, y0, y1) = (t[4 * b], t[4 * b + 1], t[4 * b + 2], t[4 * b + 3]);
                    u[4 * b] = _mm256_shuffle_ps::<0x44>(x0, y0);
                    u[4 * b + 1] = _mm256_shuffle_ps::<0xEE>(x0, y0);
                    u[4 * b + 2] = _mm256_shuffle_ps::<0x44>(x1, y1);
                    u[4 * b + 3] = _mm256_shuffle_ps::<0xEE>(x1, y1);
                }
                // Column e: the low halves of u[e] and u[4+e]; column
                // 4+e: their high halves.
                for e in 0..4 {
                    r[e] = Ymm(_mm256_permute2f128_ps::<0x20>(u[e], u[4 + e]));
                    r[4 + e] = Ymm(_mm256_permute2f128_ps::<0x31>(u[e], u[4 + e]));
                }
            }
        }
        #[inline(always)]
        fn sum(self) -> f32 {
            // SAFETY: a `Ymm` exists, so the CPU has AVX2 and FMA.
            unsafe {
                let s = _mm_add_ps(
                    _mm256_castps256_ps128(self.0),
                    _mm256_extractf128_ps::<1>(self.0),
                );
                let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
                _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
            }
        }
    }
    /// The 16 x 16 transpose of the rows `r`.
    #[inline(always)]
    pub(crate) fn transpose(r: [Zmm; 16]) -> [Zmm; 16] {
        // SAFETY: `r` holds `Zmm`s, so the CPU has AVX-512F.
        unsafe {
            // Pairs of rows interleaved: within each 128-bit lane `L`,
            // t[2a] = (r[2a][4L], r[2a+1][4L], r[2a][4L+1], r[2a+1][4L+1]),
            // t[2a+1] the same for 4L+2 and 4L+3.
            let mut t = [_mm512_setzero_ps(); 16];
            for a in 0..8 {
                t[2 * a] = _mm512_unpacklo_ps(r[2 * a].0, r[2 * a + 1].0);
                t[2 * a + 1] = _mm512_unpackhi_ps(r[2 * a].0, r[2 * a + 1].0);
            }
            // u[4b+e], lane L: rows 4b..4b+4 of column 4L+e.
            let mut u = [_mm512_setzero_ps(); 16];
            for b in 0..4 {
                let (x0, x1, y0, y1) = (t[4 * b], t[4 * b + 1], t[4 * b + 2], t[4 * b + 3]);
                u[4 * b] = _mm512_shuffle_ps::<0x44>(x0, y0);
                u[4 * b + 1] = _mm512_shuffle_ps::<0xEE>(x0, y0);
                u[4 * b + 2] = _mm512_shuffle_ps::<0x44>(x1, y1);
                u[4 * b + 3] = _mm512_shuffle_ps::<0xEE>(x1, y1);
            }
            // Column 4L+e gathers lane L of u[e], u[4+e], u[8+e], u[12+e].
            let mut w = [Zmm(_mm512_setzero_ps()); 16];
            for e in 0..4 {
                let p0 = _mm512_shuffle_f32x4::<0x44>(u[e], u[4 + e]);
                let p1 = _mm512_shuffle_f32x4::<0xEE>(u[e], u[4 + e]);
                let q0 = _mm512_shuffle_f32x4::<0x44>(u[8 + e], u[12 + e]);
                let q1 = _mm512_shuffle_f32x4::<0xEE>(u[8 + e], u[12 + e]);
                w[e] = Zmm(_mm512_shuffle_f32x4::<0x88>(p0, q0));
                w[4 + e] = Zmm(_mm512_shuffle_f32x4::<0xDD>(p0, q0));
                w[8 + e] = Zmm(_mm512_shuffle_f32x4::<0x88>(p1, q1));
                w[12 + e] = Zmm(_mm512_shuffle_f32x4::<0xDD>(p1, q1));
            }
            w
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `transpose_square` on `V` against the definition, on distinct values
    /// (and the rows past `LEN` untouched).
    fn check_transpose<V: Lanes>(t: V::Token) {
        let value = |i: usize, l: usize| (i * 100 + l) as f32;
        let mut r = [V::zero(t); MAX_LEN];
        for (i, v) in r.iter_mut().enumerate() {
            let row: Vec<f32> = (0..MAX_LEN).map(|l| value(i, l)).collect();
            *v = V::load(t, &row);
        }
        V::transpose_square(&mut r);
        for (l, v) in r.iter().enumerate() {
            let mut got = [0.0f32; MAX_LEN];
            v.store(&mut got);
            for (i, &x) in got.iter().enumerate().take(V::LEN) {
                let want = if l < V::LEN { value(i, l) } else { value(l, i) };
                assert_eq!(x, want, "lane {i} of row {l}, {} lanes", V::LEN);
            }
        }
    }

    #[test]
    fn every_square_transpose_matches_its_definition() {
        for isa in all_isas() {
            match isa {
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512(t) => check_transpose::<Zmm>(t),
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2(t) => check_transpose::<Ymm>(t),
                Isa::Portable(t) => check_transpose::<Portable>(t),
            }
        }
    }
}
