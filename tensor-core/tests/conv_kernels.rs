//! The convolution and pooling kernels (`kernels::conv`, `kernels::pool`)
//! against plain loop references written here in `f64`, the references'
//! backwards against central finite differences (the one gradient
//! checker), and their size checks.

use rand::{rngs::StdRng, Rng, SeedableRng};
use shaped_core::autodiff::gradcheck::GradCheck;
use shaped_core::kernels::conv::{
    conv2d_backward, conv2d_forward, Conv2dGeometry, ConvError, ConvScratch, Padding,
};
use shaped_core::kernels::pool::{
    avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward,
    Pool2dGeometry,
};
use shaped_core::kernels::Parallelism;

fn values(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&v| v as f32).collect()
}

#[allow(clippy::too_many_arguments)]
fn geometry(
    (in_h, in_w, in_c): (usize, usize, usize),
    (kernel_h, kernel_w, filters): (usize, usize, usize),
    (stride_h, stride_w): (usize, usize),
    padding: Padding,
) -> Conv2dGeometry {
    Conv2dGeometry {
        in_h,
        in_w,
        in_c,
        kernel_h,
        kernel_w,
        filters,
        stride_h,
        stride_w,
        padding,
    }
}

/// The input element a tap reads, or `None` for a padded one.
fn tap(g: &Conv2dGeometry, oy: usize, ox: usize, ky: usize, kx: usize) -> Option<(usize, usize)> {
    let iy = (oy * g.stride_h + ky) as isize - g.pad_top() as isize;
    let ix = (ox * g.stride_w + kx) as isize - g.pad_left() as isize;
    (iy >= 0 && ix >= 0 && (iy as usize) < g.in_h && (ix as usize) < g.in_w)
        .then_some((iy as usize, ix as usize))
}

/// The plain convolution: seven nested loops.
fn reference_forward(g: &Conv2dGeometry, n: usize, x: &[f64], w: &[f64], b: &[f64]) -> Vec<f64> {
    let (oh, ow, c, f) = (g.out_h(), g.out_w(), g.in_c, g.filters);
    let mut out = vec![0.0; n * oh * ow * f];
    for s in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for fi in 0..f {
                    let mut acc = b[fi];
                    for ky in 0..g.kernel_h {
                        for kx in 0..g.kernel_w {
                            let Some((iy, ix)) = tap(g, oy, ox, ky, kx) else {
                                continue;
                            };
                            for ci in 0..c {
                                acc += x[((s * g.in_h + iy) * g.in_w + ix) * c + ci]
                                    * w[((ky * g.kernel_w + kx) * c + ci) * f + fi];
                            }
                        }
                    }
                    out[((s * oh + oy) * ow + ox) * f + fi] = acc;
                }
            }
        }
    }
    out
}

/// The plain backward: `(dW, db, dx)` for the output gradient `dy`.
fn reference_backward(
    g: &Conv2dGeometry,
    n: usize,
    x: &[f64],
    w: &[f64],
    dy: &[f64],
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (oh, ow, c, f) = (g.out_h(), g.out_w(), g.in_c, g.filters);
    let mut dw = vec![0.0; w.len()];
    let mut db = vec![0.0; f];
    let mut dx = vec![0.0; x.len()];
    for s in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for fi in 0..f {
                    let d = dy[((s * oh + oy) * ow + ox) * f + fi];
                    db[fi] += d;
                    for ky in 0..g.kernel_h {
                        for kx in 0..g.kernel_w {
                            let Some((iy, ix)) = tap(g, oy, ox, ky, kx) else {
                                continue;
                            };
                            for ci in 0..c {
                                let xi = ((s * g.in_h + iy) * g.in_w + ix) * c + ci;
                                let wi = ((ky * g.kernel_w + kx) * c + ci) * f + fi;
                                dw[wi] += d * x[xi];
                                dx[xi] += d * w[wi];
                            }
                        }
                    }
                }
            }
        }
    }
    (dw, db, dx)
}

