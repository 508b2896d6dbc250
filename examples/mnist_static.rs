//! Chollet's MNIST network ("Deep Learning with Python", ch. 2), statically
//! shaped: 784 -> Dense 512 relu -> Dense 10 softmax, RMSprop, categorical
//! crossentropy, 5 epochs of batch 128.
//!
//! ```text
//! cargo run --release --example mnist_static
//! cargo run --release --example mnist_static -- --epochs 1 --threads 1 --data /path/to/mnist
//! ```
//!
//! The data is read from `--data DIR`, else `$MNIST_DIR`, else the cache
//! folder `data/mnist`. Only the cache folder is filled by fetching (the
//! files are verified against their published checksums first); a folder
//! given with `--data` or `$MNIST_DIR` is only read, unless `--download` is
//! given too. Files already there are never renamed or replaced: an invalid
//! one is an error that says what is wrong with it.
//!
//! Every error is printed as one line saying what went wrong and where (a
//! list of the sources tried follows when fetching failed), and the exit
//! code is non-zero. `--save` and `--plot` are checked before training.

mod common;

use clap::Parser;
use common::{at_least_one, CommonArgs};
use shaped::nn::{model, to_categorical, train::Data, Dense, Relu, Softmax};
use shaped::{shape, Tensor};
use std::{error::Error, process::ExitCode};

model! {
    /// Chollet's MNIST network.
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

/// Trains the chapter's MNIST network.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Passes over the training set (at least 1).
    #[arg(long, default_value_t = 5, value_parser = at_least_one)]
    epochs: usize,
    /// Samples per step (at least 1).
    #[arg(long, default_value_t = 128, value_parser = at_least_one)]
    batch_size: usize,
    #[command(flatten)]
    common: CommonArgs,
    /// Compute every product as a dense GEMM, never from the non-zeros of a
    /// sparse input (for comparison).
    #[arg(long)]
    dense_only: bool,
    /// Let RMSprop's accumulator decay into subnormal floats instead of
    /// flushing them to zero (to measure what flushing saves).
    #[arg(long)]
    keep_subnormals: bool,
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
    let (images, shown) = common.load(None)?;
    // Flatten to (N, 784) without copying; pixels stay u8 and are scaled per batch.
    let train_x: Tensor<shape![_, 784], u8> = images.train_images.reshape();
    let test_x: Tensor<shape![_, 784], u8> = images.test_images.reshape();
    let train_y = to_categorical::<10>(&images.train_labels)?;
    let test_y = to_categorical::<10>(&images.test_labels)?;

    let model = Mnist::seeded(common.seed);
    let mut compute = common.compute();
    if args.dense_only {
        compute = compute.sparse(shaped::kernels::SparsePolicy::Never);
    }
    if !common.quiet {
        println!("{}", model.summary());
    }
    let scale = 1.0 / 255.0;
    common.fit_and_report(
        model,
        compute,
        (Data::u8_scaled(&train_x, scale), Data::f32(&train_y)),
        (Data::u8_scaled(&test_x, scale), Data::f32(&test_y)),
        args.epochs,
        args.batch_size,
        1024,
        &shown,
        "MNIST: 784 -> 512 relu -> 10 softmax, RMSprop",
    )
}
