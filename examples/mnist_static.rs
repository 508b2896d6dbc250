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
use std::{
    error::Error,
    path::{Path, PathBuf},
    process::ExitCode,
    time::Instant,
};

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

/// A count of at least 1, for clap.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("not a whole number: {e}")),
    }
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
    /// Seed of the weights, shuffling and dropout.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Folder of the four IDX files (default: $MNIST_DIR, else the cache
    /// folder data/mnist, which is filled by fetching when files are missing).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Fetch missing files into the `--data` / `$MNIST_DIR` folder too (the
    /// cache folder is filled without asking). Files already there are never
    /// replaced.
    #[arg(long)]
    download: bool,
    /// Which data set.
    #[arg(long, value_enum, default_value_t = DatasetChoice::Mnist)]
    dataset: DatasetChoice,
    /// Threads of the kernels (default: one per core; at least 1).
    #[arg(long, value_parser = at_least_one)]
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

/// An error with what was being done and where: printed as one line.
#[derive(Debug)]
struct Failed(String);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for Failed {}

/// `context: error`, as a boxed error.
fn failed(context: impl std::fmt::Display, e: impl std::fmt::Display) -> Box<dyn Error> {
    Box::new(Failed(format!("{context}: {e}")))
}

/// Makes sure `dir` exists (creating it) and that a file can be written in
/// it, by creating and removing an empty hidden probe file.
fn check_writable_folder(dir: &Path, flag: &str) -> Result<(), Box<dyn Error>> {
    let what = format!("{flag} {}", dir.display());
    std::fs::create_dir_all(dir)
        .map_err(|e| failed(&what, format!("cannot create the folder: {e}")))?;
    let probe = dir.join(format!(".mnist_static-probe-{}", std::process::id()));
    std::fs::File::create(&probe)
        .map_err(|e| failed(&what, format!("cannot write in the folder: {e}")))?;
    std::fs::remove_file(&probe).map_err(|e| failed(&what, e))?;
    Ok(())
}

/// Checks `--save FILE` and `--plot DIR` before training, so that a typo in
/// a path does not cost a run.
fn check_outputs(args: &Args) -> Result<(), Box<dyn Error>> {
    if let Some(path) = &args.save {
        if path.is_dir() {
            return Err(failed(
                format!("--save {}", path.display()),
                "is a folder; give a file name, e.g. model.safetensors",
            ));
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        check_writable_folder(parent, "--save")?;
    }
    if let Some(dir) = &args.plot {
        check_writable_folder(dir, "--plot")?;
    }
    Ok(())
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
    check_outputs(&args)?;
    if let Some(t) = args.threads {
        shaped::kernels::set_threads(t).map_err(|e| failed(format!("--threads {t}"), e))?;
    }
    let (which, default_dir) = match args.dataset {
        DatasetChoice::Mnist => (Which::Mnist, "data/mnist"),
        DatasetChoice::Fashion => (Which::Fashion, "data/fashion-mnist"),
    };
    let given = args.data.clone().or_else(|| {
        std::env::var_os("MNIST_DIR")
            .filter(|_| matches!(args.dataset, DatasetChoice::Mnist))
            .map(PathBuf::from)
    });
    let quiet = args.quiet;
    let mut log = |line: &str| {
        if !quiet {
            eprintln!("{line}")
        }
    };
    let data = match &given {
        // The user's folder: read it as it is (fetch only when asked).
        Some(dir) if !args.download => MnistData::load(dir),
        Some(dir) => MnistData::obtain(dir, which, &mut log),
        None => MnistData::obtain(default_dir, which, &mut log),
    }?;

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
    // The chapter shows train_images[4] (the first image if there are fewer).
    let shown = 4.min(train_labels.len().saturating_sub(1));
    let digit = train_images.narrow::<0>(shown, 1);
    if !quiet {
        println!(
            "train_images: ndim {}, shape {:?}, dtype {}",
            train_images.ndim(),
            train_images.dims(),
            train_images.dtype()
        );
        println!(
            "train_labels[{shown}] = {}; train_images[{shown}]:",
            train_labels[shown]
        );
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
    let history = trainer
        .fit(&Data::u8_scaled(&train_x, scale), &train_y, &cfg)
        .map_err(|e| failed("training", e))?;
    if let Some(d) = &history.diverged {
        eprintln!("warning: {d}");
    }
    let fit_seconds = start.elapsed().as_secs_f64();
    let eval = trainer
        .evaluate(&Data::u8_scaled(&test_x, scale), &test_y, 1024)
        .map_err(|e| failed("evaluating", e))?;
    if !quiet {
        println!("test_loss: {:.4}", eval.loss);
    }
    println!("test_acc: {:.4}", eval.metric);
    println!("fit_seconds: {fit_seconds:.3}");
    if let Some(dir) = &args.plot {
        std::fs::create_dir_all(dir).map_err(|e| failed(format!("--plot {}", dir.display()), e))?;
        let (digit_path, curves_path) = (
            dir.join(format!("train_image_{shown}.png")),
            dir.join("training.png"),
        );
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
