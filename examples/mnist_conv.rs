//! Chollet's MNIST convnet ("Deep Learning with Python", ch. 5), statically
//! shaped: every layer's output size is computed by the compiler from the
//! `(28, 28, 1)` input, RMSprop, categorical crossentropy, 5 epochs of
//! batch 64.
//!
//! ```text
//! cargo run --release --example mnist_conv
//! cargo run --release --example mnist_conv -- --epochs 1 --threads 1 --data /path/to/mnist
//! cargo run --release --example mnist_conv -- --epochs 1 --limit 6000   # a quick run
//! ```
//!
//! The data comes as in `mnist_static`: from `--data DIR`, else
//! `$MNIST_DIR`, else the cache folder `data/mnist`, which is filled by
//! fetching when files are missing (checked against their published
//! checksums). `--save` and `--plot` are checked before training, and every
//! error is printed as one line with a non-zero exit code.

mod common;

use clap::Parser;
use common::{at_least_one, CommonArgs};
use shaped::nn::{
    model, to_categorical, train::Data, Conv2D, Dense, Flatten, MaxPool2D, Relu, Softmax,
};
use shaped::{Dyn, Sz, Tensor};

/// A batch of the model's samples: `(N, 28, 28, 1)`, with the channel axis
/// the `Sz<1>` that `model!`'s `(28, 28, 1)` means (an `f32` tensor of
/// `shape![_, 28, 28, 1]`, whose last axis is `One`, is accepted too; the
/// `u8` pixels here are read through `Data`, which is typed by the model's
/// own sample shape).
type Images = (Dyn, Sz<28>, Sz<28>, Sz<1>);
use std::{error::Error, process::ExitCode};

model! {
    /// The book's convnet: (28, 28, 1) -> (26, 26, 32) -> (13, 13, 32) ->
    /// (11, 11, 64) -> (5, 5, 64) -> (3, 3, 64) -> 576 -> 64 -> 10.
    pub struct Convnet: (28, 28, 1) => [
        Conv2D<32, 3, Relu>, MaxPool2D<2>,
        Conv2D<64, 3, Relu>, MaxPool2D<2>,
        Conv2D<64, 3, Relu>,
        Flatten, Dense<64, Relu>, Dense<10, Softmax>
    ]
}

/// Trains the chapter's MNIST convnet.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Passes over the training set (at least 1).
    #[arg(long, default_value_t = 5, value_parser = at_least_one)]
    epochs: usize,
    /// Samples per step (at least 1).
    #[arg(long, default_value_t = 64, value_parser = at_least_one)]
    batch_size: usize,
    /// Train on the first N training images only (for quick runs; the test
    /// set stays whole).
    #[arg(long, value_parser = at_least_one)]
    limit: Option<usize>,
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn Error>> {
    let common = &args.common;
    common.check_outputs()?;
    let (images, shown) = common.load(args.limit)?;
    // Channels-last samples as Keras has them: (N, 28, 28) becomes
    // (N, 28, 28, 1) without copying; pixels stay u8 and are scaled per batch.
    let train_x: Tensor<Images, u8> = images.train_images.reshape();
    let test_x: Tensor<Images, u8> = images.test_images.reshape();
    let train_y = to_categorical::<10>(&images.train_labels)?;
    let test_y = to_categorical::<10>(&images.test_labels)?;

    let model = Convnet::seeded(common.seed);
    if !common.quiet {
        println!("{}", model.summary());
    }
    let scale = 1.0 / 255.0;
    common.fit_and_report(
        model,
        common.compute(),
        (Data::u8_scaled(&train_x, scale), Data::f32(&train_y)),
        (Data::u8_scaled(&test_x, scale), Data::f32(&test_y)),
        args.epochs,
        args.batch_size,
        // Evaluated in training-sized batches: in batches of 1024 the
        // convolutions' buffers took the peak RSS from 100 MB to 272 MB.
        args.batch_size,
        &shown,
        "MNIST convnet: 3 conv, 2 max-pool, 64 relu, 10 softmax; RMSprop",
    )
}
