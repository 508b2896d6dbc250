//! Every differentiable op of `shaped_core::autodiff` against central finite
//! differences (see `autodiff::gradcheck` for the step and tolerances), plus
//! the typing and bookkeeping of gradients.

use rand::{rngs::StdRng, SeedableRng};
use shaped_core::autodiff::gradcheck::{
    gradcheck1, gradcheck2, gradcheck3, project, random_input, random_positive_input, GradCheck,
};
use shaped_core::autodiff::{sum_to, Tape, Var};
use shaped_core::{shape, BroadcastShape, ConstShape, Dyn, One, Sz, Tensor};

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A kink-free random input of a static shape.
fn input<S: ConstShape>(seed: u64) -> Tensor<S, f64> {
    random_input(S::default(), &mut rng(seed))
}

/// A positive kink-free random input of a static shape.
fn positive<S: ConstShape>(seed: u64) -> Tensor<S, f64> {
    random_positive_input(S::default(), &mut rng(seed))
}

// ---------------------------------------------------------------- unary ops

macro_rules! unary_tests {
    ($($name:ident: $input:ident, |$x:ident| $body:expr;)*) => {$(
        #[test]
        fn $name() {
            let x = $input::<shape![3, 4]>(1);
            let r = gradcheck1(&x, |$x| project(&$body)).unwrap();
            assert_eq!(r.checked, 12);
        }
    )*};
}

unary_tests! {
    relu_gradient: input, |x| x.relu();
    exp_gradient: input, |x| x.exp();
    ln_gradient: positive, |x| x.ln();
    sqrt_gradient: positive, |x| x.sqrt();
    powi_gradient: input, |x| x.powi(3);
    powi_negative_gradient: positive, |x| x.powi(-2);
    powf_gradient: positive, |x| x.powf(1.7);
    sigmoid_gradient: input, |x| x.sigmoid();
    tanh_gradient: input, |x| x.tanh();
    abs_gradient: input, |x| x.abs();
    square_gradient: input, |x| x.square();
    neg_gradient: input, |x| -x;
    clamp_gradient: input, |x| x.clamp(-1.0, 1.0);
    add_scalar_gradient: input, |x| x + 2.0;
    scalar_add_gradient: input, |x| 2.0 + x;
    sub_scalar_gradient: input, |x| x - 2.0;
    scalar_sub_gradient: input, |x| 2.0 - x;
    mul_scalar_gradient: input, |x| x * 3.0;
    scalar_mul_gradient: input, |x| 3.0 * x;
    div_scalar_gradient: input, |x| x / 4.0;
    scalar_div_gradient: input, |x| 4.0 / x;
}

// ------------------------------------------------------ broadcasting binary

/// Checks `+ - * / maximum minimum` between `a` and `b`, both ways round.
fn check_binary<S1, S2>(a: &Tensor<S1, f64>, b: &Tensor<S2, f64>)
where
    S1: BroadcastShape<S2>,
    S2: BroadcastShape<S1>,
{
    gradcheck2(a, b, |a, b| project(&(a + b))).expect("add");
    gradcheck2(a, b, |a, b| project(&(a - b))).expect("sub");
    gradcheck2(a, b, |a, b| project(&(a * b))).expect("mul");
    gradcheck2(a, b, |a, b| project(&(a / b))).expect("div");
    gradcheck2(a, b, |a, b| project(&a.maximum(b))).expect("maximum");
    gradcheck2(a, b, |a, b| project(&a.minimum(b))).expect("minimum");
    gradcheck2(a, b, |a, b| project(&(b + a))).expect("add, reversed");
    gradcheck2(a, b, |a, b| project(&(b - a))).expect("sub, reversed");
    gradcheck2(a, b, |a, b| project(&(b / a))).expect("div, reversed");
}

#[test]
fn binary_same_shape_gradient() {
    check_binary(&input::<shape![3, 4]>(1), &input::<shape![3, 4]>(2));
}

#[test]
fn broadcast_matrix_with_row_vector_gradient() {
    // (32, 10) + (10,): the bias pattern.
    check_binary(&input::<shape![32, 10]>(3), &input::<shape![10]>(4));
}

#[test]
fn broadcast_rank3_with_matrix_gradient() {
    // (2, 3, 4) + (3, 4): an added leading axis.
    check_binary(&input::<shape![2, 3, 4]>(5), &input::<shape![3, 4]>(6));
}

