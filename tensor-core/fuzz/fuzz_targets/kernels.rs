//! Fuzzes the front door of the matrix products, `kernels::matmul`, on
//! random sizes, strides, layouts, instruction sets (AVX-512, AVX2 + FMA,
//! plain code, forced per input) and values (NaN, infinities, subnormals,
//! signed zeros among ordinary numbers) against a plain f64 reference.
//! Views that do not fit their buffers must be refused when made; products
//! that fit must give the reference's result within a rounding bound, and
//! NaN or an infinity exactly where the reference has one. Dense, skinny
//! and sparse-tile routes are all reached.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shaped_core::kernels::{
    force_isa, matmul, Accum, IsaKind, MatMut, MatRef, Parallelism, Route, Scratch,
    SparseLhs, SparsePolicy,
};

mod agree;
mod bytes;
use agree::agree;
use bytes::Bytes;

/// A size: mostly small, sometimes past the kernels' thresholds
/// (skinny loops up to 16, parallel split, sparse blocks of 64).
fn size(b: &mut Bytes) -> usize {
    match b.u8() % 8 {
        0..=4 => (b.u8() % 20) as usize,
        5 | 6 => (b.u8() % 80) as usize,
        _ => b.u16() as usize % 300,
    }
}

/// A strided view of a `rows x cols` matrix: row-major, transposed, padded,
/// broadcast (stride 0) or deliberately too short or too far.
#[derive(Debug)]
struct Layout {
    rs: usize,
    cs: usize,
    len: usize,
}

fn layout(b: &mut Bytes, rows: usize, cols: usize) -> Layout {
    let pad = (b.u8() % 4) as usize;
    let (rs, cs) = match b.u8() % 10 {
        0..=3 => (cols + pad, 1),
        4..=6 => (1, rows + pad),
        7 => (0, 1),
        8 => (cols, 0),
        // A stride that overflows.
        _ => (usize::MAX / 2 + 1 + pad, 1),
    };
    let need = if rows == 0 || cols == 0 {
        0
    } else {
        (rows - 1)
            .checked_mul(rs)
            .and_then(|r| r.checked_add((cols - 1) * cs))
            .map_or(usize::MAX, |last| last + 1)
    };
    // Sometimes one element short (must be refused).
    let short = b.u8() % 16 == 0;
    // A view that needs more than a few million elements (a stride past
    // the buffer's end) gets 16: it must be refused.
    let len = if need > 1 << 22 {
        16
    } else if short {
        need.saturating_sub(1)
    } else {
        need
    };
    Layout { rs, cs, len }
}

fn fits(l: &Layout, rows: usize, cols: usize) -> bool {
    if rows == 0 || cols == 0 {
        return true;
    }
    l.rs <= isize::MAX as usize
        && l.cs <= isize::MAX as usize
        && (rows - 1)
            .checked_mul(l.rs)
            .and_then(|r| r.checked_add((cols - 1).checked_mul(l.cs)?))
            .is_some_and(|last| last < l.len)
}

/// `c = alpha a b (+ c)` through `matmul`, checked against f64.
fn check_dense(b: &mut Bytes, par: Parallelism, scratch: &mut Scratch) {
    let (m, k, n) = (size(b), size(b), size(b));
    let la = layout(b, m, k);
    let lb = layout(b, k, n);
    let a: Vec<f32> = (0..la.len).map(|_| b.value(true)).collect();
    let w: Vec<f32> = (0..lb.len).map(|_| b.value(true)).collect();
    let alpha = [1.0f32, 0.5, -2.0][(b.u8() % 3) as usize];
    let accum = if b.u8() % 2 == 0 {
        Accum::Replace
    } else {
        Accum::Add
    };
    let c_len = (m * n).saturating_sub((b.u8() % 16 == 0) as usize);
    let c0: Vec<f32> = (0..c_len).map(|_| b.value(true)).collect();
    let mut c = c0.clone();
    let av = MatRef::new(&a, m, k, la.rs, la.cs);
    let bv = MatRef::new(&w, k, n, lb.rs, lb.cs);
    assert_eq!(av.is_ok(), fits(&la, m, k), "a {m}x{k} view: {la:?}");
    assert_eq!(bv.is_ok(), fits(&lb, k, n), "b {k}x{n} view: {lb:?}");
    let dst = MatMut::row_major(&mut c, m, n);
    assert_eq!(dst.is_ok(), c_len >= m * n);
    let (Ok(av), Ok(bv), Ok(dst)) = (av, bv, dst) else {
        return;
    };
    let route = matmul(dst, accum, av, bv, alpha, par, scratch).expect("sizes agree");
    let small = m == 0 || n == 0 || k == 0;
    assert!(
        small || route == Route::Skinny || route == Route::Dense,
        "{route:?}"
    );
    for i in 0..m {
        for j in 0..n {
            let (mut s, mut mag) = (0.0f64, 0.0f64);
            for p in 0..k {
                let x = a[i * la.rs + p * la.cs] as f64 * w[p * lb.rs + j * lb.cs] as f64;
                s += x;
                mag += x.abs();
            }
            let old = if accum == Accum::Add {
                c0[i * n + j] as f64
            } else {
                0.0
            };
            let want = alpha as f64 * s + old;
            let bound = (k as f64 + 2.0) * 1.2e-7 * (alpha.abs() as f64 * mag + old.abs()) + 1e-35;
            agree(
                c[i * n + j],
                want,
                bound,
                &format!("{m}x{k}x{n} {route:?} at ({i}, {j})"),
            );
        }
    }
}

