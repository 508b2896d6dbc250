//! End to end on the real MNIST: one epoch of the chapter's network must
//! reach at least 95% test accuracy. Runs when the data is present (in
//! `$MNIST_DIR`, or `../shared/data/mnist` beside the repository); otherwise
//! it says loudly that it skipped.

use shaped::datasets::Mnist as MnistData;
use shaped::nn::{
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::RmsProp,
    to_categorical,
    train::{Data, FitConfig, Trainer, Verbosity},
    Dense, Relu, Softmax,
};
use shaped::{shape, Tensor};
mod real_mnist;
use real_mnist::data_dir;

model! {
    /// Chollet's MNIST network.
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

#[test]
fn one_epoch_on_real_mnist_reaches_95_percent() {
    let Some(dir) = data_dir() else {
        eprintln!("\n*** SKIPPED one_epoch_on_real_mnist_reaches_95_percent: real MNIST not found (set MNIST_DIR or place it at ../shared/data/mnist) ***\n");
        return;
    };
    let data = MnistData::load(&dir).expect("MNIST loads");
    let (n, m) = (data.train.len(), data.test.len());
    let train_x =
        Tensor::<shape![_, 784], u8>::from_dims_vec(&[n, 784], data.train.images().to_vec())
            .unwrap();
    let test_x =
        Tensor::<shape![_, 784], u8>::from_dims_vec(&[m, 784], data.test.images().to_vec())
            .unwrap();
    let train_y = to_categorical::<10>(data.train.labels()).unwrap();
    let test_y = to_categorical::<10>(data.test.labels()).unwrap();
    let mut t = Trainer::new(
        Mnist::seeded(1),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let cfg = FitConfig {
        epochs: 1,
        batch_size: 128,
        seed: 1,
        verbosity: Verbosity::Lines,
        ..FitConfig::default()
    };
    let h = t
        .fit(&Data::u8_scaled(&train_x, 1.0 / 255.0), &train_y, &cfg)
        .unwrap();
    let e = t
        .evaluate(&Data::u8_scaled(&test_x, 1.0 / 255.0), &test_y, 1000)
        .unwrap();
    eprintln!(
        "1 epoch: train loss {:.4}, train acc {:.4}, test acc {:.4}",
        h.epochs[0].loss, h.epochs[0].metric, e.metric
    );
    assert!(e.metric >= 0.95, "test accuracy {} below 0.95", e.metric);
}
