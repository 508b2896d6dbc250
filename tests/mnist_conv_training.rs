//! The book's convnet on real MNIST, short: one epoch of batch 64 on the
//! first 8,000 training images, then the whole test set. Runs when the data
//! is present (in `$MNIST_DIR`, or `../shared/data/mnist` beside the
//! repository); otherwise it says loudly that it skipped.
//!
//! The threshold, 0.85: this run (seed 1) reaches 0.9374. Over seeds 0-4
//! the same run of the `mnist_conv` example (`--epochs 1 --limit 8000`)
//! gave 0.9158, 0.9374, 0.9403, 0.9361, 0.9226, and PyTorch's peer
//! (`bench/pytorch_conv.py --epochs 1 --limit 8000`) 0.9071, 0.9424,
//! 0.9365, 0.9269, 0.9389. So 0.85 leaves 6.6 points below the worst of
//! those ten runs, for another seed order or thread count, and still fails
//! a convnet that does not learn (chance is 0.10). The whole test took 15 s
//! in the test profile on the 2-core machine with other builds running.

use shaped::datasets::Mnist as MnistData;
use shaped::nn::{
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::RmsProp,
    to_categorical,
    train::{Data, FitConfig, Trainer, Verbosity},
    Conv2D, Dense, Flatten, MaxPool2D, Relu, Softmax,
};
use shaped::{Dyn, Sz, Tensor};

/// A batch of the model's samples: `(N, 28, 28, 1)`, with the channel axis
/// the `Sz<1>` that `model!`'s `(28, 28, 1)` means (`shape![_, 28, 28, 1]`
/// would make it `One`, the size 1 that stretches in broadcasting).
type Images = (Dyn, Sz<28>, Sz<28>, Sz<1>);
mod real_mnist;
use real_mnist::data_dir;

model! {
    /// The book's convnet (the `mnist_conv` example's).
    pub struct Convnet: (28, 28, 1) => [
        Conv2D<32, 3, Relu>, MaxPool2D<2>,
        Conv2D<64, 3, Relu>, MaxPool2D<2>,
        Conv2D<64, 3, Relu>,
        Flatten, Dense<64, Relu>, Dense<10, Softmax>
    ]
}

/// Training images used: enough for the convnet to pass 0.9 in one epoch,
/// few enough for the test to take seconds.
const TRAIN: usize = 8000;
/// The accuracy the test asks for (see the module docs).
const THRESHOLD: f32 = 0.85;

#[test]
fn one_epoch_of_the_convnet_on_8000_mnist_images_passes_085() {
    let Some(dir) = data_dir() else {
        eprintln!("\n*** SKIPPED one_epoch_of_the_convnet_on_8000_mnist_images_passes_085: real MNIST not found (set MNIST_DIR or place it at ../shared/data/mnist) ***\n");
        return;
    };
    let data = MnistData::load(&dir).expect("MNIST loads");
    let n = TRAIN.min(data.train.len());
    let m = data.test.len();
    let train_x = Tensor::<Images, u8>::from_dims_vec(
        &[n, 28, 28, 1],
        data.train.images()[..n * 784].to_vec(),
    )
    .unwrap();
    let test_x =
        Tensor::<Images, u8>::from_dims_vec(&[m, 28, 28, 1], data.test.images().to_vec()).unwrap();
    let train_y = to_categorical::<10>(&data.train.labels()[..n]).unwrap();
    let test_y = to_categorical::<10>(data.test.labels()).unwrap();
    let mut t = Trainer::new(
        Convnet::seeded(1),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let cfg = FitConfig {
        epochs: 1,
        batch_size: 64,
        seed: 1,
        verbosity: Verbosity::Lines,
        ..FitConfig::default()
    };
    let start = std::time::Instant::now();
    let h = t
        .fit(&Data::u8_scaled(&train_x, 1.0 / 255.0), &train_y, &cfg)
        .unwrap();
    let fit = start.elapsed().as_secs_f64();
    let e = t
        .evaluate(&Data::u8_scaled(&test_x, 1.0 / 255.0), &test_y, 1000)
        .unwrap();
    eprintln!(
        "convnet, 1 epoch on {n} images: train loss {:.4}, train acc {:.4}, test acc {:.4} ({fit:.1} s to fit)",
        h.epochs[0].loss, h.epochs[0].metric, e.metric
    );
    assert!(h.diverged.is_none(), "the loss diverged: {:?}", h.diverged);
    assert!(
        e.metric >= THRESHOLD,
        "test accuracy {} below {THRESHOLD}",
        e.metric
    );
}