/// The geometries tested: odd sizes, several channel and filter counts,
/// non-square kernels, strides 1 to 3, both paddings, and the MNIST
/// convnet's three layers.
fn cases() -> Vec<(Conv2dGeometry, usize)> {
    let mut out = Vec::new();
    let mut n = 0;
    for &(input, kernel) in &[
        ((7, 5, 1), (3, 3, 4)),
        ((6, 9, 3), (2, 4, 5)),
        ((5, 5, 2), (5, 1, 3)),
        ((9, 4, 5), (1, 3, 7)),
        ((3, 3, 4), (3, 3, 2)),
        ((4, 3, 2), (5, 4, 3)), // larger than the input: `Same` only
    ] {
        for stride in [(1, 1), (2, 2), (3, 1), (1, 3), (2, 3)] {
            for padding in [Padding::Valid, Padding::Same] {
                let g = geometry(input, kernel, stride, padding);
                if g.check().is_ok() {
                    out.push((g, n % 3 + 1));
                    n += 1;
                }
            }
        }
    }
    for (input, kernel) in [
        ((28, 28, 1), (3, 3, 32)),
        ((13, 13, 32), (3, 3, 64)),
        ((5, 5, 64), (3, 3, 64)),
    ] {
        out.push((geometry(input, kernel, (1, 1), Padding::Valid), 2));
    }
    out
}

fn close(got: &[f32], want: &[f64], what: &str, g: &Conv2dGeometry) {
    assert_eq!(got.len(), want.len(), "{what}: {g:?}");
    for (i, (&a, &b)) in got.iter().zip(want).enumerate() {
        let tol = 1e-4 * (1.0 + b.abs());
        assert!(
            (a as f64 - b).abs() <= tol,
            "{what}[{i}]: {a} vs {b} for {g:?}"
        );
    }
}

#[test]
fn output_sizes_follow_keras() {
    let g = |i, k, s, p| geometry((i, i, 1), (k, k, 1), (s, s), p);
    // valid: (in - k) / s + 1; same: ceil(in / s).
    assert_eq!(g(28, 3, 1, Padding::Valid).out_h(), 26);
    assert_eq!(g(11, 3, 1, Padding::Valid).out_h(), 9);
    assert_eq!(g(10, 3, 3, Padding::Valid).out_h(), 3);
    assert_eq!(g(2, 3, 1, Padding::Valid).out_h(), 0);
    assert_eq!(g(10, 3, 3, Padding::Same).out_h(), 4);
    assert_eq!(g(7, 3, 2, Padding::Same).out_h(), 4);
    // total pad = max((out - 1) s + k - in, 0), the odd one at the bottom.
    assert_eq!(g(7, 4, 1, Padding::Same).pad_top(), 1); // total 3
    assert_eq!(g(8, 3, 2, Padding::Same).pad_top(), 0); // total 1
    assert_eq!(g(6, 1, 2, Padding::Same).pad_top(), 0); // total 0
    assert_eq!(g(5, 5, 1, Padding::Same).pad_top(), 2);
}

#[test]
fn forward_matches_the_plain_loops() {
    let mut scratch = ConvScratch::default();
    for (i, (g, n)) in cases().into_iter().enumerate() {
        let x = values(n * g.in_h * g.in_w * g.in_c, 3 * i as u64);
        let w = values(
            g.kernel_h * g.kernel_w * g.in_c * g.filters,
            3 * i as u64 + 1,
        );
        let b = values(g.filters, 3 * i as u64 + 2);
        let want = reference_forward(&g, n, &x, &w, &b);
        for par in [Parallelism::None, Parallelism::Rayon] {
            let mut out = vec![f32::NAN; want.len()];
            conv2d_forward(
                &g,
                n,
                &f32s(&x),
                &f32s(&w),
                &f32s(&b),
                &mut out,
                par,
                &mut scratch,
            )
            .unwrap();
            close(&out, &want, "out", &g);
        }
    }
}

#[test]
fn the_reference_backward_matches_finite_differences() {
    for (g, n) in [
        (geometry((5, 4, 2), (3, 2, 3), (2, 1), Padding::Same), 2),
        (geometry((5, 6, 1), (2, 3, 2), (1, 2), Padding::Valid), 1),
    ] {
        let x = values(n * g.in_h * g.in_w * g.in_c, 10);
        let w = values(g.kernel_h * g.kernel_w * g.in_c * g.filters, 11);
        let b = values(g.filters, 12);
        let dy = values(n * g.out_h() * g.out_w() * g.filters, 13);
        let (dw, db, dx) = reference_backward(&g, n, &x, &w, &dy);
        let loss = |xs: &[Vec<f64>]| {
            let y = reference_forward(&g, n, &xs[0], &xs[1], &xs[2]);
            y.iter().zip(&dy).map(|(a, b)| a * b).sum()
        };
        let report = GradCheck::default()
            .check_buffers(&[&x, &w, &b], &[&dx, &dw, &db], loss)
            .unwrap();
        assert_eq!(report.checked, x.len() + w.len() + b.len());
    }
}