#[test]
fn broadcast_column_with_row_of_ones_gradient() {
    // (3, 1) + (1, 4): both operands stretch along a `One` axis.
    check_binary(&input::<shape![3, 1]>(7), &input::<shape![1, 4]>(8));
}

#[test]
fn broadcast_rank3_with_one_axes_gradient() {
    // (2, 1, 4) + (3, 1): stretched and added axes at once.
    check_binary(&input::<shape![2, 1, 4]>(9), &input::<shape![3, 1]>(10));
}

#[test]
fn broadcast_scalar_with_matrix_gradient() {
    // () + (3, 4): the scalar's gradient is the sum of everything.
    check_binary(&input::<shape![]>(11), &input::<shape![3, 4]>(12));
}

#[test]
fn broadcast_dyn_batch_with_static_gradient() {
    // (_, 10) + (10,) with a batch only known at run time.
    let a: Tensor<shape![_, 10], f64> = random_input((Dyn(5), Sz), &mut rng(13));
    check_binary(&a, &input::<shape![10]>(14));
    let col: Tensor<shape![_, 1], f64> = random_input((Dyn(5), One), &mut rng(15));
    check_binary(&a, &col);
}

#[test]
fn select_gradient() {
    let (a, b) = (input::<shape![3, 4]>(16), input::<shape![3, 4]>(17));
    let mask = a.gt_scalar(0.0);
    gradcheck2(&a, &b, |a, b| project(&a.select(&mask, b))).unwrap();
    // relu written with select.
    gradcheck1(&a, |a| project(&a.select(&mask, &(a * 0.0)))).unwrap();
}

// ---------------------------------------------------------------------- dot

#[test]
fn dot_vector_vector_gradient() {
    let r = gradcheck2(&input::<shape![5]>(1), &input::<shape![5]>(2), |a, b| {
        a.dot(b)
    })
    .unwrap();
    assert_eq!(r.checked, 10);
}

#[test]
fn dot_matrix_vector_gradient() {
    gradcheck2(&input::<shape![3, 5]>(1), &input::<shape![5]>(2), |a, b| {
        project(&a.dot(b))
    })
    .unwrap();
}

#[test]
fn dot_matrix_matrix_gradient() {
    gradcheck2(
        &input::<shape![3, 5]>(1),
        &input::<shape![5, 4]>(2),
        |a, b| project(&a.dot(b)),
    )
    .unwrap();
}

#[test]
fn dot_rank4_vector_gradient() {
    gradcheck2(
        &input::<shape![2, 3, 4, 5]>(1),
        &input::<shape![5]>(2),
        |a, b| project(&a.dot(b)),
    )
    .unwrap();
}

#[test]
fn dot_rank4_matrix_gradient() {
    gradcheck2(
        &input::<shape![2, 3, 4, 5]>(1),
        &input::<shape![5, 6]>(2),
        |a, b| project(&a.dot(b)),
    )
    .unwrap();
}

#[test]
fn dot_dyn_batch_gradient() {
    let x: Tensor<shape![_, 6], f64> = random_input((Dyn(7), Sz), &mut rng(1));
    gradcheck2(&x, &input::<shape![6, 3]>(2), |a, b| project(&a.dot(b))).unwrap();
}

#[test]
fn dot_with_itself_gradient() {
    // x . x and xᵀ x: both operands are the same node.
    gradcheck1(&input::<shape![5]>(1), |x| x.dot(x)).unwrap();
    gradcheck1(&input::<shape![3, 3]>(2), |x| project(&x.t().dot(x))).unwrap();
}

// ------------------------------------------------------- reshape and axes

#[test]
fn reshape_gradient() {
    let x = input::<shape![2, 3, 4]>(1);
    gradcheck1(&x, |x| project(&x.reshape::<shape![6, 4]>().exp())).unwrap();
    gradcheck1(&x, |x| {
        project(&x.try_reshape::<shape![_, 4]>().unwrap().exp())
    })
    .unwrap();
    gradcheck1(&x, |x| {
        project(&x.try_reshape_with((Dyn(4), Dyn(6))).unwrap().square())
    })
    .unwrap();
    gradcheck1(&x, |x| project(&x.flatten().tanh())).unwrap();
}

#[test]
fn transpose_gradient() {
    // A transpose followed by a broadcast: a wrong unpermute would misplace
    // the gradient.
    let (x, v) = (input::<shape![3, 4]>(1), input::<shape![3]>(2));
    gradcheck2(&x, &v, |x, v| project(&(&x.t() * v))).unwrap();
}

