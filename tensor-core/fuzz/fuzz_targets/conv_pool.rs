//! Fuzzes the convolution and pooling kernels (`kernels::conv`,
//! `kernels::pool`) on random geometries (sizes, strides, `valid` and
//! `same` padding, overlapping pooling windows), batch sizes, instruction
//! sets (forced per input) and values (NaN, infinities, subnormals, signed
//! zeros in the inputs) against plain loops in f64. A geometry that is
//! zero somewhere, whose kernel does not fit, or whose sizes overflow, and
//! buffers of the wrong length, must be refused with an error and nothing
//! written; everything else must give the loops' results within a rounding
//! bound, and NaN or an infinity exactly where the loops have one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shaped_core::kernels::conv::{
    conv2d_backward, conv2d_forward, Conv2dGeometry, ConvScratch, Padding,
};
use shaped_core::kernels::pool::{
    avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward,
    Pool2dGeometry,
};
use shaped_core::kernels::{force_isa, IsaKind, Parallelism};

mod agree;
mod bytes;
use agree::agree;
use bytes::Bytes;

/// A size: small mostly, sometimes zero, sometimes large enough that the
/// products overflow (those geometries must be refused).
fn dim(b: &mut Bytes, max: usize) -> usize {
    match b.u8() % 32 {
        0 => 0,
        1 => usize::MAX / (1 + b.below(4)),
        2 => 1 << (20 + b.below(20)),
        _ => 1 + b.below(max),
    }
}

/// Whether the buffers of `len` floats can be made here (a geometry whose
/// sizes are huge gets short buffers: it must be refused).
fn small(len: Option<usize>) -> Option<usize> {
    len.filter(|&l| l <= 1 << 16)
}

/// `len`, or one less or more now and then (must be refused).
fn maybe_wrong(b: &mut Bytes, len: usize) -> (usize, bool) {
    match b.u8() % 24 {
        0 if len > 0 => (len - 1, true),
        1 => (len + 1, true),
        _ => (len, false),
    }
}

/// The input pixel a tap reads, or `None` in the padding.
fn tap(g: &Conv2dGeometry, oy: usize, ox: usize, ky: usize, kx: usize) -> Option<(usize, usize)> {
    let y = (oy * g.stride_h + ky).checked_sub(g.pad_top())?;
    let x = (ox * g.stride_w + kx).checked_sub(g.pad_left())?;
    (y < g.in_h && x < g.in_w).then_some((y, x))
}

