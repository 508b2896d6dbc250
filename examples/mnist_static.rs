//! Chollet's MNIST network ("Deep Learning with Python", ch. 2), statically
//! shaped: 784 -> Dense 512 relu -> Dense 10 softmax, RMSprop, categorical
//! crossentropy, 5 epochs of batch 128.
//!
//! ```text
//! cargo run --release --example mnist_static
//! cargo run --release --example mnist_static -- --epochs 1 --threads 1 --data /path/to/mnist
//! ```
//!
//! The data is read from `--data DIR`, else `$MNIST_DIR`, else `data/mnist`;
//! when the files are missing there, they are fetched and verified first.

use clap::{Parser, ValueEnum};
use shaped::nn::{
    checkpoint,
    datasets::{Mnist as MnistData, Which},
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::RmsProp,
    plot, to_categorical,
    train::{Data, FitConfig, Trainer, Verbosity},
    Dense, Relu, Softmax,
};
use shaped::{shape, Tensor};
use std::{error::Error, path::PathBuf, time::Instant};

model! {
    /// Chollet's MNIST network.
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DatasetChoice {
    /// The handwritten digits.
    Mnist,
    /// Zalando's Fashion-MNIST (same format).
    Fashion,
}

/// Trains the chapter's MNIST network.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Passes over the training set.
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Samples per step.
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Seed of the weights, shuffling and dropout.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Folder of the four IDX files (default: $MNIST_DIR, else data/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Which data set.
    #[arg(long, value_enum, default_value_t = DatasetChoice::Mnist)]
    dataset: DatasetChoice,
    /// Threads of the kernels (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Save the trained weights to this safetensors file.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Write PNGs of a digit and of the loss and accuracy curves here.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Compute every product as a dense GEMM, never from the non-zeros of a
    /// sparse input (for comparison).
    #[arg(long)]
    dense_only: bool,
    /// Let RMSprop's accumulator decay into subnormal floats instead of
    /// flushing them to zero (to measure what flushing saves).
    #[arg(long)]
    keep_subnormals: bool,
    /// Print only the results (for benchmarks).
    #[arg(long)]
    quiet: bool,
}

/// The chapter's `plt.imshow(digit, cmap=plt.cm.binary)`, in characters.
fn ascii_digit(pixels: &[u8], side: usize) -> String {
    const RAMP: &[u8] = b" .:-=+*#%@";
    let mut s = String::new();
    for row in pixels.chunks(side) {
        for &p in row {
            let c = RAMP[p as usize * (RAMP.len() - 1) / 255] as char;
            s.push(c);
            s.push(c);
        }
        s.push('\n');
    }
    s
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    #[cfg(target_arch = "x86_64")]
    #[allow(deprecated)]
    if std::env::var_os("FTZ").is_some() {
        unsafe { std::arch::x86_64::_mm_setcsr(std::arch::x86_64::_mm_getcsr() | 0x8040) };
    }
    if let Some(t) = args.threads {
        shaped::kernels::set_threads(t)?;
    }
    let (which, default_dir) = match args.dataset {
        DatasetChoice::Mnist => (Which::Mnist, "data/mnist"),
        DatasetChoice::Fashion => (Which::Fashion, "data/fashion-mnist"),
    };
    let dir = args
        .data
        .clone()
        .or_else(|| {
            std::env::var_os("MNIST_DIR")
                .filter(|_| matches!(args.dataset, DatasetChoice::Mnist))
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from(default_dir));
    let quiet = args.quiet;
    let data = MnistData::obtain(&dir, which, &mut |line: &str| {
        if !quiet {
            eprintln!("{line}")
        }
    })?;

    // The chapter's tensors: (60000, 28, 28) u8 images, labels 0-9. The
    // buffers move into the tensors: nothing is copied.
    let (train_pixels, train_labels) = data.train.into_parts();
    let (test_pixels, test_labels) = data.test.into_parts();
    let train_images = Tensor::<shape![_, 28, 28], u8>::from_dims_vec(
        &[train_labels.len(), 28, 28],
        train_pixels,
    )?;
    let test_images =
        Tensor::<shape![_, 28, 28], u8>::from_dims_vec(&[test_labels.len(), 28, 28], test_pixels)?;
    let digit = train_images.narrow::<0>(4, 1);
    if !quiet {
        println!(
            "train_images: ndim {}, shape {:?}, dtype {}",
            train_images.ndim(),
            train_images.dims(),
            train_images.dtype()
        );
        println!("train_labels[4] = {}; train_images[4]:", train_labels[4]);
        print!("{}", ascii_digit(digit.as_slice(), 28));
    }
    // Flatten to (N, 784) without copying; pixels stay u8 and are scaled per batch.
    let train_x: Tensor<shape![_, 784], u8> = train_images.reshape();
    let test_x: Tensor<shape![_, 784], u8> = test_images.reshape();
    let train_y = to_categorical::<10>(&train_labels)?;
    let test_y = to_categorical::<10>(&test_labels)?;

    let mut model = Mnist::seeded(args.seed);
    if args.dense_only {
        shaped::nn::Layer::set_sparse_policy(&mut model, shaped::kernels::SparsePolicy::Never);
    }
    if !quiet {
        println!("{}", model.summary());
    }
    let mut trainer = Trainer::new(
        model,
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let cfg = FitConfig {
        epochs: args.epochs,
        batch_size: args.batch_size,
        seed: args.seed,
        verbosity: if quiet {
            Verbosity::Silent
        } else {
            Verbosity::Auto
        },
        ..FitConfig::default()
    };
    let scale = 1.0 / 255.0;
    let start = Instant::now();
    let history = trainer.fit(
        Data::u8_scaled(&train_x, scale),
        Data::f32(&train_y),
        &cfg,
        None,
        &mut [],
    )?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let eval = trainer.evaluate(Data::u8_scaled(&test_x, scale), Data::f32(&test_y), 1024);
    if !quiet {
        println!("test_loss: {:.4}", eval.loss);
    }
    println!("test_acc: {:.4}", eval.metric);
    println!("fit_seconds: {fit_seconds:.3}");
    if let Some(dir) = &args.plot {
        std::fs::create_dir_all(dir)?;
        let (digit_path, curves_path) = (dir.join("train_image_4.png"), dir.join("training.png"));
        plot::digit_png(digit.as_slice(), 28, 10, &digit_path)?;
        let (losses, accuracies) = (history.losses(), history.metrics());
        plot::curves_png(
            "MNIST: 784 -> 512 relu -> 10 softmax, RMSprop",
            &[("loss", &losses), ("accuracy", &accuracies)],
            &curves_path,
        )?;
        if !quiet {
            println!(
                "wrote {} and {}",
                digit_path.display(),
                curves_path.display()
            );
        }
    }
    if let Some(path) = &args.save {
        checkpoint::save_with_optimizer(&trainer.model, &trainer.optimizer, path)?;
        if !quiet {
            println!(
                "saved the weights and the optimizer's state to {}",
                path.display()
            );
        }
    }
    let epoch_seconds: Vec<String> = history
        .epochs
        .iter()
        .map(|e| format!("{:.3}", e.seconds))
        .collect();
    println!("epoch_seconds: [{}]", epoch_seconds.join(", "));
    Ok(())
}