#[test]
fn swap_axes_gradient() {
    let x = input::<shape![2, 3, 4]>(1);
    gradcheck1(&x, |x| project(&x.swap_axes::<0, 2>().square())).unwrap();
    gradcheck1(&x, |x| project(&x.swap_axes::<1, 2>().square())).unwrap();
}

#[test]
fn permute_gradient() {
    let x = input::<shape![2, 3, 4]>(1);
    gradcheck1(&x, |x| project(&x.permute3::<2, 0, 1>().square())).unwrap();
    let y = input::<shape![2, 3, 4, 5]>(2);
    gradcheck1(&y, |y| project(&y.permute4::<3, 1, 0, 2>().square())).unwrap();
    gradcheck1(&input::<shape![3, 4]>(3), |x| {
        project(&x.permute2::<1, 0>().square())
    })
    .unwrap();
}

#[test]
fn insert_and_remove_axis_gradient() {
    let (v, w) = (input::<shape![3]>(1), input::<shape![4]>(2));
    // An outer product by inserting axes and broadcasting.
    gradcheck2(&v, &w, |v, w| {
        project(&(&v.insert_axis::<1>() * &w.insert_axis::<0>()))
    })
    .unwrap();
    gradcheck1(&input::<shape![3, 1, 4]>(3), |x| {
        project(&x.remove_axis::<1>().square())
    })
    .unwrap();
}

// -------------------------------------------------------------- reductions

macro_rules! reduction_tests {
    ($($name:ident: $op:ident, $keep:ident;)*) => {$(
        #[test]
        fn $name() {
            let x = input::<shape![2, 3, 4]>(1);
            // Each axis, then the same with the axis kept as `One`.
            gradcheck1(&x, |x| project(&x.$op::<0>())).expect("axis 0");
            gradcheck1(&x, |x| project(&x.$op::<1>())).expect("axis 1");
            gradcheck1(&x, |x| project(&x.$op::<2>())).expect("axis 2");
            gradcheck1(&x, |x| project(&x.$keep::<0>())).expect("axis 0, keepdim");
            gradcheck1(&x, |x| project(&x.$keep::<1>())).expect("axis 1, keepdim");
            gradcheck1(&x, |x| project(&x.$keep::<2>())).expect("axis 2, keepdim");
            // keepdim broadcasts back: x - reduce(x) along an axis.
            gradcheck1(&x, |x| project(&(x - &x.$keep::<1>()))).expect("broadcast back");
        }
    )*};
}

reduction_tests! {
    sum_gradient: sum, sum_keepdim;
    mean_gradient: mean, mean_keepdim;
    max_gradient: max, max_keepdim;
    min_gradient: min, min_keepdim;
}

#[test]
fn reductions_have_the_typed_shapes() {
    let tape = Tape::<f64>::new();
    let x = tape.var(input::<shape![2, 3, 4]>(1));
    let _: Var<shape![3, 4], f64> = x.sum::<0>();
    let _: Var<shape![2, 4], f64> = x.mean::<1>();
    let _: Var<shape![2, 3], f64> = x.max::<2>();
    let _: Var<shape![2, 1, 4], f64> = x.min_keepdim::<1>();
    let _: Var<shape![], f64> = x.sum_all();
}

#[test]
fn whole_tensor_reductions_gradient() {
    let x = input::<shape![2, 3, 4]>(1);
    gradcheck1(&x, |x| x.sum_all()).expect("sum_all");
    gradcheck1(&x, |x| x.mean_all()).expect("mean_all");
    gradcheck1(&x, |x| x.max_all()).expect("max_all");
    gradcheck1(&x, |x| x.min_all()).expect("min_all");
}

// ----------------------------------------------------------------- softmax

#[test]
fn softmax_gradient() {
    gradcheck1(&input::<shape![3, 5]>(1), |x| project(&x.softmax())).unwrap();
    gradcheck1(&input::<shape![2, 3, 4]>(2), |x| project(&x.softmax())).unwrap();
    gradcheck1(&input::<shape![6]>(3), |x| project(&x.softmax())).unwrap();
}

#[test]
fn log_softmax_gradient() {
    gradcheck1(&input::<shape![3, 5]>(1), |x| project(&x.log_softmax())).unwrap();
    gradcheck1(&input::<shape![2, 3, 4]>(2), |x| project(&x.log_softmax())).unwrap();
}

