//! `Conv2D`, `MaxPool2D` and `AvgPool2D` as layers: forward against plain
//! loops written here, backward by finite differences (the one gradient
//! checker) on odd sizes, strides and both paddings, and a small convnet in
//! `model!` that learns.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use shaped_core::{shape, Dyn, Sz, Tensor};
use shaped_nn::{
    gradcheck::{check_layer, input_name, GradCheck},
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::RmsProp,
    train::{FitConfig, Trainer, Verbosity},
    AvgPool2D, BatchMut, BatchRef, Conv2D, Dense, Flatten, Layer, LayerSpec, Linear, MaxPool2D,
    Parameters, Relu, Same, Softmax, Tanh, Valid,
};

fn inputs(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// Distinct values at least 0.05 apart, shuffled: no two entries of a
/// pooling window tie, even moved by the checker's step.
fn distinct(len: usize, seed: u64) -> Vec<f32> {
    let mut v: Vec<f32> = (0..len)
        .map(|i| i as f32 * 0.05 - len as f32 * 0.025)
        .collect();
    v.shuffle(&mut StdRng::seed_from_u64(seed));
    v
}

/// The sizes of a convolution, for the reference loops.
#[derive(Clone, Copy)]
struct Geo {
    h: usize,
    w: usize,
    c: usize,
    k: usize,
    f: usize,
    s: usize,
    same: bool,
}

impl Geo {
    /// Output size and padding before, along one axis (TensorFlow's rule).
    fn axis(&self, input: usize) -> (usize, usize) {
        if self.same {
            let out = input.div_ceil(self.s);
            let total = ((out - 1) * self.s + self.k).saturating_sub(input);
            (out, total / 2)
        } else {
            ((input - self.k) / self.s + 1, 0)
        }
    }
}

/// The convolution as plain loops: NHWC input, `(k, k, c, f)` kernel.
fn reference_conv(g: Geo, n: usize, x: &[f32], kernel: &[f32], bias: &[f32]) -> Vec<f32> {
    let ((oh, pt), (ow, pl)) = (g.axis(g.h), g.axis(g.w));
    let mut out = vec![0.0f32; n * oh * ow * g.f];
    for b in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for f in 0..g.f {
                    let mut acc = bias[f] as f64;
                    for ky in 0..g.k {
                        for kx in 0..g.k {
                            let iy = (oy * g.s + ky) as isize - pt as isize;
                            let ix = (ox * g.s + kx) as isize - pl as isize;
                            if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize {
                                continue;
                            }
                            for c in 0..g.c {
                                let xv = x[((b * g.h + iy as usize) * g.w + ix as usize) * g.c + c];
                                let wv = kernel[((ky * g.k + kx) * g.c + c) * g.f + f];
                                acc += xv as f64 * wv as f64;
                            }
                        }
                    }
                    out[((b * oh + oy) * ow + ox) * g.f + f] = acc as f32;
                }
            }
        }
    }
    out
}

/// `P x P` pooling with stride `P` as plain loops: max or mean.
fn reference_pool(
    (h, w, c): (usize, usize, usize),
    p: usize,
    n: usize,
    x: &[f32],
    max: bool,
) -> Vec<f32> {
    let (oh, ow) = ((h - p) / p + 1, (w - p) / p + 1);
    let mut out = Vec::new();
    for b in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for ch in 0..c {
                    let mut acc = if max { f32::NEG_INFINITY } else { 0.0 };
                    for dy in 0..p {
                        for dx in 0..p {
                            let v = x[((b * h + oy * p + dy) * w + ox * p + dx) * c + ch];
                            acc = if max { acc.max(v) } else { acc + v };
                        }
                    }
                    out.push(if max { acc } else { acc / (p * p) as f32 });
                }
            }
        }
    }
    out
}

fn assert_close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-4 * (1.0 + y.abs()),
            "{what}[{i}]: {x} vs {y}"
        );
    }
}

/// A built convolution's forward against the reference loops, then its
/// gradient check; `Out` is written by hand, as `model!` would compute it.
macro_rules! conv_case {
    ($spec:ty, $in:ty, $out:ty, $geo:expr, $n:expr, $seed:expr) => {{
        type L = <$spec as LayerSpec<$in>>::Layer<$out>;
        let g: Geo = $geo;
        assert_eq!(
            <$spec as LayerSpec<$in>>::OUT.unwrap().as_slice(),
            <$out as shaped_core::ConstShape>::DIMS.as_ref(),
            "{}: OUT",
            stringify!($spec)
        );
        let mut rng = StdRng::seed_from_u64($seed);
        let mut layer = L::init(&mut rng);
        // A non-zero bias, so that the check covers it.
        for (i, b) in layer.get_mut(1).iter_mut().enumerate() {
            *b = 0.1 * i as f32 - 0.05;
        }
        assert_eq!(layer.shape_of(0), vec![g.k, g.k, g.c, g.f]);
        let x = inputs($n * g.h * g.w * g.c, $seed + 1);
        let mut out = Vec::new();
        layer.forward(
            BatchRef::new(&x, $n).unwrap(),
            BatchMut::resized(&mut out, $n),
        );
        let want = reference_conv(g, $n, &x, layer.get(0), layer.get(1));
        (layer, x, out, want)
    }};
}