#[test]
fn the_kernels_backward_matches_finite_differences_of_the_kernels_forward() {
    // Directly on the f32 kernels, in single precision.
    let g = geometry((6, 5, 3), (3, 2, 4), (2, 1), Padding::Same);
    let n = 2;
    let x = values(n * 6 * 5 * 3, 20);
    let w = values(3 * 2 * 3 * 4, 21);
    let b = values(4, 22);
    let out_len = n * g.out_h() * g.out_w() * 4;
    let dy = values(out_len, 23);
    let (mut dw, mut db, mut dx) = (vec![0.0; w.len()], vec![0.0; 4], vec![0.0; x.len()]);
    let mut scratch = ConvScratch::default();
    conv2d_backward(
        &g,
        n,
        &f32s(&x),
        &f32s(&w),
        &f32s(&dy),
        &mut dw,
        &mut db,
        Some(&mut dx),
        Parallelism::None,
        &mut scratch,
    )
    .unwrap();
    let wide = |v: &[f32]| v.iter().map(|&v| v as f64).collect::<Vec<_>>();
    let loss = |xs: &[Vec<f64>]| {
        let mut out = vec![0.0f32; out_len];
        conv2d_forward(
            &g,
            n,
            &f32s(&xs[0]),
            &f32s(&xs[1]),
            &f32s(&xs[2]),
            &mut out,
            Parallelism::None,
            &mut ConvScratch::default(),
        )
        .unwrap();
        out.iter().zip(&dy).map(|(&a, b)| a as f64 * b).sum()
    };
    GradCheck::single_precision()
        .check_buffers(&[&x, &w, &b], &[&wide(&dx), &wide(&dw), &wide(&db)], loss)
        .unwrap();
}

#[test]
fn backward_matches_the_plain_loops() {
    let mut scratch = ConvScratch::default();
    for (i, (g, n)) in cases().into_iter().enumerate() {
        let x = values(n * g.in_h * g.in_w * g.in_c, 5 * i as u64);
        let w = values(
            g.kernel_h * g.kernel_w * g.in_c * g.filters,
            5 * i as u64 + 1,
        );
        let dy = values(n * g.out_h() * g.out_w() * g.filters, 5 * i as u64 + 2);
        let (want_w, want_b, want_x) = reference_backward(&g, n, &x, &w, &dy);
        for par in [Parallelism::None, Parallelism::Rayon] {
            // Old contents (NaN) are replaced, not added to.
            let mut dw = vec![f32::NAN; w.len()];
            let mut db = vec![f32::NAN; g.filters];
            let mut dx = vec![f32::NAN; x.len()];
            let (xf, wf, dyf) = (f32s(&x), f32s(&w), f32s(&dy));
            conv2d_backward(
                &g,
                n,
                &xf,
                &wf,
                &dyf,
                &mut dw,
                &mut db,
                Some(&mut dx),
                par,
                &mut scratch,
            )
            .unwrap();
            close(&dw, &want_w, "grad_kernel", &g);
            close(&db, &want_b, "grad_bias", &g);
            close(&dx, &want_x, "grad_in", &g);
            // Without the input gradient: the same kernel gradients.
            let mut dw2 = vec![f32::NAN; w.len()];
            let mut db2 = vec![f32::NAN; g.filters];
            conv2d_backward(
                &g,
                n,
                &xf,
                &wf,
                &dyf,
                &mut dw2,
                &mut db2,
                None,
                par,
                &mut scratch,
            )
            .unwrap();
            assert_eq!((dw2, db2), (dw, db));
        }
    }
}

