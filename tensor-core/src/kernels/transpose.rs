//! A strided `f32` matrix copied into a row-major buffer: what the sparse
//! tiles need of a right operand that is not row-major (the `W^T` of a
//! layer's `g W^T`, a transposed view of a row-major `W`), one block of its
//! columns at a time, or whole past the blocks' size.
//!
//! Where the matrix's columns are contiguous (`rs == 1`), squares of one
//! vector's width of columns by as many rows are loaded as vectors (a
//! column's piece each), transposed in registers
//! ([`Lanes::transpose_square`]) and stored as the rows' pieces; rows
//! that are contiguous are copied whole, and any other layout a float at
//! a time. The square itself ([`square`]) is shared with the packed
//! kernel, which packs panels of row-major operands by it. The vector code
//! runs on the token detection mints ([`Isa::detect`]), compiled for its
//! instruction set by the `#[target_feature]` functions below.

use super::simd::{Isa, Lanes, Portable, MAX_LEN};
use super::view::MatRef;

/// `out[i cols + j] = a[i, j]` for the `rows x cols` matrix `a`.
///
/// Panics if `out` holds fewer than `rows x cols` floats.
pub(crate) fn to_row_major(a: MatRef<'_, f32>, out: &mut [f32]) {
    match Isa::detect() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the token proves the CPU has AVX-512F.
        Isa::Avx512(t) => unsafe { x86::avx512(t, a, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the token proves the CPU has AVX2 and FMA.
        Isa::Avx2(t) => unsafe { x86::avx2(t, a, out) },
        Isa::Portable(t) => copy::<Portable>(t, a, out),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! [`copy`](super::copy) compiled for AVX-512 and AVX2.
    use super::{copy, MatRef};
    use crate::kernels::simd::{Avx2Fma, Avx512, Ymm, Zmm};

    #[target_feature(enable = "avx512f")]
    pub(super) fn avx512(t: Avx512, a: MatRef<'_, f32>, out: &mut [f32]) {
        copy::<Zmm>(t, a, out)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn avx2(t: Avx2Fma, a: MatRef<'_, f32>, out: &mut [f32]) {
        copy::<Ymm>(t, a, out)
    }
}

/// [`to_row_major`] on the vectors `V`.
#[inline(always)]
fn copy<V: Lanes>(t: V::Token, a: MatRef<'_, f32>, out: &mut [f32]) {
    let (rows, cols) = (a.rows, a.cols);
    let len = rows
        .checked_mul(cols)
        .filter(|&len| len <= out.len())
        .unwrap_or_else(|| panic!("to_row_major: {rows} x {cols} into {} floats", out.len()));
    if len == 0 {
        return;
    }
    let out = &mut out[..len];
    if a.cs == 1 && a.rs != 1 {
        // Rows contiguous (padded, or the caller's row-major view).
        for (i, row) in out.chunks_exact_mut(cols).enumerate() {
            row.copy_from_slice(&a.data[i * a.rs..][..cols]);
        }
        return;
    }
    if a.rs != 1 {
        for (i, row) in out.chunks_exact_mut(cols).enumerate() {
            for (j, o) in row.iter_mut().enumerate() {
                *o = a.data[i * a.rs + j * a.cs];
            }
        }
        return;
    }
    for j0 in (0..cols).step_by(V::LEN) {
        let w = V::LEN.min(cols - j0);
        for i0 in (0..rows).step_by(V::LEN) {
            let h = V::LEN.min(rows - i0);
            // Columns j0.. (pieces of rows i0..) into rows i0.. of `out`.
            let from = Strided {
                at: j0 * a.cs + i0,
                ld: a.cs,
            };
            let to = Strided {
                at: i0 * cols + j0,
                ld: cols,
            };
            square::<V>(t, a.data, from, w, h, out, to, w);
        }
    }
}

/// Where a run of pieces lies in a buffer: piece `i` starts at `at + i ld`.
#[derive(Clone, Copy)]
pub(crate) struct Strided {
    pub(crate) at: usize,
    pub(crate) ld: usize,
}

/// One square of at most `LEN x LEN`, transposed in registers: `pieces`
/// runs of `len` floats of `src` (`from`) are loaded as vectors (the
/// others zeros), transposed ([`Lanes::transpose_square`]), and the first
/// `width` lanes of the first `len` vectors stored into `dst` (`to`):
/// lane `i` of stored piece `l` is float `l` of loaded piece `i`.
/// `pieces <= width <= LEN` and `len <= LEN`; nothing of `src` is read
/// past the pieces.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn square<V: Lanes>(
    t: V::Token,
    src: &[f32],
    from: Strided,
    pieces: usize,
    len: usize,
    dst: &mut [f32],
    to: Strided,
    width: usize,
) {
    let mut r = [V::zero(t); MAX_LEN];
    for (i, v) in r.iter_mut().enumerate().take(pieces) {
        let piece = &src[from.at + i * from.ld..][..len];
        *v = if len == V::LEN {
            V::load(t, piece)
        } else {
            V::load_part(t, piece)
        };
    }
    V::transpose_square(&mut r);
    for (l, v) in r.iter().enumerate().take(len) {
        let lanes = &mut dst[to.at + l * to.ld..][..width];
        if width == V::LEN {
            v.store(lanes);
        } else {
            v.store_part(lanes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::simd::all_isas;

    fn check(isa: Isa, rows: usize, cols: usize) {
        let src: Vec<f32> = (0..rows * cols + 3).map(|i| i as f32 * 0.5 - 7.0).collect();
        // The transposed view of a row-major `cols x rows` matrix (columns
        // contiguous), the same with its columns 3 floats apart beyond
        // their length, a row-major view with padded rows, and a view with
        // both strides past 1.
        let padded: Vec<f32> = (0..cols * (rows + 3)).map(|i| i as f32 * 0.25).collect();
        let views = [
            MatRef::row_major(&src, cols, rows).unwrap().t(),
            MatRef {
                data: &padded,
                rows,
                cols,
                rs: 1,
                cs: rows + 3,
            },
            MatRef {
                data: &padded,
                rows: cols,
                cols: rows,
                rs: rows + 3,
                cs: 1,
            },
            MatRef {
                data: &src,
                rows,
                cols: cols / 2,
                rs: cols,
                cs: 2,
            },
        ];
        for a in views {
            let mut got = vec![f32::NAN; a.rows * a.cols + 5];
            match isa {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the token proves the CPU has AVX-512F.
                Isa::Avx512(t) => unsafe { x86::avx512(t, a, &mut got) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the token proves the CPU has AVX2 and FMA.
                Isa::Avx2(t) => unsafe { x86::avx2(t, a, &mut got) },
                Isa::Portable(t) => copy::<Portable>(t, a, &mut got),
            }
            for i in 0..a.rows {
                for j in 0..a.cols {
                    let want = a.data[i * a.rs + j * a.cs];
                    assert_eq!(
                        got[i * a.cols + j],
                        want,
                        "{isa:?} {rows} x {cols} at ({i}, {j})"
                    );
                }
            }
            assert!(
                got[a.rows * a.cols..].iter().all(|x| x.is_nan()),
                "{isa:?}: wrote past the matrix"
            );
        }
    }

    #[test]
    fn every_isa_copies_every_edge_row_major() {
        for isa in all_isas() {
            for (rows, cols) in [
                (1, 1),
                (3, 5),
                (16, 16),
                (17, 33),
                (40, 8),
                (8, 70),
                (100, 37),
            ] {
                check(isa, rows, cols);
            }
        }
    }

    #[test]
    fn a_short_buffer_is_refused() {
        let src = [0.0f32; 6];
        let a = MatRef::row_major(&src, 2, 3).unwrap().t();
        let msg = crate::kernels::testing::panic_message(|| to_row_major(a, &mut [0.0; 5]));
        assert!(msg.contains("3 x 2 into 5 floats"), "{msg}");
    }
}