fn check_all<L: Layer>(name: &str, layer: &mut L, x: &[f32], n: usize) {
    let x = BatchRef::new(x, n).unwrap();
    let report = check_layer(&GradCheck::single_precision(), layer, x)
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert!(report.checked > 0, "{name}");
    assert_eq!(input_name(layer, layer.len()), "input");
}

#[test]
fn conv2d_forward_matches_the_loops_and_backward_the_finite_differences() {
    // Valid, stride 1, odd sizes.
    let (mut l, x, out, want) = conv_case!(
        Conv2D<2, 3>, shape![5, 7, 3], shape![3, 5, 2],
        Geo { h: 5, w: 7, c: 3, k: 3, f: 2, s: 1, same: false }, 2, 10
    );
    assert_close(&out, &want, "valid");
    check_all("valid", &mut l, &x, 2);

    // Same, stride 1, odd kernel: the size is kept.
    let (mut l, x, out, want) = conv_case!(
        Conv2D<3, 3, Linear, Same>, shape![5, 6, 2], shape![5, 6, 3],
        Geo { h: 5, w: 6, c: 2, k: 3, f: 3, s: 1, same: true }, 3, 20
    );
    assert_close(&out, &want, "same");
    check_all("same", &mut l, &x, 3);

    // Same, even kernel: the odd padding goes at the bottom and right.
    let (mut l, x, out, want) = conv_case!(
        Conv2D<2, 2, Linear, Same>, shape![5, 5, 1], shape![5, 5, 2],
        Geo { h: 5, w: 5, c: 1, k: 2, f: 2, s: 1, same: true }, 2, 30
    );
    assert_close(&out, &want, "same, even kernel");
    check_all("same, even kernel", &mut l, &x, 2);

    // Valid, stride 2: the last row and column are not reached.
    let (mut l, x, out, want) = conv_case!(
        Conv2D<2, 3, Linear, Valid, 2>, shape![8, 7, 2], shape![3, 3, 2],
        Geo { h: 8, w: 7, c: 2, k: 3, f: 2, s: 2, same: false }, 2, 40
    );
    assert_close(&out, &want, "valid, stride 2");
    check_all("valid, stride 2", &mut l, &x, 2);

    // Same, stride 2, odd input: ceil(7 / 2) = 4, ceil(9 / 2) = 5.
    let (mut l, x, out, want) = conv_case!(
        Conv2D<3, 3, Linear, Same, 2>, shape![7, 9, 2], shape![4, 5, 3],
        Geo { h: 7, w: 9, c: 2, k: 3, f: 3, s: 2, same: true }, 2, 50
    );
    assert_close(&out, &want, "same, stride 2");
    check_all("same, stride 2", &mut l, &x, 2);

    // Fused activations: tanh and relu on the reference's output.
    let (mut l, x, out, want) = conv_case!(
        Conv2D<2, 3, Tanh, Same, 3>, shape![7, 5, 2], shape![3, 2, 2],
        Geo { h: 7, w: 5, c: 2, k: 3, f: 2, s: 3, same: true }, 2, 60
    );
    let want: Vec<f32> = want.iter().map(|v| v.tanh()).collect();
    assert_close(&out, &want, "tanh");
    check_all("tanh", &mut l, &x, 2);

    let (mut l, x, out, want) = conv_case!(
        Conv2D<4, 3, Relu>, shape![6, 5, 3], shape![4, 3, 4],
        Geo { h: 6, w: 5, c: 3, k: 3, f: 4, s: 1, same: false }, 2, 70
    );
    let want: Vec<f32> = want.iter().map(|v| v.max(0.0)).collect();
    assert_close(&out, &want, "relu");
    check_all("relu", &mut l, &x, 2);
}

