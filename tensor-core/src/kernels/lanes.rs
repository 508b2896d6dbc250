//! A small vector abstraction for the kernels: [`Lanes`], a vector of
//! `LEN` floats held in one register with the few operations the loops
//! need, and its types: [`Portable`] (eight lanes in plain code) and, on
//! x86-64, `Zmm` (AVX-512, 16 lanes) and `Ymm` (AVX2 with FMA, 8 lanes).
//! [`Isa`] says which of them the CPU allows.
//!
//! The skinny products (`super::skinny`) are written once, over a vector
//! type, and compiled for AVX-512 (16 lanes, 32 registers), AVX2 with FMA
//! (8 lanes, 16 registers) and plain code, chosen at run time by the CPU.
//! Explicit vectors, because the compiler does not vectorize sums held in
//! registers across a loop by itself: it unrolls the short loops over the
//! lanes and leaves every sum scalar.
//!
//! The types here only compute; the `#[target_feature]` functions that
//! compile the loops for each instruction set are with the loops.

/// The most lanes of any vector here (`Zmm`'s 16): the size of the scratch
/// arrays of the provided methods of [`Lanes`].
const MAX_LEN: usize = 16;

/// The vector instructions the loops use, as the CPU allows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Isa {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Portable,
}

impl Isa {
    pub(crate) fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }
}

