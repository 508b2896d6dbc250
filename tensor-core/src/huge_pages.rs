//! Large tensors on the operating system's huge pages: [`filled`].
//!
//! A product reads a row-major weight matrix a few rows at a time, rows
//! `4 n` bytes apart: for the 2048 x 2048 layer of the widest benchmark
//! net (16 MiB) every row is on another 4 KiB page, more pages than the
//! CPU's address cache (TLB) holds. On 2 MiB pages the whole matrix takes
//! eight. So on Linux a buffer of [`MIN_BYTES`] or more made by
//! `Tensor::full_with` (`zeros`, `ones`, `full`: a layer's weights, its
//! gradients, an optimizer's state) is advised onto transparent huge pages
//! (`madvise(MADV_HUGEPAGE)`, its whole aligned 2 MiB blocks). The kernel
//! picks a page at its first write: a large zero buffer comes from the
//! allocator untouched, so its pages are huge from the start; one filled
//! with another value (or reused memory) was written before the advice,
//! and only the kernel's later merging (`khugepaged`) makes its pages huge.
//! Measured on the 784-2048-2048-10 net (`mlp_bench --net 2x2048 --epochs
//! 1`, 2 threads): see the README's "Huge pages for large layers". Smaller
//! buffers, other systems, and kernels with transparent huge pages off are
//! left as they were; the advice never changes a value.

/// The huge page size advised for: only whole, aligned blocks of it can be
/// backed by one, and every base page size divides it.
const HUGE: usize = 2 << 20;

/// Buffers at least this large are advised onto huge pages: two huge
/// pages' worth, so that at least one whole aligned block lies inside.
const MIN_BYTES: usize = 2 * HUGE;

/// `n` copies of `value`, as `vec![value; n]`; a buffer of [`MIN_BYTES`]
/// or more is then advised onto huge pages.
pub(crate) fn filled<E: Clone>(n: usize, value: E) -> Vec<E> {
    let mut v = vec![value; n];
    if core::mem::size_of_val(v.as_slice()) >= MIN_BYTES {
        advise(&mut v);
    }
    v
}

/// Advises the whole aligned 2 MiB blocks inside `buf` onto transparent
/// huge pages.
#[cfg(target_os = "linux")]
fn advise<T>(buf: &mut [T]) {
    let start = buf.as_mut_ptr() as usize;
    // A slice never wraps the address space, so `end` does not overflow;
    // rounding `start` up might, at its very top: then there is no block.
    let end = start + core::mem::size_of_val(buf);
    let Some(lo) = start.checked_next_multiple_of(HUGE) else {
        return;
    };
    let hi = end / HUGE * HUGE;
    if hi > lo {
        let at = buf.as_mut_ptr().cast::<libc::c_void>().with_addr(lo);
        // SAFETY: `madvise` with `MADV_HUGEPAGE` reads and writes no
        // memory; it only tells the kernel how to back the pages of
        // `lo..hi`, whole 2 MiB blocks (so whole pages of any base size)
        // inside `buf`, which this function borrows exclusively. It fails
        // (EINVAL) only on a kernel without transparent huge pages, and
        // then nothing changes, so its result is ignored.
        unsafe {
            libc::madvise(at, hi - lo, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise<T>(_: &mut [T]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_equals_vec_on_both_sides_of_the_threshold() {
        for n in [0, 1, MIN_BYTES / 4 - 1, MIN_BYTES / 4, MIN_BYTES / 4 + 3] {
            let v = filled(n, 1.5f32);
            assert_eq!(v.len(), n);
            assert!(v.iter().all(|&x| x == 1.5));
        }
        let big = filled(MIN_BYTES, 7u8);
        assert_eq!((big.len(), big[0], big[MIN_BYTES - 1]), (MIN_BYTES, 7, 7));
        assert_eq!(filled(3, ()).len(), 3);
        // Sizes whose bytes overflow panic ("capacity overflow") before any
        // advice, as `vec!` does.
        assert!(std::panic::catch_unwind(|| filled(usize::MAX, 0u64)).is_err());
    }

    /// On Linux, a large buffer's pages are advised for huge pages: the
    /// kernel records the advice as the `hg` flag of the buffer's mapping,
    /// read back from this process's memory map. (Whether the pages then
    /// are huge depends on the system's free memory: printed, not checked.)
    /// Skipped, and says so, on a kernel without transparent huge pages.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_large_buffer_is_advised_onto_huge_pages() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            eprintln!("SKIPPED: this kernel has no transparent huge pages");
            return;
        }
        let mut v = filled((16 << 20) / 4, 0.0f32);
        // Zeros come untouched from the allocator: the first writes (a
        // layer's initial weights, say) are where the kernel picks pages.
        v.fill(1.0);
        // The middle: `madvise` splits the mapping at the advised blocks,
        // and the buffer's first bytes lie before the first one.
        let at = v[v.len() / 2..].as_ptr() as usize;
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        // The mapping that holds the buffer: its flags and huge pages.
        let (mut flags, mut huge_kb) = (None, None);
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((lo, hi)) = range.split_once('-') {
                    if let (Ok(lo), Ok(hi)) =
                        (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
                    {
                        inside = lo <= at && at < hi;
                        continue;
                    }
                }
            }
            if inside {
                if let Some(f) = line.strip_prefix("VmFlags:") {
                    flags = Some(f.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
                }
                if let Some(kb) = line.strip_prefix("AnonHugePages:") {
                    huge_kb = kb.trim().trim_end_matches(" kB").parse::<usize>().ok();
                }
            }
        }
        let flags = flags.expect("the buffer's mapping is in smaps, with its flags");
        assert!(flags.iter().any(|f| f == "hg"), "not advised: {flags:?}");
        eprintln!("a 16 MiB buffer: {huge_kb:?} kB on huge pages");
        assert!(v.iter().all(|&x| x == 1.0));
    }
}
