//! Sums, means, variances and standard deviations against a reference
//! computed here in `f64` (numpy's definitions: `ddof = 0`, integer sums in
//! 64-bit integers), over random sizes and values, along every axis and over
//! the whole tensor; and the sizes where an `f32` running total breaks:
//! 50 million ones, a (128, 256, 256, 3) image batch, a (4, 240, 144, 256, 3)
//! video.

use proptest::collection::vec;
use proptest::prelude::*;
use shaped_core::{shape, Dyn, Sz, Tensor};

/// (outer, n, inner) of `dims` around `axis`.
fn split(dims: &[usize], axis: usize) -> (usize, usize, usize) {
    (
        dims[..axis].iter().product(),
        dims[axis],
        dims[axis + 1..].iter().product(),
    )
}

/// Each line along `axis`, as f64 values.
fn lines(x: &[f32], dims: &[usize], axis: usize) -> Vec<Vec<f64>> {
    let (outer, n, inner) = split(dims, axis);
    let mut out = Vec::new();
    for o in 0..outer {
        for i in 0..inner {
            out.push((0..n).map(|j| x[(o * n + j) * inner + i] as f64).collect());
        }
    }
    out
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn var(v: &[f64]) -> f64 {
    let m = mean(v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64
}

/// `got` is `want` rounded once to f32, up to f64-level errors of the
/// magnitudes involved (`scale`: the sum of |x|, or the mean of x² for a
/// variance). An f32 running total, or a one-pass variance, misses this.
fn close(got: f32, want: f64, scale: f64) -> bool {
    (got as f64 - want).abs() <= f32::EPSILON as f64 * want.abs() + 1e-12 * scale + 1e-30
}

fn check_axis<const A: usize>(t: &Tensor<shape![_, _, _]>) -> Result<(), TestCaseError>
where
    (Dyn, Dyn, Dyn): shaped_core::RemoveAxis<A>,
{
    let dims = t.dims();
    let ls = lines(t.as_slice(), &dims, A);
    let (s, m, v, sd) = (t.sum::<A>(), t.mean::<A>(), t.var::<A>(), t.std::<A>());
    for (k, line) in ls.iter().enumerate() {
        let abs: f64 = line.iter().map(|x| x.abs()).sum();
        let want = line.iter().sum::<f64>();
        prop_assert!(
            close(s.as_slice()[k], want, abs),
            "sum axis {A} line {k}: {} vs {want}",
            s.as_slice()[k]
        );
        let n = line.len() as f64;
        prop_assert!(close(m.as_slice()[k], mean(line), abs / n), "mean axis {A}");
        let want_v = var(line);
        let sq: f64 = line.iter().map(|x| x * x).sum::<f64>() / n;
        prop_assert!(
            close(v.as_slice()[k], want_v, sq),
            "var axis {A}: {} vs {want_v}",
            v.as_slice()[k]
        );
        prop_assert!(
            close(sd.as_slice()[k], want_v.sqrt(), sq.sqrt()),
            "std axis {A}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn float_reductions_match_an_f64_reference(
        (dims, data) in (1usize..9, 1usize..40, 1usize..9).prop_flat_map(|(a, b, c)| {
            (Just(vec![a, b, c]), vec(-1e4f32..1e4, a * b * c))
        }),
        offset in -1e6f32..1e6,
    ) {
        // An offset makes the variance a small difference of large values.
        let data: Vec<f32> = data.iter().map(|v| v + offset).collect();
        let t = Tensor::<shape![_, _, _]>::from_dims_vec(&dims, data.clone()).unwrap();
        check_axis::<0>(&t)?;
        check_axis::<1>(&t)?;
        check_axis::<2>(&t)?;
        let all: Vec<f64> = data.iter().map(|&v| v as f64).collect();
        let abs: f64 = all.iter().map(|v| v.abs()).sum();
        let n = all.len() as f64;
        prop_assert!(close(t.sum_all(), all.iter().sum(), abs));
        prop_assert!(close(t.mean_all(), mean(&all), abs / n));
        let sq = all.iter().map(|x| x * x).sum::<f64>() / n;
        prop_assert!(close(t.var_all(), var(&all), sq));
        prop_assert!(close(t.std_all(), var(&all).sqrt(), sq.sqrt()));
    }

    #[test]
    fn long_f32_sums_stay_exact_to_f64_rounding(
        data in vec(-1.0f32..1.0, 0..100_000),
    ) {
        let t = Tensor::<shape![_]>::from_dims_vec(&[data.len()], data.clone()).unwrap();
        let want: f64 = data.iter().map(|&v| v as f64).sum();
        let abs: f64 = data.iter().map(|v| v.abs() as f64).sum();
        prop_assert!(close(t.sum_all(), want, abs));
        let t64 = t.cast::<f64>();
        prop_assert!((t64.sum_all() - want).abs() <= 1e-12 * (abs + 1.0));
    }

    #[test]
    fn u8_reductions_are_exact_integers(
        (dims, data) in (1usize..7, 1usize..300).prop_flat_map(|(a, b)| {
            (Just(vec![a, b]), vec(any::<u8>(), a * b))
        }),
    ) {
        let t = Tensor::<shape![_, _], u8>::from_dims_vec(&dims, data.clone()).unwrap();
        let want: u64 = data.iter().map(|&v| v as u64).sum();
        prop_assert_eq!(t.sum_all(), want);
        prop_assert!((t.mean_all() - want as f64 / data.len() as f64).abs() < 1e-9);
        let all: Vec<f64> = data.iter().map(|&v| v as f64).collect();
        prop_assert!((t.var_all() - var(&all)).abs() < 1e-6);
        let (a, b) = (dims[0], dims[1]);
        let s0 = t.sum::<0>();
        let s1 = t.sum::<1>();
        for j in 0..b {
            prop_assert_eq!(s0.as_slice()[j], (0..a).map(|i| data[i * b + j] as u64).sum::<u64>());
        }
        for i in 0..a {
            prop_assert_eq!(s1.as_slice()[i], data[i * b..(i + 1) * b].iter().map(|&v| v as u64).sum::<u64>());
            let m = t.mean::<1>().as_slice()[i];
            prop_assert!((m - s1.as_slice()[i] as f64 / b as f64).abs() < 1e-9);
        }
    }
}

#[test]
fn signed_integers_sum_into_i64() {
    let t = Tensor::<shape![4], i8>::from_array([-128, -128, 127, -1]);
    assert_eq!(t.sum_all(), -130i64);
    let u = Tensor::<shape![2], u64>::from_array([u64::MAX, 2]);
    assert_eq!(u.sum_all(), 1, "wraps as numpy's uint64 sum does");
}

#[test]
fn empty_reductions_follow_numpy() {
    let t = Tensor::<shape![_, 3]>::from_dims_vec(&[0, 3], vec![]).unwrap();
    assert_eq!(t.sum_all(), 0.0);
    assert!(t.mean_all().is_nan() && t.var_all().is_nan());
    assert_eq!(t.sum::<0>().as_slice(), &[0.0; 3]);
    assert!(t.mean::<0>().as_slice().iter().all(|v| v.is_nan()));
    assert_eq!(t.sum::<1>().as_slice(), &[] as &[f32]);
}

#[test]
fn nan_and_infinity_propagate_through_sums() {
    let t = Tensor::<shape![3]>::from_array([1.0, f32::NAN, 2.0]);
    assert!(t.sum_all().is_nan() && t.mean_all().is_nan() && t.std_all().is_nan());
    let i = Tensor::<shape![2, 2]>::from_array([[1.0, f32::INFINITY], [2.0, 3.0]]);
    assert_eq!(i.sum::<1>().as_slice(), &[f32::INFINITY, 5.0]);
    assert_eq!(i.sum::<0>().as_slice(), &[3.0, f32::INFINITY]);
}

// ------------------------------------------------- the table (numpy)

#[test]
fn fifty_million_ones_sum_to_fifty_million() {
    let t = Tensor::<shape![_], f32>::ones_with((Dyn(50_000_000),));
    assert_eq!(t.sum_all(), 50_000_000.0); // an f32 running total: 16,777,216
    assert_eq!(t.mean_all(), 1.0);
    assert_eq!(t.var_all(), 0.0);
}

#[test]
fn an_image_batch_of_quarters_has_mean_a_quarter() {
    let t = Tensor::<shape![128, 256, 256, 3], f32>::full(0.25);
    assert_eq!(t.mean_all(), 0.25); // an f32 running total: 0.1667
    assert_eq!(t.sum_all(), 0.25 * (128 * 256 * 256 * 3) as f32);
    assert_eq!(t.std_all(), 0.0);
    // Along an axis too: each of the 3 channels sums 128 * 256 * 256 values.
    let per_channel = t.reshape_dyn_for_test().sum::<0>();
    assert_eq!(
        per_channel.as_slice(),
        &[0.25 * (128 * 256 * 256) as f32; 3]
    );
}

/// The video case: (4, 240, 144, 256, 3) frames of 200, as `u8` (how video
/// is stored) and as `f32`.
#[test]
fn a_video_of_two_hundreds_has_mean_two_hundred() {
    let n = 4 * 240 * 144 * 256 * 3;
    let v = Tensor::<shape![4, 240, 144, 256, 3], u8>::full(200);
    assert_eq!(v.sum_all(), 200 * n as u64);
    assert_eq!(v.mean_all(), 200.0);
    assert_eq!(v.std_all(), 0.0);
    drop(v);
    let f = Tensor::<shape![4, 240, 144, 256, 3], f32>::full(200.0);
    assert_eq!(f.mean_all(), 200.0); // an f32 running total: 40.45
    assert_eq!(f.sum::<0>().as_slice()[0], 800.0);
    assert_eq!(f.mean::<4>().as_slice()[12345], 200.0);
}

/// Reshapes (128, 256, 256, 3) to (128 * 256 * 256, 3) through the run-time
/// constructor, so the test does not depend on other reshape APIs.
trait ReshapeForTest {
    fn reshape_dyn_for_test(&self) -> Tensor<(Dyn, Sz<3>), f32>;
}
impl ReshapeForTest for Tensor<shape![128, 256, 256, 3], f32> {
    fn reshape_dyn_for_test(&self) -> Tensor<(Dyn, Sz<3>), f32> {
        Tensor::from_dims_vec(&[128 * 256 * 256, 3], self.as_slice().to_vec()).unwrap()
    }
}