#[test]
fn a_batch_larger_than_a_chunk_gives_the_same_result() {
    // 17 samples of the second MNIST layer make several chunks (7 samples'
    // patches fill one), on one thread and in each of the threads' runs.
    let g = geometry((13, 13, 32), (3, 3, 64), (1, 1), Padding::Valid);
    let n = 17;
    let x = values(n * 13 * 13 * 32, 40);
    let w = values(3 * 3 * 32 * 64, 41);
    let b = values(64, 42);
    let want = reference_forward(&g, n, &x, &w, &b);
    let dy = values(want.len(), 43);
    let (want_w, want_b, want_x) = reference_backward(&g, n, &x, &w, &dy);
    let mut scratch = ConvScratch::default();
    for par in [Parallelism::None, Parallelism::Rayon] {
        let mut out = vec![0.0f32; want.len()];
        conv2d_forward(
            &g,
            n,
            &f32s(&x),
            &f32s(&w),
            &f32s(&b),
            &mut out,
            par,
            &mut scratch,
        )
        .unwrap();
        close(&out, &want, "out", &g);
        let (mut dw, mut db, mut dx) = (vec![0.0; w.len()], vec![0.0; 64], vec![0.0; x.len()]);
        conv2d_backward(
            &g,
            n,
            &f32s(&x),
            &f32s(&w),
            &f32s(&dy),
            &mut dw,
            &mut db,
            Some(&mut dx),
            par,
            &mut scratch,
        )
        .unwrap();
        close(&dw, &want_w, "grad_kernel", &g);
        close(&db, &want_b, "grad_bias", &g);
        close(&dx, &want_x, "grad_in", &g);
    }
}

#[test]
fn wrong_sizes_and_overflowing_geometries_are_errors_and_nothing_is_written() {
    let g = geometry((5, 4, 2), (3, 3, 3), (1, 1), Padding::Valid);
    let n = 2;
    let (xl, wl, ol) = (n * 5 * 4 * 2, 3 * 3 * 2 * 3, n * 3 * 2 * 3);
    let (x, w, b) = (vec![1.0f32; xl], vec![1.0f32; wl], vec![1.0f32; 3]);
    let mut scratch = ConvScratch::default();
    let forward = |x: &[f32], w: &[f32], b: &[f32], out_len: usize, g: &Conv2dGeometry| {
        let mut out = vec![7.0f32; out_len];
        let r = conv2d_forward(
            g,
            n,
            x,
            w,
            b,
            &mut out,
            Parallelism::None,
            &mut ConvScratch::default(),
        );
        if r.is_err() {
            assert!(out.iter().all(|&v| v == 7.0), "{r:?}");
        }
        r
    };
    assert!(forward(&x, &w, &b, ol, &g).is_ok());
    let short = |what: &'static str, expected: usize| ConvError::Length {
        what,
        expected,
        got: expected - 1,
    };
    assert_eq!(forward(&x[1..], &w, &b, ol, &g), Err(short("x", xl)));
    assert_eq!(forward(&x, &w[1..], &b, ol, &g), Err(short("kernel", wl)));
    assert_eq!(forward(&x, &w, &b[1..], ol, &g), Err(short("bias", 3)));
    assert_eq!(forward(&x, &w, &b, ol - 1, &g), Err(short("out", ol)));
    assert_eq!(
        forward(&x, &w, &b, ol, &Conv2dGeometry { stride_w: 0, ..g }),
        Err(ConvError::Zero("stride_w"))
    );
    assert_eq!(
        forward(&x, &w, &b, ol, &Conv2dGeometry { kernel_h: 6, ..g })
            .unwrap_err()
            .to_string(),
        "a 6 x 3 window does not fit in a 5 x 4 input without padding"
    );
    for huge in [
        Conv2dGeometry {
            in_h: usize::MAX,
            ..g
        },
        Conv2dGeometry {
            in_w: usize::MAX,
            in_h: usize::MAX,
            ..g
        },
        Conv2dGeometry {
            in_c: usize::MAX,
            ..g
        },
        Conv2dGeometry {
            filters: usize::MAX,
            ..g
        },
        Conv2dGeometry {
            kernel_h: usize::MAX,
            kernel_w: usize::MAX,
            in_h: usize::MAX,
            in_w: usize::MAX,
            ..g
        },
        Conv2dGeometry {
            stride_h: usize::MAX,
            padding: Padding::Same,
            kernel_h: usize::MAX,
            ..g
        },
        Conv2dGeometry {
            in_h: 1 << 32,
            in_w: 1 << 32,
            ..g
        },
    ] {
        assert!(
            matches!(huge.check(), Err(ConvError::Overflow(_))),
            "{huge:?}"
        );
        assert!(forward(&x, &w, &b, ol, &huge).is_err());
    }
    // A batch count that overflows.
    let mut out = vec![7.0f32; ol];
    let r = conv2d_forward(
        &g,
        usize::MAX,
        &x,
        &w,
        &b,
        &mut out,
        Parallelism::None,
        &mut scratch,
    );
    assert!(matches!(r, Err(ConvError::Overflow(_))));
    assert!(out.iter().all(|&v| v == 7.0));

    // The backward: each wrong length, nothing written.
    let dy = vec![1.0f32; ol];
    let backward = |x: &[f32], w: &[f32], dy: &[f32], lens: [usize; 3], with_dx: bool| {
        let (mut dw, mut db, mut dx) = (
            vec![7.0f32; lens[0]],
            vec![7.0f32; lens[1]],
            vec![7.0f32; lens[2]],
        );
        let r = conv2d_backward(
            &g,
            n,
            x,
            w,
            dy,
            &mut dw,
            &mut db,
            with_dx.then_some(&mut dx[..]),
            Parallelism::None,
            &mut ConvScratch::default(),
        );
        if r.is_err() {
            assert!(dw.iter().chain(&db).chain(&dx).all(|&v| v == 7.0), "{r:?}");
        }
        r
    };
    let ok = [wl, 3, xl];
    assert!(backward(&x, &w, &dy, ok, true).is_ok());
    assert_eq!(backward(&x[1..], &w, &dy, ok, true), Err(short("x", xl)));
    assert_eq!(
        backward(&x, &w[1..], &dy, ok, true),
        Err(short("kernel", wl))
    );
    assert_eq!(
        backward(&x, &w, &dy[1..], ok, true),
        Err(short("grad_out", ol))
    );
    assert_eq!(
        backward(&x, &w, &dy, [wl - 1, 3, xl], true),
        Err(short("grad_kernel", wl))
    );
    assert_eq!(
        backward(&x, &w, &dy, [wl, 2, xl], true),
        Err(short("grad_bias", 3))
    );
    assert_eq!(
        backward(&x, &w, &dy, [wl, 3, xl - 1], true),
        Err(short("grad_in", xl))
    );
    assert!(backward(&x, &w, &dy, [wl, 3, xl - 1], false).is_ok());
}

