//! Large tensors on the operating system's huge pages: [`filled`].
//!
//! A product reads a row-major weight matrix a few rows at a time, rows
//! `4 n` bytes apart: for the 2048 x 2048 layer of the widest benchmark
//! net (16 MiB) every row is on another 4 KiB page, more pages than the
//! CPU's address cache (TLB) holds. On 2 MiB pages the whole matrix takes
//! eight. So on Linux a buffer of [`MIN_BYTES`] or more is marked for
//! transparent huge pages (`madvise(MADV_HUGEPAGE)`) before it is first
//! written, which is when the kernel picks the pages. Measured on the
//! 784-2048-2048-10 net (`mlp_bench --net 2x2048 --epochs 1`, 2 threads):
//! see the README's "Huge pages for large layers". Smaller buffers, other
//! systems, and kernels with transparent huge pages off (`never`) are left
//! as they were; the advice never changes a value.

use core::mem::MaybeUninit;

/// Buffers at least this large are advised onto huge pages: two 2 MiB
/// pages, so that at least one whole aligned huge page lies inside.
pub(crate) const MIN_BYTES: usize = 4 << 20;

/// `n` copies of `value`, like `vec![value; n]`; a buffer of
/// [`MIN_BYTES`] or more is advised onto huge pages first.
pub(crate) fn filled<E: Clone>(n: usize, value: E) -> Vec<E> {
    if n.saturating_mul(core::mem::size_of::<E>()) < MIN_BYTES {
        return vec![value; n];
    }
    let mut v = Vec::with_capacity(n);
    advise(v.spare_capacity_mut());
    v.resize(n, value);
    v
}

/// Marks the whole 4 KiB pages inside `buf` for transparent huge pages.
#[cfg(target_os = "linux")]
fn advise<T>(buf: &mut [MaybeUninit<T>]) {
    const PAGE: usize = 4096;
    let start = buf.as_mut_ptr() as usize;
    let end = start + core::mem::size_of_val(buf);
    let (lo, hi) = (start.next_multiple_of(PAGE), end / PAGE * PAGE);
    if hi > lo {
        // SAFETY: `madvise` with `MADV_HUGEPAGE` reads and writes no
        // memory; it only tells the kernel how to back the pages of
        // `lo..hi`, which lie inside `buf`, an allocation this function
        // borrows exclusively. A failure (transparent huge pages off, or
        // another page size, so `lo` is not aligned) leaves the pages as
        // they were, so its result is ignored.
        unsafe {
            libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise<T>(_: &mut [MaybeUninit<T>]) {}

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
        // Sizes whose bytes overflow are not advised (and `vec!` refuses them).
        assert!(std::panic::catch_unwind(|| filled(usize::MAX, 0u64)).is_err());
    }

    /// On Linux, a large buffer's pages are advised for huge pages: the
    /// kernel records the advice as the `hg` flag of the buffer's mapping,
    /// read back from this process's memory map. (Whether the pages then
    /// are huge depends on the system's free memory: printed, not checked.)
    #[cfg(target_os = "linux")]
    #[test]
    fn a_large_buffer_is_advised_onto_huge_pages() {
        let v = filled(16 << 18, 1.0f32); // 16 MiB
                                          // The middle: `madvise` splits the mapping at the advised pages,
                                          // and the buffer's first bytes share a page with malloc's header.
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
