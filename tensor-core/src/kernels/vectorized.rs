//! `vectorized!`: a function compiled three times, for AVX-512, for AVX2
//! with FMA and as plain code, one picked at each call by the kernels'
//! feature detection (the `simd` module's tokens), so that a portable build
//! still runs its loops with the CPU's vectors. This is the only way code
//! outside the kernels (`shaped-nn`'s optimizer updates, the reductions)
//! reaches target features: it holds no `std::arch` of its own.

/// The instruction set a [`vectorized!`](crate::vectorized) function runs
/// with. Support for the macro, not an API of its own.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// AVX-512F and VL, with AVX2 and FMA.
    Avx512,
    /// AVX2 with FMA.
    Avx2,
    /// Plain code.
    Plain,
}

/// The level detection found: the best the CPU has (or the forced one, in
/// tests). [`Level::Avx512`] and [`Level::Avx2`] come only from a token
/// that detection minted, which is what makes the macro's calls sound.
/// Support for the macro, not an API of its own.
#[doc(hidden)]
#[inline]
pub fn level() -> Level {
    match super::simd::Isa::detect() {
        super::simd::Isa::Avx512(_) => Level::Avx512,
        super::simd::Isa::Avx2(_) => Level::Avx2,
        super::simd::Isa::Portable(_) => Level::Plain,
    }
}

/// Compiles a function for AVX-512, for AVX2 with FMA and as plain code,
/// and calls the best one the CPU has (detected once by the standard
/// library, then an atomic load per call). The body is written once, as
/// plain Rust whose loops the compiler vectorizes for each instruction set;
/// the generic parameters go in a first pair of brackets and their names,
/// as the call passes them, in a second (`[] []` for none).
///
/// ```
/// shaped_core::vectorized! {
///     /// `acc[i] += x[i] * y[i]`.
///     fn fma_into[][](acc: &mut [f32], x: &[f32], y: &[f32]) {
///         for ((a, &x), &y) in acc.iter_mut().zip(x).zip(y) {
///             *a += x * y;
///         }
///     }
/// }
/// shaped_core::vectorized! {
///     /// The sum of `x`, in `T`.
///     fn total[T: Copy + core::iter::Sum<T>][T](x: &[T]) -> T {
///         x.iter().copied().sum()
///     }
/// }
/// let mut acc = [1.0f32; 3];
/// fma_into(&mut acc, &[1.0, 2.0, 3.0], &[2.0, 2.0, 2.0]);
/// assert_eq!(acc, [3.0, 5.0, 7.0]);
/// assert_eq!(total(&[1u64, 2, 3]), 6);
/// ```
#[macro_export]
macro_rules! vectorized {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident [$($gen:tt)*] [$($targ:tt)*]
        ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)?
        $body:block
    ) => {
        $(#[$attr])*
        $vis fn $name<$($gen)*>($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
            fn avx512<$($gen)*>($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            fn avx2<$($gen)*>($($arg: $ty),*) $(-> $ret)? $body
            #[inline(always)]
            fn plain<$($gen)*>($($arg: $ty),*) $(-> $ret)? $body
            match $crate::kernels::vectorized::level() {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `level()` says AVX-512 only when detection found
                // AVX-512F, AVX-512VL, AVX2 and FMA on this CPU.
                $crate::kernels::vectorized::Level::Avx512 => unsafe {
                    avx512::<$($targ)*>($($arg),*)
                },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `level()` says AVX2 only when detection found
                // AVX2 and FMA on this CPU.
                $crate::kernels::vectorized::Level::Avx2 => unsafe {
                    avx2::<$($targ)*>($($arg),*)
                },
                _ => plain::<$($targ)*>($($arg),*),
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::super::simd::{all_isas, force};

    crate::vectorized! {
        fn dot[][](x: &[f32], y: &[f32]) -> f32 {
            let mut acc = [0.0f32; 16];
            let chunks = x.len() / 16;
            for c in 0..chunks {
                for k in 0..16 {
                    acc[k] += x[c * 16 + k] * y[c * 16 + k];
                }
            }
            acc.iter().sum()
        }
    }

    #[test]
    fn every_instruction_set_gives_the_same_result() {
        let x: Vec<f32> = (0..256).map(|i| (i as f32 * 0.37).sin()).collect();
        let y: Vec<f32> = (0..256).map(|i| (i as f32 * 0.11).cos()).collect();
        assert!(force(Some(super::super::simd::IsaKind::Portable)));
        let plain = dot(&x, &y);
        for isa in all_isas() {
            assert!(force(Some(isa.kind())));
            assert_eq!(
                super::level(),
                match isa.kind() {
                    super::super::simd::IsaKind::Avx512 => super::Level::Avx512,
                    super::super::simd::IsaKind::Avx2 => super::Level::Avx2,
                    super::super::simd::IsaKind::Portable => super::Level::Plain,
                }
            );
            // The same additions in the same order: the same bits.
            assert_eq!(dot(&x, &y).to_bits(), plain.to_bits(), "{isa:?}");
        }
        force(None);
    }
}