// ---- pooling ----

fn pool(
    in_h: usize,
    in_w: usize,
    c: usize,
    p: (usize, usize),
    s: (usize, usize),
) -> Pool2dGeometry {
    Pool2dGeometry {
        in_h,
        in_w,
        channels: c,
        pool_h: p.0,
        pool_w: p.1,
        stride_h: s.0,
        stride_w: s.1,
    }
}

/// Plain max pooling: the first maximum (or first NaN) of each window.
fn reference_max(g: &Pool2dGeometry, n: usize, x: &[f32]) -> (Vec<f32>, Vec<u32>) {
    let (oh, ow, c) = (g.out_h(), g.out_w(), g.channels);
    let (mut out, mut arg) = (Vec::new(), Vec::new());
    for s in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for ci in 0..c {
                    let mut best: Option<(f32, usize)> = None;
                    for py in 0..g.pool_h {
                        for px in 0..g.pool_w {
                            let i =
                                ((oy * g.stride_h + py) * g.in_w + ox * g.stride_w + px) * c + ci;
                            let v = x[s * g.in_h * g.in_w * c + i];
                            best = match best {
                                // Keep the first NaN, else the first maximum.
                                Some((b, _)) if b.is_nan() || v <= b => best,
                                _ => Some((v, i)),
                            };
                        }
                    }
                    let (v, i) = best.unwrap();
                    out.push(v);
                    arg.push(i as u32);
                }
            }
        }
    }
    (out, arg)
}

fn pool_cases() -> Vec<(Pool2dGeometry, usize)> {
    vec![
        (Pool2dGeometry::new(26, 26, 32, 2), 2),
        (Pool2dGeometry::new(11, 11, 64, 2), 3),
        (pool(7, 5, 3, (3, 2), (2, 1)), 2), // overlapping rows
        (pool(6, 9, 1, (2, 3), (2, 3)), 1),
        (pool(5, 5, 2, (5, 5), (1, 1)), 3),
        (pool(4, 7, 4, (1, 1), (3, 2)), 2),
    ]
}