#[test]
fn cross_entropy_gradient() {
    // -mean(Σ onehot * log_softmax(logits)): the gradient is (p - onehot) / n.
    let onehot = Tensor::<shape![3, 4], f64>::from_array([
        [0., 1., 0., 0.],
        [1., 0., 0., 0.],
        [0., 0., 0., 1.],
    ]);
    let logits = input::<shape![3, 4]>(1);
    gradcheck1(&logits, |z| {
        let y = z.tape().constant(onehot.clone());
        -(&z.log_softmax() * &y).sum::<1>().mean_all()
    })
    .unwrap();
    let tape = Tape::<f64>::new();
    let z = tape.var(logits.clone());
    let y = tape.constant(onehot.clone());
    let loss = -(&z.log_softmax() * &y).sum::<1>().mean_all();
    let g = loss.backward().get(&z).unwrap();
    let want = (&logits.softmax() - &onehot) / 3.0;
    for (a, b) in g.as_slice().iter().zip(want.as_slice()) {
        assert!((a - b).abs() < 1e-12);
    }
}

// ----------------------------------------------------------------- slicing

#[test]
fn static_slice_gradient() {
    let x = input::<shape![4, 5]>(1);
    // x[:, 1:-1]
    gradcheck1(&x, |x| project(&x.slice_trim::<1, 1, 1>().square())).unwrap();
    // x[-2:]
    gradcheck1(&x, |x| project(&x.slice_from_end::<0, 2, 0>().square())).unwrap();
    // x[1:3], x[:, 2:]
    gradcheck1(&x, |x| project(&x.slice::<0, 1, 3>().square())).unwrap();
    gradcheck1(&x, |x| project(&x.slice_from::<1, 2>().square())).unwrap();
    // The crop pattern on a rank-3 tensor with a run-time batch.
    let img: Tensor<shape![_, 6, 6], f64> = random_input((Dyn(2), Sz, Sz), &mut rng(2));
    gradcheck1(&img, |x| {
        project(&x.slice_trim::<1, 1, 1>().slice_trim::<2, 1, 1>().square())
    })
    .unwrap();
    // A static range on the run-time axis.
    gradcheck1(&img, |x| project(&x.slice::<0, 1, 2>().square())).unwrap();
}

#[test]
fn at_gradient() {
    let x = input::<shape![3, 4, 2]>(3);
    gradcheck1(&x, |x| project(&x.at::<0>(1).square())).unwrap();
    gradcheck1(&x, |x| project(&x.at::<1>(2).square())).unwrap();
    gradcheck1(&x, |x| project(&x.at::<2>(0).at::<0>(2).square())).unwrap();
    // The same entry picked twice accumulates.
    gradcheck1(&x, |x| project(&(&x.at::<0>(1) * &x.at::<0>(1)))).unwrap();
}

#[test]
fn concat_gradient() {
    let a = input::<shape![2, 3]>(4);
    let b = input::<shape![2, 4]>(5);
    gradcheck2(&a, &b, |a, b| project(&a.concat::<1, _>(b).square())).unwrap();
    let c = input::<shape![3, 3]>(6);
    gradcheck2(&a, &c, |a, c| project(&a.concat::<0, _>(c).square())).unwrap();
    // A tensor joined to itself gets both gradients.
    gradcheck1(&a, |a| project(&a.concat::<0, _>(a).square())).unwrap();
}

#[test]
fn stack_gradient() {
    let a = input::<shape![2, 3]>(4);
    let b = input::<shape![2, 3]>(5);
    for_each_axis_stack(&a, &b);
    // A variable stacked with itself gets every gradient that is its.
    gradcheck1(&a, |a| project(&Var::stack::<1, 3>([a, a, a]).tanh())).unwrap();
}

fn for_each_axis_stack(a: &Tensor<shape![2, 3], f64>, b: &Tensor<shape![2, 3], f64>) {
    gradcheck2(a, b, |a, b| project(&Var::stack::<0, 2>([a, b]).square())).unwrap();
    gradcheck2(a, b, |a, b| {
        project(&Var::stack::<1, 3>([a, b, a]).square())
    })
    .unwrap();
    gradcheck2(a, b, |a, b| project(&Var::stack::<2, 2>([b, a]).tanh())).unwrap();
}

#[test]
fn flatten_samples_gradient() {
    let x: Tensor<shape![_, 3, 2], f64> = random_input((Dyn(2), Sz, Sz), &mut rng(7));
    gradcheck1(&x, |x| project(&x.flatten_samples().tanh())).unwrap();
}

