//! A hint to the cache: [`prefetch`], for loops that know which memory they
//! will read next (the training loop's batch gather).

/// Asks the CPU to bring every cache line of `data` into the cache. Only a
/// hint: it changes nothing else, never faults, and does nothing off
/// x86-64.
///
/// ```
/// let sample = vec![0u8; 784];
/// shaped_core::kernels::prefetch(&sample);
/// shaped_core::kernels::prefetch::<f32>(&[]);
/// ```
#[inline(always)]
pub fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    for at in (0..core::mem::size_of_val(data)).step_by(64) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let line = data.as_ptr().cast::<i8>().wrapping_add(at);
        // SAFETY: a prefetch only hints the cache and never faults, even for
        // a bad address; this one points into `data`. SSE is part of
        // x86-64's baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(line) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}