#[test]
fn max_pool_values_argmax_and_backward_match_the_plain_loops() {
    for (i, (g, n)) in pool_cases().into_iter().enumerate() {
        let x = f32s(&values(n * g.in_h * g.in_w * g.channels, 50 + i as u64));
        let (want, want_arg) = reference_max(&g, n, &x);
        let mut out = vec![f32::NAN; want.len()];
        let mut arg = vec![u32::MAX; want.len()];
        max_pool2d_forward(&g, n, &x, &mut out, &mut arg).unwrap();
        assert_eq!((&out, &arg), (&want, &want_arg), "{g:?}");
        let dy = f32s(&values(want.len(), 60 + i as u64));
        let mut dx = vec![f32::NAN; x.len()];
        max_pool2d_backward(&g, n, &dy, &arg, &mut dx).unwrap();
        let per = g.in_h * g.in_w * g.channels;
        let mut want_dx = vec![0.0f32; x.len()];
        for (j, (&d, &a)) in dy.iter().zip(&arg).enumerate() {
            want_dx[j / (want.len() / n) * per + a as usize] += d;
        }
        assert_eq!(dx, want_dx, "{g:?}");
    }
}

#[test]
fn max_pool_propagates_nan_and_points_at_it() {
    let g = Pool2dGeometry::new(2, 4, 2, 2);
    // Channel 0: windows (1, 2, 5, NaN), (3, 4, 7, 8); channel 1: (NaN
    // first, then larger values), (-1 ... with a -inf).
    #[rustfmt::skip]
    let x = [
        1.0, f32::NAN, 2.0, 9.0, 3.0, -1.0, 4.0, f32::NEG_INFINITY,
        5.0, 10.0, f32::NAN, 11.0, 7.0, -2.0, 8.0, -3.0,
    ];
    let (mut out, mut arg) = ([0.0f32; 4], [0u32; 4]);
    max_pool2d_forward(&g, 1, &x, &mut out, &mut arg).unwrap();
    assert!(out[0].is_nan() && out[1].is_nan());
    assert_eq!((out[2], out[3]), (8.0, -1.0));
    assert_eq!(arg, [10, 1, 14, 5]);
    // All -inf: the max is -inf, at the first element.
    let (mut out, mut arg) = ([0.0f32; 2], [9u32; 2]);
    max_pool2d_forward(
        &Pool2dGeometry::new(2, 2, 2, 2),
        1,
        &[f32::NEG_INFINITY; 8],
        &mut out,
        &mut arg,
    )
    .unwrap();
    assert_eq!((out, arg), ([f32::NEG_INFINITY; 2], [0, 1]));
}

#[test]
fn avg_pool_forward_and_backward_match_the_plain_loops_and_finite_differences() {
    for (i, (g, n)) in pool_cases().into_iter().enumerate() {
        let x = values(n * g.in_h * g.in_w * g.channels, 70 + i as u64);
        let (oh, ow, c) = (g.out_h(), g.out_w(), g.channels);
        let avg = |x: &[f64]| {
            let mut out = Vec::new();
            for s in 0..n {
                for oy in 0..oh {
                    for ox in 0..ow {
                        for ci in 0..c {
                            let mut acc = 0.0;
                            for py in 0..g.pool_h {
                                for px in 0..g.pool_w {
                                    let iy = oy * g.stride_h + py;
                                    let ix = ox * g.stride_w + px;
                                    acc += x[((s * g.in_h + iy) * g.in_w + ix) * c + ci];
                                }
                            }
                            out.push(acc / (g.pool_h * g.pool_w) as f64);
                        }
                    }
                }
            }
            out
        };
        let want = avg(&x);
        let mut out = vec![f32::NAN; want.len()];
        avg_pool2d_forward(&g, n, &f32s(&x), &mut out).unwrap();
        close(
            &out,
            &want,
            "avg",
            &geometry((1, 1, 1), (1, 1, 1), (1, 1), Padding::Valid),
        );
        let dy = values(want.len(), 80 + i as u64);
        let mut dx = vec![f32::NAN; x.len()];
        avg_pool2d_backward(&g, n, &f32s(&dy), &mut dx).unwrap();
        let dx: Vec<f64> = dx.iter().map(|&v| v as f64).collect();
        let loss = |xs: &[Vec<f64>]| avg(&xs[0]).iter().zip(&dy).map(|(a, b)| a * b).sum();
        GradCheck {
            atol: 1e-5,
            rtol: 1e-5,
            ..GradCheck::default()
        }
        .check_buffers(&[&x], &[&dx], loss)
        .unwrap();
    }
}