#[test]
fn pooling_matches_the_loops_and_the_finite_differences() {
    macro_rules! pool_case {
        ($spec:ty, $in:ty, $out:ty, $hwc:expr, $p:expr, $max:expr, $n:expr, $seed:expr) => {{
            type L = <$spec as LayerSpec<$in>>::Layer<$out>;
            assert_eq!(
                <$spec as LayerSpec<$in>>::OUT.unwrap().as_slice(),
                <$out as shaped_core::ConstShape>::DIMS.as_ref()
            );
            let (h, w, c) = $hwc;
            let x = distinct($n * h * w * c, $seed);
            let mut layer = L::init(&mut StdRng::seed_from_u64(0));
            let mut out = Vec::new();
            layer.forward(
                BatchRef::new(&x, $n).unwrap(),
                BatchMut::resized(&mut out, $n),
            );
            assert_close(
                &out,
                &reference_pool($hwc, $p, $n, &x, $max),
                stringify!($spec),
            );
            check_all(stringify!($spec), &mut layer, &x, $n);
        }};
    }
    // Odd sizes: 5 / 2 and 7 / 2 round down; 7 / 3 = 2, 8 / 3 = 2.
    pool_case!(
        MaxPool2D<2>,
        shape![5, 7, 3],
        shape![2, 3, 3],
        (5, 7, 3),
        2,
        true,
        2,
        1
    );
    pool_case!(
        MaxPool2D<3>,
        shape![7, 8, 2],
        shape![2, 2, 2],
        (7, 8, 2),
        3,
        true,
        3,
        2
    );
    pool_case!(
        MaxPool2D<1>,
        shape![3, 2, 2],
        shape![3, 2, 2],
        (3, 2, 2),
        1,
        true,
        1,
        3
    );
    pool_case!(
        AvgPool2D<2>,
        shape![5, 7, 3],
        shape![2, 3, 3],
        (5, 7, 3),
        2,
        false,
        2,
        4
    );
    pool_case!(
        AvgPool2D<3>,
        shape![7, 8, 2],
        shape![2, 2, 2],
        (7, 8, 2),
        3,
        false,
        3,
        5
    );
}

model! {
    /// A small convnet for 10x10 pictures of bars: conv, pool, conv (same
    /// padding, stride 2), flatten, two dense layers.
    pub struct Bars: (10, 10, 1) => [
        Conv2D<6, 3, Relu>, MaxPool2D<2>, Conv2D<8, 3, Relu, Same, 2>, AvgPool2D<1>,
        Flatten, Dense<16, Relu>, Dense<3, Softmax>
    ]
}

/// A batch of 10x10 grey pictures.
type Pictures = Tensor<(Dyn, Sz<10>, Sz<10>, Sz<1>)>;

/// Pictures of one bar, horizontal, vertical or diagonal (the class), at a
/// random place, with noise.
fn bars(n: usize, seed: u64) -> (Pictures, Tensor<shape![_, 3]>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = vec![0.0f32; n * 100];
    let mut y = vec![0.0f32; n * 3];
    for i in 0..n {
        let class = i % 3;
        let at = rng.random_range(1..9);
        let img = &mut x[i * 100..(i + 1) * 100];
        for (p, v) in img.iter_mut().enumerate() {
            *v = rng.random_range(0.0..0.2);
            let (r, c) = (p / 10, p % 10);
            let on = match class {
                0 => r == at,
                1 => c == at,
                _ => r == c,
            };
            if on {
                *v += 1.0;
            }
        }
        y[i * 3 + class] = 1.0;
    }
    (
        Tensor::from_shape_vec((Dyn(n), Sz, Sz, Sz), x).unwrap(),
        Tensor::from_shape_vec((Dyn(n), Sz), y).unwrap(),
    )
}

#[test]
fn a_convnet_in_model_learns_bars() {
    let (x, y) = bars(240, 7);
    let mut trainer = Trainer::new(
        Bars::seeded(3),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let cfg = FitConfig::new()
        .epochs(16)
        .batch_size(16)
        .verbosity(Verbosity::Silent);
    let history = trainer.fit(&x, &y, cfg).unwrap();
    let (first, last) = (&history.epochs[0], history.epochs.last().unwrap());
    eprintln!(
        "bars: loss {} -> {}, accuracy {} -> {}",
        first.loss, last.loss, first.metric, last.metric
    );
    assert!(last.loss < 0.5 * first.loss, "{:?}", history.epochs);
    assert!(last.metric > 0.9, "{:?}", history.epochs);
    let summary = trainer.model.summary();
    assert!(
        summary.contains("(None, 8, 8, 6)") && summary.contains("(None, 2, 2, 8)"),
        "{summary}"
    );
}

#[cfg(feature = "checkpoint")]
#[test]
fn a_convnet_checkpoint_round_trips_with_keras_shapes() {
    let m = Bars::seeded(5);
    assert_eq!(
        (m.name_of(0), m.shape_of(0), m.name_of(1), m.shape_of(1)),
        (
            "conv2d_0.kernel".to_string(),
            vec![3, 3, 1, 6],
            "conv2d_0.bias".to_string(),
            vec![6]
        )
    );
    assert_eq!(m.shape_of(2), vec![3, 3, 6, 8]);
    let path = std::env::temp_dir().join(format!("conv_layers_{}.safetensors", std::process::id()));
    shaped_nn::checkpoint::save(&m, &path).unwrap();
    let mut other = Bars::seeded(6);
    assert_ne!(other.get(0), m.get(0));
    shaped_nn::checkpoint::load(&mut other, &path).unwrap();
    std::fs::remove_file(&path).unwrap();
    for i in 0..m.len() {
        assert_eq!(other.get(i), m.get(i), "{}", m.name_of(i));
    }
}