#[test]
fn narrow_gradient() {
    let x = input::<shape![3, 6]>(1);
    gradcheck1(&x, |x| project(&x.narrow::<1>(2, 3).square())).unwrap();
    gradcheck1(&x, |x| project(&x.narrow::<0>(1, 2).square())).unwrap();
    // Two overlapping windows of one tensor accumulate.
    gradcheck1(&x, |x| {
        project(&(&x.narrow::<1>(0, 4) * &x.narrow::<1>(2, 4)))
    })
    .unwrap();
}

#[test]
fn gather_rows_with_repeated_index_gradient() {
    let x = input::<shape![4, 3]>(1);
    gradcheck1(&x, |x| project(&x.gather_rows(&[2, 0, 2, 3, 2]).square())).unwrap();
    let tape = Tape::<f64>::new();
    let v = tape.var(x.clone());
    let grads = v.gather_rows(&[1, 1, 1]).sum_all().backward();
    let g = grads.get(&v).unwrap();
    assert_eq!(
        g.as_slice(),
        &[0., 0., 0., 3., 3., 3., 0., 0., 0., 0., 0., 0.]
    );
}

// -------------------------------------------------------------- composites

#[test]
fn composite_loss_using_a_tensor_twice() {
    // x feeds both a two-layer path and a skip connection; w1 is used in
    // the dot and in an L2 penalty.
    let x = input::<shape![4, 3]>(1);
    let w1 = input::<shape![3, 5]>(2);
    let w2 = input::<shape![5, 3]>(3);
    let r = gradcheck3(&x, &w1, &w2, |x, w1, w2| {
        let h = x.dot(w1).tanh();
        let out = &h.dot(w2) + x;
        let penalty = w1.square().sum_all() * 0.01;
        &out.log_softmax().mean_all() + &penalty
    })
    .unwrap();
    assert_eq!(r.checked, 12 + 15 + 15);
}

#[test]
fn composite_mlp_with_relu_and_bias() {
    let x: Tensor<shape![_, 4], f64> = random_input((Dyn(6), Sz), &mut rng(1));
    let w = input::<shape![4, 3]>(2);
    let b = input::<shape![3]>(3);
    gradcheck3(&x, &w, &b, |x, w, b| {
        let z = (&x.dot(w) + b).relu();
        (&z * &z).mean::<0>().sum_all()
    })
    .unwrap();
}

#[test]
fn gradient_of_a_tensor_used_twice_accumulates() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::<shape![3], f64>::from_array([1., 2., 3.]));
    let grads = (&x + &x).sum_all().backward();
    assert_eq!(grads.get(&x).unwrap().as_slice(), &[2., 2., 2.]);
    let grads = (&(&x * &x) + &x.exp()).sum_all().backward();
    let g = grads.get(&x).unwrap();
    for (k, v) in [1.0f64, 2., 3.].iter().enumerate() {
        assert!((g.as_slice()[k] - (2.0 * v + v.exp())).abs() < 1e-12);
    }
}

// ---------------------------------------------------- typing and bookkeeping

#[test]
fn gradient_has_the_input_type() {
    let tape = Tape::<f64>::new();
    let x = tape.var(random_input::<shape![_, 784]>((Dyn(3), Sz), &mut rng(1)));
    let w = tape.var(input::<shape![784, 10]>(2));
    let loss = x.dot(&w).log_softmax().mean_all();
    let grads = loss.backward();
    let g: Tensor<shape![_, 784], f64> = grads.get(&x).unwrap();
    assert_eq!(g.dims(), [3, 784]);
    let gw: Tensor<shape![784, 10], f64> = grads.get(&w).unwrap();
    assert_eq!(gw.dims(), [784, 10]);
}

#[test]
fn constants_and_unused_vars_get_no_gradient() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    let c = tape.constant(Tensor::<shape![2], f64>::from_array([3., 4.]));
    let unused = tape.var(Tensor::<shape![2], f64>::ones());
    let only_constants = &c * &c;
    assert!(!only_constants.requires_grad());
    let loss = (&x * &c).sum_all();
    assert!(loss.requires_grad());
    let mut grads = loss.backward();
    assert!(grads.get(&c).is_none());
    assert!(grads.get(&unused).is_none());
    assert_eq!(grads.get_slice(&x), Some(&[3., 4.][..]));
    assert_eq!(grads.take(&x).unwrap().as_slice(), &[3., 4.]);
    assert!(grads.take(&x).is_none());
    // A loss of constants only has no gradients at all.
    assert!(only_constants.sum_all().backward().get(&c).is_none());
}