#[test]
fn pooling_refuses_wrong_sizes_and_bad_argmax_and_writes_nothing() {
    let g = Pool2dGeometry::new(4, 4, 2, 2);
    let (xl, ol) = (2 * 32, 2 * 8);
    let x = vec![1.0f32; xl];
    let check = |r: Result<(), ConvError>, bufs: &[&[f32]], want: ConvError| {
        assert_eq!(r, Err(want));
        assert!(bufs.iter().all(|b| b.iter().all(|&v| v == 7.0)));
    };
    let short = |what: &'static str, expected: usize| ConvError::Length {
        what,
        expected,
        got: expected - 1,
    };
    let (mut out, mut arg) = (vec![7.0f32; ol], vec![7u32; ol]);
    check(
        max_pool2d_forward(&g, 2, &x[1..], &mut out, &mut arg),
        &[&out],
        short("x", xl),
    );
    check(
        max_pool2d_forward(&g, 2, &x, &mut out[1..], &mut arg),
        &[&out],
        short("out", ol),
    );
    check(
        max_pool2d_forward(&g, 2, &x, &mut out, &mut arg[1..]),
        &[&out],
        short("argmax", ol),
    );
    assert!(arg.iter().all(|&a| a == 7));
    check(
        avg_pool2d_forward(&g, 2, &x, &mut out[1..]),
        &[&out],
        short("out", ol),
    );
    let mut dx = vec![7.0f32; xl];
    let dy = vec![1.0f32; ol];
    check(
        max_pool2d_backward(&g, 2, &dy[1..], &arg, &mut dx),
        &[&dx],
        short("grad_out", ol),
    );
    check(
        max_pool2d_backward(&g, 2, &dy, &arg, &mut dx[1..]),
        &[&dx],
        short("grad_in", xl),
    );
    check(
        avg_pool2d_backward(&g, 2, &dy, &mut dx[1..]),
        &[&dx],
        short("grad_in", xl),
    );
    let mut bad = vec![0u32; ol];
    bad[9] = 32;
    check(
        max_pool2d_backward(&g, 2, &dy, &bad, &mut dx),
        &[&dx],
        ConvError::ArgmaxOutOfRange {
            index: 9,
            value: 32,
            sample_len: 32,
        },
    );
    // Geometries: zero sizes, a window larger than the input, overflow, a
    // sample too large for a u32 argmax.
    assert_eq!(
        Pool2dGeometry { stride_h: 0, ..g }.check(),
        Err(ConvError::Zero("stride_h"))
    );
    assert!(matches!(
        Pool2dGeometry::new(4, 1, 2, 2).check(),
        Err(ConvError::KernelTooLarge { .. })
    ));
    let huge = Pool2dGeometry::new(usize::MAX, usize::MAX, 2, 2);
    assert!(matches!(huge.check(), Err(ConvError::Overflow(_))));
    check(
        avg_pool2d_forward(&huge, 1, &x, &mut out),
        &[&out],
        ConvError::Overflow("the pooling's sizes"),
    );
    let big = Pool2dGeometry::new(1 << 16, 1 << 16, 2, 2);
    let r = max_pool2d_forward(&big, 1, &x, &mut out, &mut arg);
    assert_eq!(r, Err(ConvError::SampleTooLarge { elements: 1 << 33 }));
    assert!(max_pool2d_forward(&g, usize::MAX, &x, &mut out, &mut arg).is_err());
    assert!(out.iter().all(|&v| v == 7.0));
}

/// A zero window or kernel on the largest input: its output size is 0 (the
/// geometry is refused by `check`), not an overflow. Found by the
/// `conv_pool` fuzz target.
#[test]
fn output_sizes_of_a_zero_window_on_the_largest_input_do_not_overflow() {
    let pool = Pool2dGeometry {
        in_h: usize::MAX,
        in_w: usize::MAX,
        channels: 1,
        pool_h: 0,
        pool_w: 0,
        stride_h: 1,
        stride_w: 1,
    };
    assert_eq!((pool.out_h(), pool.out_w()), (0, 0));
    assert_eq!(pool.check(), Err(ConvError::Zero("pool_h")));
    let conv = Conv2dGeometry {
        in_h: usize::MAX,
        in_w: usize::MAX,
        in_c: 1,
        kernel_h: 0,
        kernel_w: 0,
        filters: 1,
        stride_h: 1,
        stride_w: 1,
        padding: Padding::Valid,
    };
    assert_eq!((conv.out_h(), conv.out_w()), (0, 0));
    assert_eq!(conv.check(), Err(ConvError::Zero("kernel_h")));
}
