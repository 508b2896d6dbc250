//! NaN is never hidden: `maximum`, `minimum`, `clamp` and `relu` give NaN
//! for a NaN input as numpy does (and `argmax` points at the first NaN), as tensor ops, in place and through the
//! autodiff tape, and the gradient goes to the operand the value came from.

use shaped_core::autodiff::Tape;
use shaped_core::{shape, Tensor};

const N: f64 = f64::NAN;

/// Equal, with NaN equal to NaN.
fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

#[test]
fn maximum_and_minimum_propagate_nan_as_numpy() {
    // numpy: np.maximum([nan, -1, 2, nan], [0, nan, 1, 5]) = [nan, nan, 2, nan]
    let a = Tensor::<shape![4], f64>::from_array([N, -1., 2., N]);
    let b = Tensor::<shape![4], f64>::from_array([0., N, 1., 5.]);
    assert!(same(a.maximum(&b).as_slice(), &[N, N, 2., N]));
    assert!(same(a.minimum(&b).as_slice(), &[N, N, 1., N]));
    // Broadcast against a NaN scalar.
    let s = Tensor::<shape![], f64>::scalar(N);
    assert!(same(b.maximum(&s).as_slice(), &[N; 4]));
    let f = Tensor::<shape![2]>::from_array([f32::NAN, 1.0]).maximum(&Tensor::scalar(0.0f32));
    assert!(f.as_slice()[0].is_nan() && f.as_slice()[1] == 1.0);
}

#[test]
fn argmax_points_at_the_first_nan_as_numpy() {
    // numpy: np.argmax([[1, nan, 3, nan], [4, 2, 9, 9]], axis=1) = [1, 2]
    let x = Tensor::<shape![2, 4], f64>::from_array([[1., N, 3., N], [4., 2., 9., 9.]]);
    assert_eq!(x.argmax::<1>().as_slice(), &[1, 2]);
    // axis=0: [1, 0, 1, 0] (a NaN in row 0 beats row 1's number)
    assert_eq!(x.argmax::<0>().as_slice(), &[1, 0, 1, 0]);
    // np.argmax of the flat array: 1
    assert_eq!(x.argmax_all(), 1);
    let last = Tensor::<shape![3]>::from_array([0.5, 0.9, f32::NAN]);
    assert_eq!(last.argmax_all(), 2);
}

#[test]
fn relu_and_clamp_keep_nan() {
    let x = Tensor::<shape![5], f64>::from_array([N, -2., 0., 3., f64::INFINITY]);
    assert!(same(x.relu().as_slice(), &[N, 0., 0., 3., f64::INFINITY]));
    let mut y = x.clone();
    y.relu_inplace();
    assert!(same(y.as_slice(), &[N, 0., 0., 3., f64::INFINITY]));
    // numpy: np.clip([nan, -2, 0, 3, inf], 0, 1) = [nan, 0, 0, 1, 1]
    assert!(same(x.clamp(0., 1.).as_slice(), &[N, 0., 0., 1., 1.]));
    // A NaN bound makes every element NaN, as in numpy.
    assert!(same(x.clamp(N, 1.).as_slice(), &[N; 5]));
    assert!(shaped_core::Float::relu(f32::NAN).is_nan());
}

#[test]
fn autodiff_ops_keep_nan_and_route_gradients_to_the_chosen_operand() {
    let tape = Tape::<f64>::new();
    let a = tape.var(Tensor::<shape![4], f64>::from_array([N, -1., 2., 3.]));
    let b = tape.var(Tensor::<shape![4], f64>::from_array([0., N, 1., 5.]));
    let m = a.maximum(&b);
    assert!(same(m.value().as_slice(), &[N, N, 2., 5.]));
    let g = m.sum_all().backward();
    // The NaN in `a` at 0 is what maximum returned: its gradient is a's;
    // at 1 the NaN came from b.
    assert_eq!(g.get(&a).unwrap().as_slice(), &[1., 0., 1., 0.]);
    assert_eq!(g.get(&b).unwrap().as_slice(), &[0., 1., 0., 1.]);

    let tape = Tape::<f64>::new();
    let a = tape.var(Tensor::<shape![4], f64>::from_array([N, -1., 2., 3.]));
    let b = tape.var(Tensor::<shape![4], f64>::from_array([0., N, 1., 5.]));
    let m = a.minimum(&b);
    assert!(same(m.value().as_slice(), &[N, N, 1., 3.]));
    let g = m.sum_all().backward();
    assert_eq!(g.get(&a).unwrap().as_slice(), &[1., 0., 0., 1.]);
    assert_eq!(g.get(&b).unwrap().as_slice(), &[0., 1., 1., 0.]);

    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::<shape![3], f64>::from_array([N, -1., 0.5]));
    assert!(same(x.relu().value().as_slice(), &[N, 0., 0.5]));
    assert!(same(x.clamp(0., 0.25).value().as_slice(), &[N, 0., 0.25]));
    // The loss of a NaN input is NaN: it shows, it does not vanish.
    assert!(x.relu().sum_all().value().item().is_nan());
}
