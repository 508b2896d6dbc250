// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_nn::{model, Dense, Layer, Parameters, Relu, Softmax};

const HIDDEN: usize = 512;

model! {
    /// Chollet's MNIST network.
    pub struct Mnist: 784 => [Dense<HIDDEN, Relu>, Dense<10, Softmax>]
}

#[test]
fn chapter_network_counts_and_summary() {
    assert_eq!(Mnist::PARAMS, 407_050);
    let m = Mnist::seeded(0);
    assert_eq!(m.count(), 407_050);
    assert_eq!(m.len(), 4);
    assert_eq!(m.name_of(0), "dense_0.kernel");
    assert_eq!(m.shape_of(0), vec![784, 512]);
    assert_eq!(m.name_of(3), "dense_1.bias");
    let s = m.summary();
    println!("{s}");
    assert!(s.contains("Total params: 407,050 (1.55 MB)"));
    let mut out = Vec::new();
    let x = vec![0.5; 784 * 3];
    m.forward(
        shaped_nn::BatchRef::new(&x, 3).unwrap(),
        shaped_nn::BatchMut::resized(&mut out, 3),
    );
    assert_eq!(out.len(), 30);
    let sum: f32 = out[..10].iter().sum();
    assert!((sum - 1.0).abs() < 1e-5);
}

model! {
    /// A model of 2 x 2 x 1 images and one output.
    pub struct Tiny: (2, 2, 1) => [shaped_nn::Flatten, Dense<1>]
}

/// `shape![_, 2, 2, 1]` (whose last axis is `One`) feeds a model of `(2, 2,
/// 1)` samples (`Sz<1>`), and `shape![_, 1]` targets are a `Dense<1>`'s:
/// the same numbers as the `Sz<1>` forms.
#[test]
fn a_last_axis_of_one_is_either_one_or_sz_1() {
    use shaped_core::{shape, Dyn, One, Sz, Tensor};
    use shaped_nn::{
        losses::MeanSquaredError, metrics::BinaryAccuracy, optim::Sgd, train::Trainer,
    };
    let values: Vec<f32> = (0..12).map(|i| (i % 5) as f32 / 4.0).collect();
    let targets = vec![1.0, 0.0, 1.0];
    let x_one = Tensor::<shape![_, 2, 2, 1]>::from_shape_vec((Dyn(3), Sz, Sz, One), values.clone())
        .unwrap();
    let y_one = Tensor::<shape![_, 1]>::from_shape_vec((Dyn(3), One), targets.clone()).unwrap();
    let x_sz =
        Tensor::<(Dyn, Sz<2>, Sz<2>, Sz<1>)>::from_shape_vec((Dyn(3), Sz, Sz, Sz), values).unwrap();
    let y_sz = Tensor::<(Dyn, Sz<1>)>::from_shape_vec((Dyn(3), Sz), targets).unwrap();
    let trainer = || {
        Trainer::new(
            Tiny::seeded(3),
            Sgd::new(0.1),
            MeanSquaredError,
            BinaryAccuracy::default(),
        )
    };
    let (mut a, mut b) = (trainer(), trainer());
    for _ in 0..3 {
        let la = a.train_step(&x_one, &y_one).unwrap();
        let lb = b.train_step(&x_sz, &y_sz).unwrap();
        assert_eq!(la, lb);
    }
    let before = a.evaluate(&x_one, &y_one, 2).unwrap().loss;
    assert_eq!(before, b.evaluate(&x_sz, &y_sz, 2).unwrap().loss);
    assert_eq!(
        a.predict(&x_one).unwrap().as_slice(),
        b.predict(&x_sz).unwrap().as_slice()
    );
}
