//! Wider and deeper MLPs on MNIST or Fashion-MNIST, for the side-by-side
//! benchmark with PyTorch (`bench/compare.py --case wide-...`): every
//! hidden layer is relu, the classifier softmax, trained with RMSprop and
//! categorical crossentropy like the chapter's network.
//!
//! ```text
//! cargo run --release --example mlp_bench -- --net 2x1024 --epochs 3 --data /path/to/mnist
//! ```
//!
//! Prints `test_acc:` and `fit_seconds:` lines (the benchmark reads them).

use clap::{Parser, ValueEnum};
use shaped::datasets::{Mnist as MnistData, Which};
use shaped::nn::{
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::RmsProp,
    to_categorical,
    train::{Data, FitConfig, Trainer, Verbosity},
    Compute, Dense, Relu, Softmax,
};
use shaped::{kernels::SparsePolicy, shape, Tensor};
use std::{error::Error, path::PathBuf, time::Instant};

model! {
    /// Two relu hidden layers of 1024.
    pub struct Wide2x1024: 784 => [Dense<1024, Relu>, Dense<1024, Relu>, Dense<10, Softmax>]
}
model! {
    /// Two relu hidden layers of 2048.
    pub struct Wide2x2048: 784 => [Dense<2048, Relu>, Dense<2048, Relu>, Dense<10, Softmax>]
}
model! {
    /// Three relu hidden layers of 512.
    pub struct Deep3x512: 784 => [Dense<512, Relu>, Dense<512, Relu>, Dense<512, Relu>, Dense<10, Softmax>]
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Net {
    /// 784 -> 1024 -> 1024 -> 10.
    #[value(name = "2x1024")]
    Wide2x1024,
    /// 784 -> 2048 -> 2048 -> 10.
    #[value(name = "2x2048")]
    Wide2x2048,
    /// 784 -> 512 -> 512 -> 512 -> 10.
    #[value(name = "3x512")]
    Deep3x512,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DatasetChoice {
    Mnist,
    Fashion,
}

/// Trains a wider or deeper MLP and prints its fit time.
#[derive(Parser, Debug)]
struct Args {
    /// Which network.
    #[arg(long, value_enum, default_value_t = Net::Wide2x1024)]
    net: Net,
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Folder of the four IDX files (default: $MNIST_DIR, else data/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DatasetChoice::Mnist)]
    dataset: DatasetChoice,
    /// At most this many of the kernel threads (default: all, one per
    /// core; 1 keeps everything on the main thread).
    #[arg(long)]
    threads: Option<usize>,
    /// Every product dense, never from the non-zeros of a sparse input.
    #[arg(long)]
    dense_only: bool,
    /// Print only the results.
    #[arg(long)]
    quiet: bool,
}

macro_rules! train {
    ($model:expr, $args:expr, $x:expr, $y:expr, $tx:expr, $ty:expr) => {{
        let mut compute = Compute::default().threads($args.threads.unwrap_or(0));
        if $args.dense_only {
            compute = compute.sparse(SparsePolicy::Never);
        }
        let mut trainer = Trainer::new(
            $model,
            RmsProp::default(),
            CategoricalCrossentropy,
            Accuracy::default(),
        )
        .with_compute(compute);
        let cfg = FitConfig {
            epochs: $args.epochs,
            batch_size: $args.batch_size,
            seed: $args.seed,
            verbosity: if $args.quiet {
                Verbosity::Silent
            } else {
                Verbosity::Auto
            },
            ..FitConfig::default()
        };
        let scale = 1.0 / 255.0;
        let start = Instant::now();
        trainer.fit(&Data::u8_scaled($x, scale), $y, &cfg)?;
        let fit = start.elapsed().as_secs_f64();
        let eval = trainer.evaluate(&Data::u8_scaled($tx, scale), $ty, 1024)?;
        (fit, eval.metric)
    }};
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let which = match args.dataset {
        DatasetChoice::Mnist => Which::Mnist,
        DatasetChoice::Fashion => Which::Fashion,
    };
    let dir = args
        .data
        .clone()
        .or_else(|| std::env::var_os("MNIST_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("data/mnist"));
    let data = MnistData::obtain(&dir, which, &mut |line: &str| eprintln!("{line}"))?;
    let (train_pixels, train_labels) = data.train.into_parts();
    let (test_pixels, test_labels) = data.test.into_parts();
    let x = Tensor::<shape![_, 784], u8>::from_dims_vec(&[train_labels.len(), 784], train_pixels)?;
    let tx = Tensor::<shape![_, 784], u8>::from_dims_vec(&[test_labels.len(), 784], test_pixels)?;
    let y = to_categorical::<10>(&train_labels)?;
    let ty = to_categorical::<10>(&test_labels)?;
    let (fit, acc) = match args.net {
        Net::Wide2x1024 => train!(Wide2x1024::seeded(args.seed), args, &x, &y, &tx, &ty),
        Net::Wide2x2048 => train!(Wide2x2048::seeded(args.seed), args, &x, &y, &tx, &ty),
        Net::Deep3x512 => train!(Deep3x512::seeded(args.seed), args, &x, &y, &tx, &ty),
    };
    println!("test_acc: {acc:.4}");
    println!("fit_seconds: {fit:.3}");
    Ok(())
}