/// A vector of `LEN` floats, held in one register.
pub(crate) trait Lanes: Copy {
    const LEN: usize;
    fn zero() -> Self;
    fn splat(x: f32) -> Self;
    /// The first `LEN` values of `s`.
    fn load(s: &[f32]) -> Self;
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
    fn gather(s: &[f32], stride: usize, from: usize, to: usize) -> Self {
        let mut v = [0.0f32; MAX_LEN];
        for (l, v) in v.iter_mut().enumerate().take(to.min(Self::LEN)).skip(from) {
            *v = s[l * stride];
        }
        Self::load(&v)
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
        for (o, t) in out[..N].iter_mut().zip(&tile) {
            put(o, alpha * Self::load(t).sum(), accumulate);
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
            s.mul(Self::splat(alpha)).store(t);
        }
        let rows = rows.min(Self::LEN);
        for (l, row) in out[..rows * N].chunks_exact_mut(N).enumerate() {
            for (j, o) in row.iter_mut().enumerate() {
                put(o, tile[j][l], accumulate);
            }
        }
    }
    /// Lanes `from..to` (of the first `LEN`) from `s`, the others zeros.
    #[inline(always)]
    fn load_range(s: &[f32], from: usize, to: usize) -> Self {
        let mut v = [0.0f32; MAX_LEN];
        for (v, &x) in v.iter_mut().zip(s).take(to.min(Self::LEN)).skip(from) {
            *v = x;
        }
        Self::load(&v)
    }
    /// The first `min(s.len(), LEN)` values of `s`, then zeros.
    #[inline(always)]
    fn load_part(s: &[f32]) -> Self {
        let mut v = [0.0f32; MAX_LEN];
        let w = s.len().min(Self::LEN);
        v[..w].copy_from_slice(&s[..w]);
        Self::load(&v)
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
    const LEN: usize = 8;
    #[inline(always)]
    fn zero() -> Self {
        Portable([0.0; 8])
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Portable([x; 8])
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
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
    //! Safety: a value of [`Zmm`] (of [`Ymm`]) is only made in code running
    //! on a CPU with AVX-512F (with AVX2 and FMA): in the loops' functions
    //! that enable those features, which [`super::Isa::detect`] chose, and
    //! in tests that check the CPU first. Their methods use the features
    //! without checking again.

    use super::Lanes;
    use std::arch::x86_64::*;

    /// Sixteen lanes of AVX-512.
    #[derive(Clone, Copy)]
    pub(crate) struct Zmm(__m512);

    impl Lanes for Zmm {
        const LEN: usize = 16;
        #[inline(always)]
        fn zero() -> Self {
            // SAFETY: see the module's documentation (for all methods).
            Zmm(unsafe { _mm512_setzero_ps() })
        }
        #[inline(always)]
        fn splat(x: f32) -> Self {
            // SAFETY: a `Zmm` exists only where `Isa::detect` found AVX-512F.
            Zmm(unsafe { _mm512_set1_ps(x) })
        }
        #[inline(always)]
        fn load(s: &[f32]) -> Self {
            let s = &s[..16];
            // SAFETY: `s` holds 16 floats; unaligned loads are allowed.
            Zmm(unsafe { _mm512_loadu_ps(s.as_ptr()) })
        }
        #[inline(always)]
        fn load_part(s: &[f32]) -> Self {
            let w = s.len().min(16);
            // SAFETY: only the first `w` lanes are read, all within `s`;
            // masked-off lanes are not accessed (and read as zero).
            Zmm(unsafe { _mm512_maskz_loadu_ps(((1u32 << w) - 1) as u16, s.as_ptr()) })
        }
        #[inline(always)]
        fn load_range(s: &[f32], from: usize, to: usize) -> Self {
            let to = to.min(16).min(s.len());
            let mask = ((1u32 << to) - (1u32 << from.min(to))) as u16;
            // SAFETY: only the lanes in `mask` are read, below `to`, within
            // `s`; the others are not accessed (and read as zero).
            Zmm(unsafe { _mm512_maskz_loadu_ps(mask, s.as_ptr()) })
        }
        #[inline(always)]
        fn mul_add(self, y: Self, acc: Self) -> Self {
            // SAFETY: a `Zmm` exists only where `Isa::detect` found AVX-512F.
            Zmm(unsafe { _mm512_fmadd_ps(self.0, y.0, acc.0) })
        }
        #[inline(always)]
        fn mul(self, y: Self) -> Self {
            // SAFETY: a `Zmm` exists only where `Isa::detect` found AVX-512F.
            Zmm(unsafe { _mm512_mul_ps(self.0, y.0) })
        }
        #[inline(always)]
        fn add(self, y: Self) -> Self {
            // SAFETY: a `Zmm` exists only where `Isa::detect` found AVX-512F.
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
            // SAFETY: a `Zmm` exists only where `Isa::detect` found AVX-512F.
            unsafe { _mm512_reduce_add_ps(self.0) }
        }
        /// All the sums at once, in one vector: pairs of vectors (padded to
        /// 16 with zeros) are folded together, halving the lanes per sum
        /// and the vectors at each step, two shuffles and an add per pair.
        #[inline(always)]
        fn reduce<const N: usize>(acc: &[Self; N], alpha: f32, out: &mut [f32], accumulate: bool) {
            let out = &mut out[..N];
            let mask = ((1u32 << N) - 1) as u16;
            // SAFETY: see the module's documentation; the masked load and
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
            let alpha = Self::splat(alpha);
            let mut r = [Self::zero(); 16];
            for (r, a) in r.iter_mut().zip(acc) {
                *r = a.mul(alpha);
            }
            let t = transpose(r);
            let mask = ((1u32 << N) - 1) as u16;
            for (t, o) in t.iter().zip(out[..rows.min(16) * N].chunks_exact_mut(N)) {
                // SAFETY: see the module's documentation; the masked load
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
    }

    /// Eight lanes of AVX2, multiply-adds fused.
    #[derive(Clone, Copy)]
    pub(crate) struct Ymm(__m256);

    impl Lanes for Ymm {
        const LEN: usize = 8;
        #[inline(always)]
        fn zero() -> Self {
            // SAFETY: see the module's documentation (for all methods).
            Ymm(unsafe { _mm256_setzero_ps() })
        }
        #[inline(always)]
        fn splat(x: f32) -> Self {
            // SAFETY: a `Ymm` exists only where `Isa::detect` found AVX2 and FMA.
            Ymm(unsafe { _mm256_set1_ps(x) })
        }
        #[inline(always)]
        fn load(s: &[f32]) -> Self {
            let s = &s[..8];
            // SAFETY: `s` holds 8 floats; unaligned loads are allowed.
            Ymm(unsafe { _mm256_loadu_ps(s.as_ptr()) })
        }
        #[inline(always)]
        fn load_part(s: &[f32]) -> Self {
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
        fn load_range(s: &[f32], from: usize, to: usize) -> Self {
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
        fn gather(s: &[f32], stride: usize, from: usize, to: usize) -> Self {
            let to = to.min(8);
            if from >= to {
                return Self::zero();
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
            // SAFETY: a `Ymm` exists only where `Isa::detect` found AVX2 and FMA.
            Ymm(unsafe { _mm256_fmadd_ps(self.0, y.0, acc.0) })
        }
        #[inline(always)]
        fn mul(self, y: Self) -> Self {
            // SAFETY: a `Ymm` exists only where `Isa::detect` found AVX2 and FMA.
            Ymm(unsafe { _mm256_mul_ps(self.0, y.0) })
        }
        #[inline(always)]
        fn add(self, y: Self) -> Self {
            // SAFETY: a `Ymm` exists only where `Isa::detect` found AVX2 and FMA.
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
        #[inline(always)]
        fn sum(self) -> f32 {
            // SAFETY: a `Ymm` exists only where `Isa::detect` found AVX2 and FMA.
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
        // SAFETY: see the module's documentation.
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
            let mut w = [Zmm::zero(); 16];
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
