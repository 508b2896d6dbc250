//! Views against copies: for random run-time shapes and bounds, a view's
//! elements (read by `iter`, `get`, `to_owned`, `as_slice` and the
//! in-place sums) equal those of the copying op on `Tensor`, and a plain
//! index computation written here.

use proptest::prelude::*;
use shaped_core::{s, shape, Dyn, Tensor, TensorView};

type T3 = Tensor<(Dyn, Dyn, Dyn), i32>;
type V3<'a> = TensorView<'a, (Dyn, Dyn, Dyn), i32>;

fn tensor(d: [usize; 3]) -> T3 {
    Tensor::from_dims_vec(&d, (0..(d[0] * d[1] * d[2]) as i32).collect()).unwrap()
}

/// The element at `[i, j, k]` of `tensor(d)`, by its definition.
fn at(d: [usize; 3], i: usize, j: usize, k: usize) -> i32 {
    ((i * d[1] + j) * d[2] + k) as i32
}

/// Every check a view must pass against the copy it stands for.
fn same<S: shaped_core::Shape, E: shaped_core::Dtype>(
    v: TensorView<'_, S, E>,
    copy: &Tensor<S, E>,
) {
    assert_eq!(v.dims(), copy.dims());
    let got: Vec<E> = v.iter().collect();
    assert_eq!(got, copy.as_slice());
    assert_eq!(v.iter().len(), copy.numel());
    assert_eq!(&v.to_owned(), copy);
    if let Some(s) = v.as_slice() {
        assert_eq!(s, copy.as_slice());
    }
}

fn dims() -> impl Strategy<Value = [usize; 3]> {
    [0usize..6, 0usize..6, 0usize..6]
}

/// A range within an axis of `n`: a start and a length.
fn range(n: usize) -> impl Strategy<Value = (usize, usize)> {
    (0..=n).prop_flat_map(move |a| (Just(a), 0..=n - a))
}

