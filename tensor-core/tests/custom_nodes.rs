//! Custom tape nodes: a user kernel recorded as one node, and the fused
//! softmax + crossentropy node, against finite differences and against the
//! same function written from plain ops.

use rand::{rngs::StdRng, SeedableRng};
use shaped_core::autodiff::gradcheck::{gradcheck1, gradcheck2, project, random_input};
use shaped_core::autodiff::{CustomOp1, CustomOp2, Tape};
use shaped_core::{shape, Tensor};

/// `x * y` element-wise, in one kernel.
struct Mul;
impl CustomOp2<f64> for Mul {
    fn name(&self) -> &'static str {
        "mul"
    }
    fn forward(&self, a: &[f64], b: &[f64], out: &mut [f64]) {
        for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
            *o = a * b;
        }
    }
    fn backward(
        &self,
        a: &[f64],
        b: &[f64],
        _: &[f64],
        gy: &[f64],
        ga: Option<&mut [f64]>,
        gb: Option<&mut [f64]>,
    ) {
        if let Some(ga) = ga {
            ga.iter_mut()
                .zip(b)
                .zip(gy)
                .for_each(|((g, &b), &gy)| *g += b * gy);
        }
        if let Some(gb) = gb {
            gb.iter_mut()
                .zip(a)
                .zip(gy)
                .for_each(|((g, &a), &gy)| *g += a * gy);
        }
    }
}

/// Row sums of a (2, 3) matrix: an output of another shape.
struct RowSum;
impl CustomOp1<f64> for RowSum {
    fn name(&self) -> &'static str {
        "row_sum"
    }
    fn forward(&self, x: &[f64], out: &mut [f64]) {
        for (o, row) in out.iter_mut().zip(x.chunks(3)) {
            *o = row.iter().sum();
        }
    }
    fn backward(&self, _: &[f64], _: &[f64], gy: &[f64], gx: &mut [f64]) {
        for (row, &g) in gx.chunks_mut(3).zip(gy) {
            row.iter_mut().for_each(|v| *v += g);
        }
    }
}

#[test]
fn custom_nodes_pass_the_gradient_check() {
    let mut rng = StdRng::seed_from_u64(1);
    let a = random_input::<shape![2, 3]>(Default::default(), &mut rng);
    let b = random_input::<shape![2, 3]>(Default::default(), &mut rng);
    gradcheck2(&a, &b, |a, b| project(&a.custom2(b, a.shape(), Mul).tanh())).unwrap();
    // The same node used as both inputs: x², both contributions added.
    gradcheck1(&a, |a| project(&a.custom2(a, a.shape(), Mul))).unwrap();
    gradcheck1(&a, |a| {
        project(&a.custom1(<shape![2]>::default(), RowSum).exp())
    })
    .unwrap();
}

#[test]
fn a_custom_node_gives_what_plain_ops_give() {
    let tape = Tape::<f64>::new();
    let a = tape.var(Tensor::<shape![2, 3], f64>::from_array([
        [1., 2., 3.],
        [4., 5., 6.],
    ]));
    let b = tape.var(Tensor::<shape![2, 3], f64>::from_array([
        [-1., 0.5, 2.],
        [1., 1., -3.],
    ]));
    let custom = a.custom2(&b, a.shape(), Mul).sum_all();
    let plain = (&a * &b).sum_all();
    assert_eq!(custom.item(), plain.item());
    let (gc, gp) = (custom.backward(), plain.backward());
    assert_eq!(
        gc.get(&a).unwrap().as_slice(),
        gp.get(&a).unwrap().as_slice()
    );
    assert_eq!(
        gc.get(&b).unwrap().as_slice(),
        gp.get(&b).unwrap().as_slice()
    );
}

#[test]
fn softmax_crossentropy_is_its_plain_form_and_passes_the_gradient_check() {
    let mut rng = StdRng::seed_from_u64(2);
    let x = random_input::<shape![4, 5]>(Default::default(), &mut rng);
    let t = Tensor::<shape![4, 5], f64>::from_vec(
        (0..20)
            .map(|i| if i % 5 == i / 5 { 1.0 } else { 0.0 })
            .collect(),
    )
    .unwrap();
    // With respect to the logits and to (soft) targets.
    gradcheck2(&x, &t.map(|v| 0.1 + 0.6 * v), |x, t| {
        x.softmax_crossentropy(t)
    })
    .unwrap();
    let tape = Tape::<f64>::new();
    let (xv, tv) = (tape.var(x.clone()), tape.constant(t));
    let fused = xv.softmax_crossentropy(&tv);
    let plain = -((&tv * &xv.log_softmax()).sum_all() / 4.0);
    assert!((fused.item() - plain.item()).abs() < 1e-12);
    let (gf, gp) = (fused.backward(), plain.backward());
    for (f, p) in gf
        .get(&xv)
        .unwrap()
        .as_slice()
        .iter()
        .zip(gp.get(&xv).unwrap().as_slice())
    {
        assert!((f - p).abs() < 1e-12, "fused {f}, plain {p}");
    }
    // Large logits do not overflow.
    let big = tape.var(Tensor::<shape![1, 2], f64>::from_array([[1000., 0.]]));
    let one_hot = tape.constant(Tensor::<shape![1, 2], f64>::from_array([[0., 1.]]));
    assert!((big.softmax_crossentropy(&one_hot).item() - 1000.0).abs() < 1e-9);
}
