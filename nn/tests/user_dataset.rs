//! A data set the crate knows nothing about: two interleaved spirals whose
//! points are computed from their index as the trainer gathers them (no
//! tensor holds them). A small network trains on it through
//! `Trainer::fit_dataset` from chance to at least 95% accuracy; the same
//! points stored as tensors train to the very same losses through
//! `fit(&x, &y)`; and an MNIST split trains as a data set exactly as its
//! tensors do. (That a step allocates nothing: `dataset_allocations.rs`.)

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_core::{shape, Dyn, Sz, Tensor};
use shaped_nn::{
    datasets::Split,
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::Adam,
    to_categorical,
    train::{Data, Dataset, FitConfig, TrainError, Trainer, Verbosity},
    Dense, Softmax,
};

mod computed;
use computed::{config, trainer, Spirals};

model! {
    /// A linear classifier of 28 x 28 images.
    pub struct Linear784: 784 => [Dense<10, Softmax>]
}

#[test]
fn a_computed_data_set_trains_from_chance_to_95_percent() {
    let set = Spirals { n: 1000 };
    let mut t = trainer(7);
    let before = t.evaluate_dataset(&set, 256).unwrap().metric;
    let h = t.fit_dataset(&set, config(60)).unwrap();
    let after = t.evaluate_dataset(&set, 256).unwrap().metric;
    let losses = h.losses();
    eprintln!(
        "computed spirals: accuracy {before:.3} -> {after:.3}, loss {:.4} -> {:.4}",
        losses[0],
        losses[losses.len() - 1]
    );
    assert!(before < 0.7, "an untrained model is near chance: {before}");
    assert!(after >= 0.95, "accuracy {after}");
    assert!(losses[losses.len() - 1] < losses[0] / 4.0);
}

#[test]
fn the_computed_set_and_the_same_points_as_tensors_train_alike() {
    let set = Spirals { n: 400 };
    let (mut x, mut y) = (vec![0.0; 800], vec![0.0; 400]);
    set.gather(&(0..400).collect::<Vec<_>>(), &mut x, &mut y);
    let x = Tensor::<shape![_, 2]>::from_shape_vec((Dyn(400), Sz), x).unwrap();
    let y = Tensor::<(Dyn, Sz<1>)>::from_shape_vec((Dyn(400), Sz), y).unwrap();
    let cfg = config(5).validation_split(0.25);
    let from_set = trainer(3).fit_dataset(&set, &cfg).unwrap();
    let from_tensors = trainer(3).fit(&x, &y, &cfg).unwrap();
    let from_pair = trainer(3)
        .fit_dataset(&(Data::f32(&x), Data::f32(&y)), &cfg)
        .unwrap();
    assert_eq!(from_set.losses(), from_tensors.losses());
    assert_eq!(from_pair.losses(), from_tensors.losses());
    let val =
        |h: &shaped_nn::train::History| h.epochs.iter().map(|e| e.val_loss).collect::<Vec<_>>();
    assert!(
        val(&from_set).iter().all(Option::is_some),
        "the last quarter validates"
    );
    assert_eq!(val(&from_set), val(&from_tensors));
}

#[test]
fn a_pair_of_unequal_lengths_is_an_error_not_a_panic() {
    let x = Tensor::<shape![_, 2]>::zeros_with((Dyn(10), Sz));
    let y = Tensor::<(Dyn, Sz<1>)>::zeros_with((Dyn(9), Sz));
    let pair = (Data::f32(&x), Data::f32(&y));
    let want = Err(TrainError::LengthMismatch {
        inputs: 10,
        targets: 9,
    });
    assert_eq!(trainer(0).fit_dataset(&pair, config(1)).map(|_| ()), want);
    assert_eq!(trainer(0).evaluate_dataset(&pair, 4).map(|_| ()), want);
    let none = Spirals { n: 0 };
    assert_eq!(
        trainer(0).fit_dataset(&none, config(1)).map(|_| ()),
        Err(TrainError::Empty)
    );
}

/// 300 28 x 28 images of 10 classes: class `c` lights a 4 x 4 square at a
/// place of its own, over noise.
fn squares() -> Split {
    let (mut images, mut labels) = (Vec::new(), Vec::new());
    for i in 0..300usize {
        let c = (i * 7) % 10;
        let (r0, c0) = (4 + (c / 5) * 12, 2 + (c % 5) * 5);
        for p in 0..784 {
            let (r, col) = (p / 28, p % 28);
            let lit = (r0..r0 + 4).contains(&r) && (c0..c0 + 4).contains(&col);
            let noise = ((i * 784 + p) * 2_654_435_761 % 97) as u8;
            images.push(if lit { 200 + noise / 2 } else { noise });
        }
        labels.push(c as u8);
    }
    Split::new(images, labels, 28, 28).unwrap()
}

#[test]
fn an_mnist_split_trains_as_a_data_set_as_its_tensors_do() {
    let split = squares();
    let set = split.one_hot().unwrap();
    let net = || {
        Trainer::new(
            Linear784::seeded(2),
            Adam::new(0.01),
            CategoricalCrossentropy,
            Accuracy::default(),
        )
    };
    let cfg = FitConfig::new()
        .epochs(4)
        .batch_size(32)
        .verbosity(Verbosity::Silent);
    let mut t = net();
    let before = t.evaluate_dataset(&set, 128).unwrap().metric;
    let h = t.fit_dataset(&set, &cfg).unwrap();
    let after = t.evaluate_dataset(&set, 128).unwrap().metric;
    eprintln!("squares as a data set: accuracy {before:.3} -> {after:.3}");
    assert!(before < 0.3 && after > 0.9, "accuracy {before} -> {after}");

    let (pixels, labels) = split.clone().into_parts();
    let x = Tensor::<shape![_, 784], u8>::from_shape_vec((Dyn(300), Sz), pixels).unwrap();
    let y = to_categorical::<10>(&labels).unwrap();
    let mut u = net();
    let h2 = u.fit(&Data::u8_scaled(&x, 1.0 / 255.0), &y, &cfg).unwrap();
    assert_eq!(h.losses(), h2.losses(), "the same batches, the same steps");
}