fn check_conv(b: &mut Bytes, par: Parallelism) {
    let g = Conv2dGeometry {
        in_h: dim(b, 12),
        in_w: dim(b, 12),
        in_c: dim(b, 4),
        kernel_h: dim(b, 5),
        kernel_w: dim(b, 5),
        filters: dim(b, 6),
        stride_h: dim(b, 3),
        stride_w: dim(b, 3),
        padding: if b.u8() % 2 == 0 {
            Padding::Valid
        } else {
            Padding::Same
        },
    };
    let n = b.below(4);
    let ok = g.check().is_ok();
    let (oh, ow) = (g.out_h(), g.out_w());
    let m = |a: usize, c: usize| a.checked_mul(c);
    let sizes = (|| {
        let x = small(m(m(m(n, g.in_h)?, g.in_w)?, g.in_c))?;
        let w = small(m(m(m(g.kernel_h, g.kernel_w)?, g.in_c)?, g.filters))?;
        let o = small(m(m(m(n, oh)?, ow)?, g.filters))?;
        Some((x, w, o))
    })();
    let mut scratch = ConvScratch::default();
    let Some((x_len, w_len, o_len)) = sizes.filter(|_| ok) else {
        // Refused, whatever the buffers.
        let x = vec![0.0f32; 4];
        let mut out = vec![7.0f32; 4];
        let r = conv2d_forward(&g, n, &x, &x, &x[..1], &mut out, par, &mut scratch);
        assert!(r.is_err(), "{g:?} x{n}: accepted");
        assert_eq!(out, [7.0; 4], "{g:?} x{n}: written before refusing");
        return;
    };
    let x: Vec<f32> = (0..x_len).map(|_| b.value(true)).collect();
    let w: Vec<f32> = (0..w_len).map(|_| b.value(false)).collect();
    let bias: Vec<f32> = (0..g.filters).map(|_| b.value(false)).collect();
    let dy: Vec<f32> = (0..o_len).map(|_| b.value(false)).collect();
    let (out_len, wrong) = maybe_wrong(b, o_len);
    let mut out = vec![f32::NAN; out_len];
    let r = conv2d_forward(&g, n, &x, &w, &bias, &mut out, par, &mut scratch);
    if wrong {
        assert!(r.is_err(), "{g:?}: out of {out_len} for {o_len} accepted");
        assert!(out.iter().all(|v| v.is_nan()), "written before refusing");
        return;
    }
    r.unwrap_or_else(|e| panic!("{g:?} x{n}: {e}"));
    let (c, f) = (g.in_c, g.filters);
    let xi = |s: usize, y: usize, xx: usize, ch: usize| ((s * g.in_h + y) * g.in_w + xx) * c + ch;
    let wi =
        |ky: usize, kx: usize, ch: usize, fi: usize| ((ky * g.kernel_w + kx) * c + ch) * f + fi;
    let oi = |s: usize, oy: usize, ox: usize, fi: usize| ((s * oh + oy) * ow + ox) * f + fi;
    let k = g.kernel_h * g.kernel_w * c;
    let mut dw = vec![(0.0f64, 0.0f64); w_len];
    let mut dx = vec![(0.0f64, 0.0f64); x_len];
    for s in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for fi in 0..f {
                    let (mut acc, mut mag) = (bias[fi] as f64, (bias[fi] as f64).abs());
                    let d = dy[oi(s, oy, ox, fi)] as f64;
                    for ky in 0..g.kernel_h {
                        for kx in 0..g.kernel_w {
                            let Some((y, xx)) = tap(&g, oy, ox, ky, kx) else {
                                continue;
                            };
                            for ch in 0..c {
                                let (xv, wv) =
                                    (x[xi(s, y, xx, ch)] as f64, w[wi(ky, kx, ch, fi)] as f64);
                                acc += xv * wv;
                                mag += (xv * wv).abs();
                                let e = &mut dw[wi(ky, kx, ch, fi)];
                                e.0 += xv * d;
                                e.1 += (xv * d).abs();
                                let e = &mut dx[xi(s, y, xx, ch)];
                                e.0 += wv * d;
                                e.1 += (wv * d).abs();
                            }
                        }
                    }
                    let bound = (k as f64 + 3.0) * 1.2e-7 * mag + 1e-35;
                    let at = oi(s, oy, ox, fi);
                    agree(out[at], acc, bound, &format!("{g:?} x{n}: forward at {at}"));
                }
            }
        }
    }
    // Backward: every output replaced (the buffers start as NaN).
    let (gw_len, wrong) = maybe_wrong(b, w_len);
    let mut gw = vec![f32::NAN; gw_len];
    let mut gb = vec![f32::NAN; f];
    let mut gx = vec![f32::NAN; x_len];
    let with_dx = b.u8() % 4 != 0;
    let r = conv2d_backward(
        &g,
        n,
        &x,
        &w,
        &dy,
        &mut gw,
        &mut gb,
        with_dx.then_some(&mut gx[..]),
        par,
        &mut scratch,
    );
    if wrong {
        assert!(
            r.is_err(),
            "{g:?}: grad_kernel of {gw_len} for {w_len} accepted"
        );
        assert!(
            gw.iter().chain(&gb).chain(&gx).all(|v| v.is_nan()),
            "written before refusing"
        );
        return;
    }
    r.unwrap_or_else(|e| panic!("{g:?} x{n} backward: {e}"));
    let terms = (n * oh * ow) as f64 + 3.0;
    for (i, &(want, mag)) in dw.iter().enumerate() {
        agree(
            gw[i],
            want,
            terms * 1.2e-7 * mag + 1e-35,
            &format!("{g:?} x{n}: dkernel {i}"),
        );
    }
    for fi in 0..f {
        let (mut want, mut mag) = (0.0f64, 0.0f64);
        for s in 0..n * oh * ow {
            want += dy[s * f + fi] as f64;
            mag += (dy[s * f + fi] as f64).abs();
        }
        agree(
            gb[fi],
            want,
            terms * 1.2e-7 * mag + 1e-35,
            &format!("{g:?} x{n}: dbias {fi}"),
        );
    }
    if with_dx {
        let taps = (g.kernel_h * g.kernel_w * f) as f64 + 3.0;
        for (i, &(want, mag)) in dx.iter().enumerate() {
            agree(
                gx[i],
                want,
                taps * 1.2e-7 * mag + 1e-35,
                &format!("{g:?} x{n}: dx {i}"),
            );
        }
    } else {
        assert!(
            gx.iter().all(|v| v.is_nan()),
            "dx written though not asked for"
        );
    }
}