/// The sparse tiles on a mostly-zero `x` with NaN and infinities, and
/// finite `w`, `d` (a zero of `x` is skipped, not multiplied: `0 inf` does
/// not count, as it would in a dense product).
fn check_sparse(b: &mut Bytes, par: Parallelism, scratch: &mut Scratch) {
    let (rows, cols, n) = (size(b), size(b), size(b));
    let x: Vec<f32> = (0..rows * cols).map(|_| b.value(true)).collect();
    let w: Vec<f32> = (0..cols * n).map(|_| b.value(false)).collect();
    let d: Vec<f32> = (0..rows * n).map(|_| b.value(false)).collect();
    let xv = MatRef::row_major(&x, rows, cols).unwrap();
    let mut lhs = SparseLhs::default();
    let tiles = lhs.prepare(xv, n, SparsePolicy::Always, par);
    assert_eq!(tiles, rows > 0 && cols > 0 && n > 0);
    if !tiles {
        return;
    }
    assert_eq!(lhs.nnz(), x.iter().filter(|v| **v != 0.0).count());
    let mut out = vec![1.0f32; rows * n];
    let wv = MatRef::row_major(&w, cols, n).unwrap();
    let dst = MatMut::row_major(&mut out, rows, n).unwrap();
    let route = matmul(dst, Accum::Add, lhs.of(xv), wv, 1.0, par, scratch).unwrap();
    assert_eq!(route, Route::Sparse);
    for i in 0..rows {
        for j in 0..n {
            let (mut acc, mut mag) = (1.0f64, 1.0f64);
            for p in 0..cols {
                let v = x[i * cols + p];
                if v != 0.0 {
                    let t = v as f64 * w[p * n + j] as f64;
                    acc += t;
                    mag += t.abs();
                }
            }
            let bound = (cols as f64 + 2.0) * 1.2e-7 * mag + 1e-35;
            agree(
                out[i * n + j],
                acc,
                bound,
                &format!("sparse x w {rows}x{cols}x{n}"),
            );
        }
    }
    let mut out = vec![f32::NAN; cols * n];
    let dv = MatRef::row_major(&d, rows, n).unwrap();
    let dst = MatMut::row_major(&mut out, cols, n).unwrap();
    let route = matmul(dst, Accum::Replace, lhs.of(xv.t()), dv, 1.0, par, scratch).unwrap();
    assert_eq!(route, Route::Sparse);
    for p in 0..cols {
        for j in 0..n {
            let (mut acc, mut mag) = (0.0f64, 0.0f64);
            for i in 0..rows {
                let v = x[i * cols + p];
                if v != 0.0 {
                    let t = v as f64 * d[i * n + j] as f64;
                    acc += t;
                    mag += t.abs();
                }
            }
            let bound = (rows as f64 + 2.0) * 1.2e-7 * mag + 1e-35;
            agree(
                out[p * n + j],
                acc,
                bound,
                &format!("sparse x^T d {rows}x{cols}x{n}"),
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let op = b.u8();
    // The instruction set: forced on this thread, so the product runs here
    // alone (the kernel threads would detect on their own).
    let kind = [IsaKind::Avx512, IsaKind::Avx2, IsaKind::Portable][(op / 2 % 3) as usize];
    let par = if force_isa(Some(kind)) {
        Parallelism::None
    } else {
        force_isa(None);
        Parallelism::Rayon
    };
    let mut scratch = Scratch::default();
    match op % 2 {
        0 => check_dense(&mut b, par, &mut scratch),
        _ => check_sparse(&mut b, par, &mut scratch),
    }
});
