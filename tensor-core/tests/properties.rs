//! Property tests: broadcasting, dot products, element-wise unary ops and
//! reductions over random values and random run-time sizes, each compared
//! with a plain loop written here (not with the library's own kernels).

use proptest::collection::vec;
use proptest::prelude::*;
use shaped_core::{shape, Dyn, One, Shape, Sz, Tensor};

// ---------------------------------------------------------------- references

/// Row-major strides of `dims`.
fn strides(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1; dims.len()];
    for k in (0..dims.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * dims[k + 1];
    }
    s
}

/// numpy's broadcast of two shapes, by its definition.
fn broadcast_ref(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let pad = |d: &[usize]| {
        let mut v = vec![1; n - d.len()];
        v.extend_from_slice(d);
        v
    };
    let (a, b) = (pad(a), pad(b));
    a.iter()
        .zip(&b)
        .map(|(&x, &y)| match (x, y) {
            _ if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// `f(a[i], b[j])` for every index of the broadcast shape, visiting the
/// output index by index and reading each operand at that index (size-1
/// axes read position 0).
fn zip_ref(
    a: &[f64],
    da: &[usize],
    b: &[f64],
    db: &[usize],
    f: impl Fn(f64, f64) -> f64,
) -> (Vec<usize>, Vec<f64>) {
    let out = broadcast_ref(da, db).expect("reference: shapes broadcast");
    let n: usize = out.iter().product();
    let read = |x: &[f64], d: &[usize], idx: &[usize]| {
        let off = idx.len() - d.len();
        let st = strides(d);
        let flat: usize = (0..d.len())
            .map(|k| if d[k] == 1 { 0 } else { idx[off + k] * st[k] })
            .sum();
        x[flat]
    };
    let mut idx = vec![0; out.len()];
    let mut v = Vec::with_capacity(n);
    for flat in 0..n {
        let mut rem = flat;
        for k in (0..out.len()).rev() {
            idx[k] = rem % out[k];
            rem /= out[k];
        }
        v.push(f(read(a, da, &idx), read(b, db, &idx)));
    }
    (out, v)
}

/// numpy's dot of `(..., K)` with `(K,)` or `(K, N)`: a triple loop.
fn dot_ref(a: &[f64], da: &[usize], b: &[f64], db: &[usize]) -> Vec<f64> {
    let k = da[da.len() - 1];
    let rows: usize = da[..da.len() - 1].iter().product();
    let n = if db.len() == 2 { db[1] } else { 1 };
    let mut out = vec![0.0; rows * n];
    for r in 0..rows {
        for j in 0..n {
            let mut s = 0.0;
            for p in 0..k {
                s += a[r * k + p] * b[p * n + j];
            }
            out[r * n + j] = s;
        }
    }
    out
}

/// `fold` along `axis` of a tensor with sizes `dims`, by explicit indices.
fn reduce_ref(
    x: &[f64],
    dims: &[usize],
    axis: usize,
    init: f64,
    f: impl Fn(f64, f64) -> f64,
) -> Vec<f64> {
    let st = strides(dims);
    let mut out_dims = dims.to_vec();
    out_dims.remove(axis);
    let n: usize = out_dims.iter().product();
    let mut out = Vec::with_capacity(n);
    for flat in 0..n {
        // The output index, then the input index with `axis` inserted.
        let mut rem = flat;
        let mut idx = vec![0; out_dims.len()];
        for k in (0..out_dims.len()).rev() {
            idx[k] = rem % out_dims[k];
            rem /= out_dims[k];
        }
        idx.insert(axis, 0);
        let mut acc = init;
        for j in 0..dims[axis] {
            idx[axis] = j;
            let off: usize = idx.iter().zip(&st).map(|(i, s)| i * s).sum();
            acc = f(acc, x[off]);
        }
        out.push(acc);
    }
    out
}

fn close(got: &[f64], want: &[f64], tol: f64) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let scale = 1.0f64.max(w.abs());
        prop_assert!(
            (g - w).abs() <= tol * scale || (g.is_nan() && w.is_nan()),
            "element {}: got {}, want {}",
            i,
            g,
            w
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- strategies

/// Values of a tensor with `n` elements.
fn values(n: usize) -> impl Strategy<Value = Vec<f64>> {
    vec(-10.0f64..10.0, n)
}

/// A tensor of shape `s` with random values.
fn tensor<S: Shape>(s: S) -> impl Strategy<Value = Tensor<S, f64>> {
    values(s.numel()).prop_map(move |v| Tensor::from_shape_vec(s, v).unwrap())
}

/// A static-shape tensor with random values.
fn static_tensor<S: shaped_core::ConstShape>() -> impl Strategy<Value = Tensor<S, f64>> {
    tensor(S::default())
}

/// For each dim of `d`, the same size or 1 (chosen by the mask bits).
fn stretch(d: &[usize], mask: u8) -> Vec<usize> {
    d.iter()
        .enumerate()
        .map(|(k, &n)| if mask >> k & 1 == 1 { 1 } else { n })
        .collect()
}

/// Every binary op against the reference for one pair of tensors.
fn check_binary<S1, S2>(a: &Tensor<S1, f64>, b: &Tensor<S2, f64>) -> Result<(), TestCaseError>
where
    S1: Shape + shaped_core::BroadcastShape<S2>,
    S2: Shape,
{
    let (da, db) = (a.dims(), b.dims());
    let (da, db) = (da.as_ref(), db.as_ref());
    type Op = fn(f64, f64) -> f64;
    let ops: [(&str, Op); 4] = [
        ("add", |x, y| x + y),
        ("sub", |x, y| x - y),
        ("mul", |x, y| x * y),
        ("div", |x, y| x / y),
    ];
    for (name, f) in ops {
        let got = match name {
            "add" => a.try_add(b),
            "sub" => a.try_sub(b),
            "mul" => a.try_mul(b),
            _ => a.try_div(b),
        };
        let got = got.map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
        let (out, want) = zip_ref(a.as_slice(), da, b.as_slice(), db, f);
        let got_dims = got.dims();
        prop_assert_eq!(got_dims.as_ref(), &out[..], "{} output shape", name);
        close(got.as_slice(), &want, 0.0)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- broadcasting

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn broadcast_static_shapes(
        a in static_tensor::<shape![32, 10]>(),
        b in static_tensor::<shape![10]>(),
        c in static_tensor::<shape![2, 1, 4]>(),
        d in static_tensor::<shape![3, 1]>(),
        s in static_tensor::<shape![]>(),
        col in static_tensor::<shape![3, 1]>(),
        row in static_tensor::<shape![1, 4]>(),
    ) {
        check_binary(&a, &b)?;
        check_binary(&b, &a)?;
        check_binary(&c, &d)?;
        check_binary(&s, &c)?;
        check_binary(&col, &row)?;
        // The typed result of the chapter's (32, 10) + (10,).
        let y: Tensor<shape![32, 10], f64> = &a + &b;
        prop_assert_eq!(y.dims(), [32, 10]);
    }

    /// (m, n) + (n,), (m, n) + (m, 1), (m, 1) + (1, n) and (n,) + (m, n)
    /// with run-time sizes.
    #[test]
    fn broadcast_dyn_dims(
        (a, b, col, row) in (0usize..6, 0usize..6).prop_flat_map(|(m, n)| (
            tensor((Dyn(m), Dyn(n))),
            tensor((Dyn(n),)),
            tensor((Dyn(m), One)),
            tensor((One, Dyn(n))),
        )),
    ) {
        check_binary(&a, &b)?;
        check_binary(&b, &a)?;
        check_binary(&a, &col)?;
        check_binary(&col, &row)?;
        check_binary(&row, &a)?;
    }

    /// Rank 3 against rank 3 or rank 2 where each run-time dim of the right
    /// operand is either the same size or 1 (stretched at run time).
    #[test]
    fn broadcast_dyn_size_one_stretches(
        (a, b, c) in (1usize..5, 1usize..5, 1usize..5, any::<u8>(), any::<u8>())
            .prop_flat_map(|(p, q, r, m1, m2)| {
                let full = [p, q, r];
                let s1 = stretch(&full, m1);
                let s2 = stretch(&full[1..], m2);
                (
                    tensor((Dyn(p), Dyn(q), Dyn(r))),
                    tensor((Dyn(s1[0]), Dyn(s1[1]), Dyn(s1[2]))),
                    tensor((Dyn(s2[0]), Dyn(s2[1]))),
                )
            }),
    ) {
        check_binary(&a, &b)?;
        check_binary(&b, &a)?;
        check_binary(&a, &c)?;
        check_binary(&c, &b)?;
        // A static axis against a run-time one.
        let s = Tensor::<shape![_, 2], f64>::ones_with((Dyn(a.dims()[0]), Sz));
        let t = Tensor::<shape![_, 1], f64>::ones_with((Dyn(3), One));
        check_binary(&s, &t.try_narrow::<0>(0, 1).unwrap())?;
    }

    /// Run-time sizes that differ (and neither is 1) are an error naming both
    /// shapes, never a panic or a wrong result.
    #[test]
    fn broadcast_dyn_mismatch_is_an_error(m in 2usize..8, n in 2usize..8, k in 2usize..8) {
        prop_assume!(n != k);
        let a = Tensor::<shape![_, _], f64>::zeros_with((Dyn(m), Dyn(n)));
        let b = Tensor::<shape![_], f64>::zeros_with((Dyn(k),));
        let e = a.try_add(&b).unwrap_err();
        prop_assert_eq!(
            e.to_string(),
            format!("add: shapes ({m}, {n}) and ({k},) do not broadcast")
        );
        prop_assert!(b.try_mul(&a).is_err());
        // A run-time dim against a static one.
        let s = Tensor::<shape![3], f64>::zeros();
        let d = Tensor::<shape![_], f64>::zeros_with((Dyn(n),));
        prop_assert_eq!(s.try_sub(&d).is_ok(), n == 3);
        prop_assert!(broadcast_ref(&[m, n], &[k]).is_none());
    }
}

// ---------------------------------------------------------------- dot

/// `c = a . b` against the triple loop.
fn check_dot<A: Shape, B: Shape, C: Shape>(
    a: &Tensor<A, f64>,
    b: &Tensor<B, f64>,
    c: &Tensor<C, f64>,
) -> Result<(), TestCaseError> {
    let (da, db) = (a.dims(), b.dims());
    let want = dot_ref(a.as_slice(), da.as_ref(), b.as_slice(), db.as_ref());
    close(c.as_slice(), &want, 1e-12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn dot_vector_vector(
        (a, b) in (0usize..40).prop_flat_map(|k| (tensor((Dyn(k),)), tensor((Dyn(k),)))),
    ) {
        let c: Tensor<shape![], f64> = a.dot(&b);
        check_dot(&a, &b, &c)?;
    }

    #[test]
    fn dot_matrix_vector(
        (a, b) in (0usize..12, 0usize..12)
            .prop_flat_map(|(m, k)| (tensor((Dyn(m), Dyn(k))), tensor((Dyn(k),)))),
    ) {
        let c: Tensor<shape![_], f64> = a.dot(&b);
        prop_assert_eq!(c.dims(), [a.dims()[0]]);
        check_dot(&a, &b, &c)?;
    }

    #[test]
    fn dot_matrix_matrix(
        (a, b) in (0usize..24, 0usize..24, 0usize..24)
            .prop_flat_map(|(m, k, n)| (tensor((Dyn(m), Dyn(k))), tensor((Dyn(k), Dyn(n))))),
    ) {
        let c: Tensor<shape![_, _], f64> = a.dot(&b);
        prop_assert_eq!(c.dims(), [a.dims()[0], b.dims()[1]]);
        check_dot(&a, &b, &c)?;
    }

    #[test]
    fn dot_rank4_vector(
        (a, b) in (1usize..4, 1usize..4, 0usize..4, 0usize..8)
            .prop_flat_map(|(p, q, r, k)| (
                tensor((Dyn(p), Dyn(q), Dyn(r), Dyn(k))),
                tensor((Dyn(k),)),
            )),
    ) {
        let c: Tensor<shape![_, _, _], f64> = a.dot(&b);
        let d = a.dims();
        prop_assert_eq!(c.dims(), [d[0], d[1], d[2]]);
        check_dot(&a, &b, &c)?;
    }

    #[test]
    fn dot_rank4_matrix(
        (a, b) in (1usize..4, 1usize..4, 0usize..4, 0usize..8, 0usize..6)
            .prop_flat_map(|(p, q, r, k, n)| (
                tensor((Dyn(p), Dyn(q), Dyn(r), Dyn(k))),
                tensor((Dyn(k), Dyn(n))),
            )),
    ) {
        let c: Tensor<shape![_, _, _, _], f64> = a.dot(&b);
        let d = a.dims();
        prop_assert_eq!(c.dims(), [d[0], d[1], d[2], b.dims()[1]]);
        check_dot(&a, &b, &c)?;
    }

    /// Static and run-time dims mixed: `(M, _) . (_, N)` with a random K.
    #[test]
    fn dot_static_outer_dyn_inner(
        (a, b) in (0usize..16)
            .prop_flat_map(|k| (tensor((Sz::<3>, Dyn(k))), tensor((Dyn(k), Sz::<5>)))),
    ) {
        let c: Tensor<shape![3, 5], f64> = a.dot(&b);
        check_dot(&a, &b, &c)?;
    }

    /// Inner run-time dims that differ are an error naming both shapes.
    #[test]
    fn dot_dyn_mismatch_is_an_error(
        m in 1usize..6,
        k in 1usize..6,
        k2 in 1usize..6,
        n in 1usize..6,
    ) {
        prop_assume!(k != k2);
        let a = Tensor::<shape![_, _], f64>::zeros_with((Dyn(m), Dyn(k)));
        let b = Tensor::<shape![_, _], f64>::zeros_with((Dyn(k2), Dyn(n)));
        let e = a.try_dot(&b).unwrap_err();
        prop_assert_eq!(
            e.to_string(),
            format!("dot: shapes ({m}, {k}) and ({k2}, {n}) do not fit: inner dims differ")
        );
        let v = Tensor::<shape![_], f64>::zeros_with((Dyn(k2),));
        prop_assert!(a.try_dot(&v).is_err());
    }
}

// ---------------------------------------------------------------- unary ops

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn unary_ops_match_std(
        x in (0usize..50).prop_flat_map(|n| tensor((Dyn(n),))),
        n in -3i32..4,
        p in -2.0f64..2.0,
    ) {
        let v = x.as_slice();
        let want = |f: fn(f64) -> f64| v.iter().map(|&a| f(a)).collect::<Vec<_>>();
        close(x.relu().as_slice(), &want(|a| a.max(0.0)), 0.0)?;
        close(x.exp().as_slice(), &want(f64::exp), 1e-15)?;
        close(x.tanh().as_slice(), &want(f64::tanh), 1e-15)?;
        close(x.abs().as_slice(), &want(f64::abs), 0.0)?;
        close(x.square().as_slice(), &want(|a| a * a), 0.0)?;
        close(x.sigmoid().as_slice(), &want(|a| 1.0 / (1.0 + (-a).exp())), 1e-14)?;
        close((-&x).as_slice(), &want(|a| -a), 0.0)?;
        close(x.clamp(-1.0, 2.0).as_slice(), &want(|a| a.clamp(-1.0, 2.0)), 0.0)?;
        close(x.powi(n).as_slice(), &v.iter().map(|a| a.powi(n)).collect::<Vec<_>>(), 0.0)?;
        // ln, sqrt and real powers on positive inputs.
        let pos = x.abs().map(|a| a + 1e-3);
        let pv = pos.as_slice();
        let want_pos = |f: &dyn Fn(f64) -> f64| pv.iter().map(|&a| f(a)).collect::<Vec<_>>();
        close(pos.ln().as_slice(), &want_pos(&f64::ln), 1e-15)?;
        close(pos.sqrt().as_slice(), &want_pos(&f64::sqrt), 1e-15)?;
        close(pos.powf(p).as_slice(), &want_pos(&|a| a.powf(p)), 1e-15)?;
        // In-place forms agree with the copying ones.
        let mut y = x.clone();
        y.tanh_inplace();
        prop_assert_eq!(y, x.tanh());
        // Scalar arithmetic.
        close((&x * 2.5).as_slice(), &want(|a| a * 2.5), 0.0)?;
        close((1.0 - &x).as_slice(), &want(|a| 1.0 - a), 0.0)?;
    }

    /// sigmoid stays finite and in [0, 1] far from zero, where the naive
    /// formula overflows.
    #[test]
    fn sigmoid_is_stable(x in (0usize..20).prop_flat_map(|n| vec(-1000.0f64..1000.0, n))) {
        let n = x.len();
        let t = Tensor::<shape![_], f64>::from_shape_vec((Dyn(n),), x).unwrap();
        prop_assert!(t.sigmoid().as_slice().iter().all(|s| (0.0..=1.0).contains(s)));
    }
}

// ---------------------------------------------------------------- reductions

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reductions_match_loops(
        x in (1usize..5, 1usize..5, 1usize..5)
            .prop_flat_map(|(p, q, r)| tensor((Dyn(p), Dyn(q), Dyn(r)))),
    ) {
        let (v, d) = (x.as_slice(), x.dims());
        let sum = |a, b| a + b;
        let max = |a: f64, b: f64| a.max(b);
        let min = |a: f64, b: f64| a.min(b);
        close(x.sum::<0>().as_slice(), &reduce_ref(v, &d, 0, 0.0, sum), 1e-12)?;
        close(x.sum::<1>().as_slice(), &reduce_ref(v, &d, 1, 0.0, sum), 1e-12)?;
        close(x.sum::<2>().as_slice(), &reduce_ref(v, &d, 2, 0.0, sum), 1e-12)?;
        let mean1: Vec<f64> =
            reduce_ref(v, &d, 1, 0.0, sum).iter().map(|s| s / d[1] as f64).collect();
        close(x.mean::<1>().as_slice(), &mean1, 1e-12)?;
        close(x.max::<0>().as_slice(), &reduce_ref(v, &d, 0, f64::NEG_INFINITY, max), 0.0)?;
        close(x.max::<2>().as_slice(), &reduce_ref(v, &d, 2, f64::NEG_INFINITY, max), 0.0)?;
        close(x.min::<1>().as_slice(), &reduce_ref(v, &d, 1, f64::INFINITY, min), 0.0)?;
        // keepdim keeps the values and a size-1 axis.
        let k = x.sum_keepdim::<2>();
        prop_assert_eq!(k.dims(), [d[0], d[1], 1]);
        close(k.as_slice(), x.sum::<2>().as_slice(), 0.0)?;
        // Whole-tensor reductions.
        let total: f64 = v.iter().sum();
        close(&[x.sum_all()], &[total], 1e-12)?;
        close(&[x.mean_all()], &[total / v.len() as f64], 1e-12)?;
        close(&[x.max_all()], &[v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)], 0.0)?;
        close(&[x.min_all()], &[v.iter().cloned().fold(f64::INFINITY, f64::min)], 0.0)?;
        // argmax: the first index of the largest entry along the axis.
        let am = x.argmax::<2>();
        for (row, &i) in v.chunks(d[2]).zip(am.as_slice()) {
            let best = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            prop_assert_eq!(i, row.iter().position(|&a| a == best).unwrap());
        }
        // softmax rows sum to 1 and match the definition.
        let sm = x.softmax();
        for (row, out) in v.chunks(d[2]).zip(sm.as_slice().chunks(d[2])) {
            let z: f64 = row.iter().map(|a| a.exp()).sum();
            let want: Vec<f64> = row.iter().map(|a| a.exp() / z).collect();
            close(out, &want, 1e-12)?;
        }
    }
}