fn check_pool(b: &mut Bytes) {
    let g = Pool2dGeometry {
        in_h: dim(b, 12),
        in_w: dim(b, 12),
        channels: dim(b, 4),
        pool_h: dim(b, 4),
        pool_w: dim(b, 4),
        stride_h: dim(b, 4),
        stride_w: dim(b, 4),
    };
    let n = b.below(4);
    let ok = g.check().is_ok();
    let (oh, ow, c) = (g.out_h(), g.out_w(), g.channels);
    let m = |a: usize, c: usize| a.checked_mul(c);
    let sizes = (|| {
        // A sample too large for a u32 argmax is refused too.
        small(m(m(g.in_h, g.in_w)?, c))?;
        let x = small(m(m(m(n, g.in_h)?, g.in_w)?, c))?;
        let o = small(m(m(m(n, oh)?, ow)?, c))?;
        Some((x, o))
    })();
    let Some((x_len, o_len)) = sizes.filter(|_| ok) else {
        let x = vec![0.0f32; 4];
        let (mut out, mut arg) = (vec![7.0f32; 4], vec![7u32; 4]);
        let r = max_pool2d_forward(&g, n, &x, &mut out, &mut arg);
        assert!(r.is_err(), "{g:?} x{n}: accepted");
        let r = avg_pool2d_forward(&g, n, &x, &mut out);
        assert!(r.is_err(), "{g:?} x{n}: accepted");
        assert!(
            out == [7.0; 4] && arg == [7; 4],
            "{g:?} x{n}: written before refusing"
        );
        return;
    };
    let x: Vec<f32> = (0..x_len).map(|_| b.value(true)).collect();
    let dy: Vec<f32> = (0..o_len).map(|_| b.value(false)).collect();
    let (out_len, wrong) = maybe_wrong(b, o_len);
    let (mut out, mut arg) = (vec![f32::NAN; out_len], vec![u32::MAX; out_len]);
    let r = max_pool2d_forward(&g, n, &x, &mut out, &mut arg);
    if wrong {
        assert!(
            r.is_err() && out.iter().all(|v| v.is_nan()),
            "{g:?}: wrong out accepted"
        );
        return;
    }
    r.unwrap_or_else(|e| panic!("{g:?} x{n}: {e}"));
    let sample = g.in_h * g.in_w * c;
    let xi = |s: usize, y: usize, xx: usize, ch: usize| ((s * g.in_h + y) * g.in_w + xx) * c + ch;
    // The gradients' sums and the sums of their terms' magnitudes.
    let mut want_dx = vec![(0.0f64, 0.0f64); x_len];
    let mut want_avg_dx = vec![(0.0f64, 0.0f64); x_len];
    let area = (g.pool_h * g.pool_w) as f64;
    let mut avg = vec![0.0f32; o_len];
    avg_pool2d_forward(&g, n, &x, &mut avg).unwrap();
    for s in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for ch in 0..c {
                    let at = ((s * oh + oy) * ow + ox) * c + ch;
                    // The first NaN, else the first maximum.
                    let mut best: Option<(f32, usize)> = None;
                    let (mut sum, mut mag) = (0.0f64, 0.0f64);
                    for py in 0..g.pool_h {
                        for px in 0..g.pool_w {
                            let i = xi(s, oy * g.stride_h + py, ox * g.stride_w + px, ch);
                            let v = x[i];
                            best = match best {
                                Some((bv, _)) if bv.is_nan() => best,
                                Some((bv, _)) if !v.is_nan() && v <= bv => best,
                                _ => Some((v, i)),
                            };
                            sum += v as f64;
                            mag += (v as f64).abs();
                            let e = &mut want_avg_dx[i];
                            e.0 += dy[at] as f64 / area;
                            e.1 += (dy[at] as f64 / area).abs();
                        }
                    }
                    let (bv, bi) = best.expect("a window is never empty");
                    let what = format!("{g:?} x{n}: max at {at}");
                    assert!(
                        bv.to_bits() == out[at].to_bits() || (bv.is_nan() && out[at].is_nan()),
                        "{what}: {} vs {bv}",
                        out[at]
                    );
                    assert_eq!(arg[at] as usize, bi - s * sample, "{what}: argmax");
                    want_dx[bi].0 += dy[at] as f64;
                    want_dx[bi].1 += (dy[at] as f64).abs();
                    let bound = (area + 2.0) * 1.2e-7 * mag / area + 1e-35;
                    agree(
                        avg[at],
                        sum / area,
                        bound,
                        &format!("{g:?} x{n}: avg at {at}"),
                    );
                }
            }
        }
    }
    let mut gx = vec![f32::NAN; x_len];
    max_pool2d_backward(&g, n, &dy, &arg, &mut gx).unwrap();
    let overlap = (g.pool_h.div_ceil(g.stride_h) * g.pool_w.div_ceil(g.stride_w)) as f64 + 2.0;
    for (i, &(want, mag)) in want_dx.iter().enumerate() {
        agree(
            gx[i],
            want,
            overlap * 1.2e-7 * mag + 1e-35,
            &format!("{g:?} x{n}: max dx {i}"),
        );
    }
    avg_pool2d_backward(&g, n, &dy, &mut gx).unwrap();
    for (i, &(want, mag)) in want_avg_dx.iter().enumerate() {
        agree(
            gx[i],
            want,
            overlap * 1.2e-7 * mag + 1e-35,
            &format!("{g:?} x{n}: avg dx {i}"),
        );
    }
    // An argmax that points outside its sample is refused, nothing written.
    if let Some(a) = arg.first_mut() {
        *a = sample as u32;
        let mut gx = vec![f32::NAN; x_len];
        assert!(max_pool2d_backward(&g, n, &dy, &arg, &mut gx).is_err());
        assert!(gx.iter().all(|v| v.is_nan()), "written before refusing");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let op = b.u8();
    // The instruction set: forced on this thread, so the kernels run here
    // alone (the kernel threads would detect on their own).
    let kind = [IsaKind::Avx512, IsaKind::Avx2, IsaKind::Portable][(op / 2 % 3) as usize];
    let par = if force_isa(Some(kind)) {
        Parallelism::None
    } else {
        force_isa(None);
        Parallelism::Rayon
    };
    match op % 2 {
        0 => check_conv(&mut b, par),
        _ => check_pool(&mut b),
    }
});