#[test]
fn intermediate_values_have_gradients_too() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    let h = x.square();
    let loss = (&h * 3.0).sum_all();
    let grads = loss.backward();
    assert_eq!(grads.get(&h).unwrap().as_slice(), &[3., 3.]);
    assert_eq!(grads.get(&x).unwrap().as_slice(), &[6., 12.]);
}

#[test]
fn backward_can_run_twice_and_from_a_tensor_seed() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    let y = x.square();
    let s = y.sum_all();
    let a = s.backward().get(&x).unwrap();
    let b = s.backward().get(&x).unwrap();
    assert_eq!(a, b);
    let c = y
        .backward_with(&Tensor::from_array([1., 0.]))
        .get(&x)
        .unwrap();
    assert_eq!(c.as_slice(), &[2., 0.]);
}

#[test]
fn default_dtype_is_f32() {
    let tape = Tape::new();
    let w = tape.var(Tensor::<shape![2, 2]>::ones());
    let x = tape.constant(Tensor::<shape![2]>::from_array([1., 2.]));
    let loss = w.dot(&x).relu().sum_all();
    let g: Tensor<shape![2, 2]> = loss.backward().get(&w).unwrap();
    assert_eq!(g.as_slice(), &[1f32, 2., 1., 2.]);
    assert_eq!(loss.item(), 6.0);
}

#[test]
fn sum_to_reverses_broadcasting() {
    let g = Tensor::<shape![2, 3, 4], f64>::ones();
    let b: Tensor<shape![3, 1], f64> = sum_to(&g, Default::default());
    assert_eq!(b.as_slice(), &[8., 8., 8.]);
    let s: Tensor<shape![], f64> = sum_to(&g, ());
    assert_eq!(s.item(), 24.0);
}

#[test]
fn dyn_mismatch_is_an_error_naming_both_shapes() {
    let tape = Tape::<f64>::new();
    let a = tape.var(Tensor::<shape![_, 3], f64>::zeros_with((Dyn(2), Sz)));
    let b = tape.var(Tensor::<shape![_, 3], f64>::zeros_with((Dyn(5), Sz)));
    let e = a.try_add(&b).unwrap_err();
    assert_eq!(
        e.to_string(),
        "add: shapes (2, 3) and (5, 3) do not broadcast"
    );
    let w = tape.var(Tensor::<shape![_, 4], f64>::zeros_with((Dyn(2), Sz)));
    assert!(a.try_dot(&w).is_err());
    assert!(a.try_narrow::<0>(1, 2).is_err());
    assert!(a.try_gather_rows(&[2]).is_err());
}

#[test]
#[should_panic(expected = "different tapes")]
fn ops_across_tapes_panic() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let a = t1.var(Tensor::<shape![2], f64>::ones());
    let b = t2.var(Tensor::<shape![2], f64>::ones());
    let _ = &a + &b;
}

#[test]
fn gradcheck_catches_a_wrong_gradient() {
    // d/dx Σ x * stop_gradient(x) is x by the backward pass, but 2x by finite
    // differences: the harness must report it.
    let x = input::<shape![3]>(1);
    let err = gradcheck1(&x, |x| (x * &x.detach()).sum_all()).unwrap_err();
    assert_eq!(err.input, 0);
    assert!((err.numeric - 2.0 * err.analytic).abs() < 1e-6);
    assert!(err
        .to_string()
        .starts_with("gradient check failed at input 0 element 0"));
    // A custom step and tolerances.
    let loose = GradCheck {
        eps: 1e-5,
        atol: 1e-5,
        rtol: 1e-5,
        ..GradCheck::default()
    };
    loose.check1(&x, |x| project(&x.tanh())).unwrap();
}

#[test]
fn random_inputs_avoid_kinks() {
    let n = 500;
    let x = random_input::<shape![_]>((Dyn(n),), &mut rng(1));
    let mut v = x.as_slice().to_vec();
    assert!(v.iter().all(|x| x.abs() >= 0.25 && x.abs() <= 2.0));
    v.sort_by(f64::total_cmp);
    let min_gap = v
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    assert!(min_gap >= 0.7 / n as f64 - 1e-12, "{min_gap}");
    assert!(random_positive_input::<shape![_]>((Dyn(50),), &mut rng(2))
        .as_slice()
        .iter()
        .all(|&x| x >= 0.25));
}
