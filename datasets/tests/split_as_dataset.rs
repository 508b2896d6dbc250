//! An MNIST split as a [`Dataset`](shaped_nn::train::Dataset): it trains
//! through `Trainer::fit_dataset` exactly as its pixels and labels do as
//! tensors through `fit(&x, &y)`.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_core::{shape, Dyn, Sz, Tensor};
use shaped_datasets::Split;
use shaped_nn::{
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::Adam,
    to_categorical,
    train::{Data, FitConfig, Trainer, Verbosity},
    Dense, Softmax,
};

model! {
    /// A linear classifier of 28 x 28 images.
    pub struct Linear784: 784 => [Dense<10, Softmax>]
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
