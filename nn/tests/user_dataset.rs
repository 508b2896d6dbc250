//! A data set the crate knows nothing about: two interleaved spirals whose
//! points are computed from their index as the trainer gathers them (no
//! tensor holds them). A small network trains on it through
//! `Trainer::fit_dataset` from chance to at least 95% accuracy; the same
//! points stored as tensors train to the very same losses through
//! `fit(&x, &y)`. (An MNIST split as a data set: shaped-datasets' tests;
//! that a step allocates nothing: `dataset_allocations.rs`.)

// `model!` (in `computed`) names `::shaped`; this crate depends on
// `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_core::{shape, Dyn, Sz, Tensor};
use shaped_nn::train::{Data, Dataset, TrainError};

mod computed;
use computed::{config, trainer, Spirals};

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
    set.gather(&(0..400).collect::<Vec<_>>(), &mut x, &mut y)
        .unwrap();
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