proptest! {
    #[test]
    fn narrow_views_equal_narrow_copies(
        (d, axis, (start, len)) in dims().prop_flat_map(|d| (0usize..3).prop_flat_map(move |a| (Just(d), Just(a), range(d[a]))))
    ) {
        let x = tensor(d);
        let v: V3 = x.view();
        match axis {
            0 => {
                let w = v.narrow::<0>(start, len);
                same(w, &x.narrow::<0>(start, len));
                // A leading-axis range is one run of the tensor's elements.
                let inner = d[1] * d[2];
                prop_assert_eq!(w.as_slice(), Some(&x.as_slice()[start * inner..(start + len) * inner]));
            }
            1 => same(v.narrow::<1>(start, len), &x.narrow::<1>(start, len)),
            _ => same(v.narrow::<2>(start, len), &x.narrow::<2>(start, len)),
        }
        prop_assert!(v.try_narrow::<0>(start, d[0] + 1).is_err());
        prop_assert!(v.try_narrow::<1>(usize::MAX, 1).is_err());
    }

    #[test]
    fn chained_views_read_the_right_elements(
        d in [1usize..6, 1usize..6, 1usize..6],
        picks in [0usize..100, 0usize..100, 0usize..100, 0usize..100],
    ) {
        let x = tensor(d);
        // A sub-box on every axis, then an index: strided on axes 1 and 2.
        let (a0, a1, a2) = (picks[0] % d[0], picks[1] % d[1], picks[2] % d[2]);
        let (l0, l1, l2) = (d[0] - a0, d[1] - a1, d[2] - a2);
        let b = x.view().narrow::<0>(a0, l0).narrow::<1>(a1, l1).narrow::<2>(a2, l2);
        let copy = x.narrow::<0>(a0, l0).narrow::<1>(a1, l1).narrow::<2>(a2, l2);
        same(b, &copy);
        for i in 0..l0 {
            for j in 0..l1 {
                for k in 0..l2 {
                    prop_assert_eq!(b.get([i, j, k]), Some(at(d, a0 + i, a1 + j, a2 + k)));
                    prop_assert_eq!(b[[i, j, k]], at(d, a0 + i, a1 + j, a2 + k));
                }
            }
        }
        prop_assert_eq!(b.get([l0, 0, 0]), None);
        // Dropping each axis in turn, as numpy's x[i], x[:, j], x[:, :, k].
        let i = picks[3] % l0;
        same(b.at::<0>(i), &copy.at::<0>(i));
        let j = picks[3] % l1;
        same(b.at::<1>(j), &copy.at::<1>(j));
        let k = picks[3] % l2;
        same(b.at::<2>(k), &copy.at::<2>(k));
        same(b.at::<0>(i).at::<0>(j), &copy.at::<0>(i).at::<0>(j));
        same(b.at::<2>(k).at::<1>(j), &copy.at::<2>(k).at::<1>(j));
        prop_assert!(b.try_at::<1>(l1).is_err());
        // In-place sums equal the copy's.
        let f = Tensor::<(Dyn, Dyn, Dyn), f64>::from_dims_vec(&d, x.as_slice().iter().map(|&v| v as f64).collect()).unwrap();
        let fb = f.view().narrow::<0>(a0, l0).narrow::<1>(a1, l1).narrow::<2>(a2, l2);
        let fc = f.narrow::<0>(a0, l0).narrow::<1>(a1, l1).narrow::<2>(a2, l2);
        prop_assert_eq!(fb.sum_all(), fc.sum_all());
        prop_assert_eq!(fb.at::<2>(k).sum_all(), fc.at::<2>(k).sum_all());
    }

    #[test]
    fn clamped_views_equal_clamped_copies(d in dims(), lo in 0usize..9, hi in 0usize..9) {
        let x = tensor(d);
        same(x.view().clamped::<0>(lo, hi), &x.clamped::<0>(lo, hi));
        same(x.view().clamped::<2>(lo, hi), &x.clamped::<2>(lo, hi));
    }

    #[test]
    fn reshaped_views_equal_reshaped_copies(d in dims(), start in 0usize..6) {
        let x = tensor(d);
        let start = start.min(d[0]);
        let rows = x.view().narrow::<0>(start, d[0] - start);
        let flat = rows.try_reshape::<(Dyn,)>().unwrap();
        same(flat, &x.narrow::<0>(start, d[0] - start).try_reshape::<(Dyn,)>().unwrap());
        let by_ref = x.try_reshape_ref::<(Dyn, Dyn)>();
        // Two run-time dims cannot be inferred: the same error as the copy's.
        prop_assert_eq!(by_ref.unwrap_err().to_string(), x.clone().try_reshape::<(Dyn, Dyn)>().unwrap_err().to_string());
        // A strided view is refused, not silently copied.
        if d[2] > 1 && d[0] * d[1] > 1 {
            prop_assert!(x.view().narrow::<2>(1, d[2] - 1).try_reshape::<(Dyn,)>().is_err());
        }
    }
}

#[test]
fn static_slices_of_views_equal_the_copies() {
    let x = Tensor::<shape![_, 28, 28], u8>::from_dims_vec(
        &[5, 28, 28],
        (0..5 * 784).map(|i| (i % 251) as u8).collect(),
    )
    .unwrap();
    let v = x.view();
    same(s!(v[.., 7..-7, 7..-7]), &s!(x[.., 7..-7, 7..-7]));
    same(s!(v[.., 14.., 14..]), &s!(x[.., 14.., 14..]));
    same(s!(v[1..3, -3.., ..5]), &s!(x[1..3, -3.., ..5]));
    same(s!(v[4]), &s!(x[4]));
    same(s!(v[4, 10]), &s!(x[4, 10]));
    same(s!(v[.., 3]), &s!(x[.., 3]));
    same(
        v.slice_from_end::<2, 4, 1>(),
        &x.slice_from_end::<2, 4, 1>(),
    );
    let digit: TensorView<shape![784], u8> = v.at::<0>(2).reshape();
    assert_eq!(digit.as_slice(), Some(&x.as_slice()[2 * 784..3 * 784]));
    let flat: TensorView<shape![_, 784], u8> = x.reshape_ref();
    assert_eq!(flat.as_slice(), Some(x.as_slice()));
}

#[test]
fn views_of_inline_tensors() {
    let m = shaped_core::InlineTensor::<shape![2, 3], i32>::new([[1, 2, 3], [4, 5, 6]]);
    let col = m.view().at::<1>(1);
    assert_eq!(col.iter().collect::<Vec<_>>(), vec![2, 5]);
}
