//! What the MNIST examples (`mnist_static`, `mnist_conv`) share: the data
//! and output flags, the checks of `--save` and `--plot` before training,
//! the data loading (fetching into the cache folder when files are missing),
//! the chapter's look at one digit, the one-line errors, and what is written
//! after training.

use clap::ValueEnum;
use shaped::datasets::{Mnist as MnistData, Which};
use shaped::nn::{
    checkpoint,
    losses::CategoricalCrossentropy,
    metrics::{Accuracy, Metric},
    optim::{Optimizer, RmsProp},
    plot,
    train::{Data, FitConfig, Trainer, Verbosity},
    Compute, Layer,
};
use shaped::{shape, Tensor};
use std::{
    error::Error,
    path::{Path, PathBuf},
    time::Instant,
};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DatasetChoice {
    /// The handwritten digits.
    Mnist,
    /// Zalando's Fashion-MNIST (same format).
    Fashion,
}

/// A count of at least 1, for clap.
pub fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("not a whole number: {e}")),
    }
}

/// The flags of both examples: the data, the threads, the outputs.
#[derive(clap::Args, Debug)]
pub struct CommonArgs {
    /// Seed of the weights, shuffling and dropout.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Folder of the four IDX files (default: $MNIST_DIR, else the cache
    /// folder data/mnist, which is filled by fetching when files are missing).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Fetch missing files into the `--data` / `$MNIST_DIR` folder too (the
    /// cache folder is filled without asking). Files already there are never
    /// replaced.
    #[arg(long)]
    pub download: bool,
    /// Which data set.
    #[arg(long, value_enum, default_value_t = DatasetChoice::Mnist)]
    pub dataset: DatasetChoice,
    /// At most this many of the kernel threads (default: all, one per
    /// core; at least 1; 1 keeps everything on the main thread).
    #[arg(long, value_parser = at_least_one)]
    pub threads: Option<usize>,
    /// Save the trained weights to this safetensors file.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Write PNGs of a digit and of the loss and accuracy curves here.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Print only the results (for benchmarks).
    #[arg(long)]
    pub quiet: bool,
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
pub fn failed(context: impl std::fmt::Display, e: impl std::fmt::Display) -> Box<dyn Error> {
    Box::new(Failed(format!("{context}: {e}")))
}

/// Makes sure `dir` exists (creating it) and that a file can be written in
/// it, by creating and removing an empty hidden probe file.
fn check_writable_folder(dir: &Path, flag: &str) -> Result<(), Box<dyn Error>> {
    let what = format!("{flag} {}", dir.display());
    std::fs::create_dir_all(dir)
        .map_err(|e| failed(&what, format!("cannot create the folder: {e}")))?;
    let probe = dir.join(format!(".mnist-example-probe-{}", std::process::id()));
    std::fs::File::create(&probe)
        .map_err(|e| failed(&what, format!("cannot write in the folder: {e}")))?;
    std::fs::remove_file(&probe).map_err(|e| failed(&what, e))?;
    Ok(())
}

impl CommonArgs {
    /// Checks `--save FILE` and `--plot DIR` before training, so that a typo
    /// in a path does not cost a run.
    pub fn check_outputs(&self) -> Result<(), Box<dyn Error>> {
        if let Some(path) = &self.save {
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
        if let Some(dir) = &self.plot {
            check_writable_folder(dir, "--plot")?;
        }
        Ok(())
    }

    /// How the training computes: `--threads N` is at most `N` of the
    /// kernel threads, given to the trainer.
    pub fn compute(&self) -> Compute {
        Compute::default().threads(self.threads.unwrap_or(0))
    }

    /// Reads the data set: from `--data`, else `$MNIST_DIR` (MNIST only),
    /// else the cache folder, which is filled by fetching. `limit` keeps the
    /// first `limit` training images only (the test set stays whole).
    pub fn load(&self, limit: Option<usize>) -> Result<(Images, Shown), Box<dyn Error>> {
        let (which, default_dir) = match self.dataset {
            DatasetChoice::Mnist => (Which::Mnist, "data/mnist"),
            DatasetChoice::Fashion => (Which::Fashion, "data/fashion-mnist"),
        };
        let given = self.data.clone().or_else(|| {
            std::env::var_os("MNIST_DIR")
                .filter(|_| matches!(self.dataset, DatasetChoice::Mnist))
                .map(PathBuf::from)
        });
        let quiet = self.quiet;
        let mut log = |line: &str| {
            if !quiet {
                eprintln!("{line}")
            }
        };
        let data = match &given {
            // The user's folder: read it as it is (fetch only when asked).
            Some(dir) if !self.download => MnistData::load(dir),
            Some(dir) => MnistData::obtain(dir, which, &mut log),
            None => MnistData::obtain(default_dir, which, &mut log),
        }?;

        // The chapter's tensors: (60000, 28, 28) u8 images, labels 0-9. The
        // buffers move into the tensors: nothing is copied.
        let (mut train_pixels, mut train_labels) = data.train.into_parts();
        let (test_pixels, test_labels) = data.test.into_parts();
        if let Some(n) = limit.filter(|&n| n < train_labels.len()) {
            train_labels.truncate(n);
            train_pixels.truncate(n * 28 * 28);
        }
        let train_images = Tensor::<shape![_, 28, 28], u8>::from_dims_vec(
            &[train_labels.len(), 28, 28],
            train_pixels,
        )?;
        let test_images = Tensor::<shape![_, 28, 28], u8>::from_dims_vec(
            &[test_labels.len(), 28, 28],
            test_pixels,
        )?;
        // The chapter shows train_images[4] (the first image if there are fewer).
        let index = 4.min(train_labels.len().saturating_sub(1));
        let shown = Shown {
            index,
            pixels: train_images.narrow::<0>(index, 1).as_slice().to_vec(),
        };
        if !quiet {
            println!(
                "train_images: ndim {}, shape {:?}, dtype {}",
                train_images.ndim(),
                train_images.dims(),
                train_images.dtype()
            );
            println!(
                "train_labels[{index}] = {}; train_images[{index}]:",
                train_labels[index]
            );
            print!("{}", ascii_digit(&shown.pixels, 28));
        }
        let images = Images {
            train_images,
            train_labels,
            test_images,
            test_labels,
        };
        Ok((images, shown))
    }

    /// Trains `model` as the chapter does (RMSprop with Keras's defaults,
    /// categorical crossentropy, accuracy; Keras-like progress unless
    /// `--quiet`), evaluates it on the test set in batches of
    /// `eval_batch_size`, prints the test figures
    /// and the fit's time (`test_acc:` and `fit_seconds:`, the lines that
    /// `bench/compare.py` reads), writes the pictures (`--plot`, under
    /// `title`) and the checkpoint (`--save`), and prints each epoch's time.
    /// The trainer computes as `compute` says (see [`compute`](Self::compute)).
    #[allow(clippy::too_many_arguments)]
    pub fn fit_and_report<M>(
        &self,
        model: M,
        compute: Compute,
        train: (Data<'_, M::Input>, Data<'_, M::Output>),
        test: (Data<'_, M::Input>, Data<'_, M::Output>),
        epochs: usize,
        batch_size: usize,
        eval_batch_size: usize,
        shown: &Shown,
        title: &str,
    ) -> Result<(), Box<dyn Error>>
    where
        M: Layer,
        RmsProp<M>: Optimizer<M> + Default,
        Accuracy: Metric<M::Output, Target = M::Output>,
    {
        let mut trainer = Trainer::new(
            model,
            RmsProp::default(),
            CategoricalCrossentropy,
            Accuracy::default(),
        )
        .with_compute(compute);
        let cfg = FitConfig {
            epochs,
            batch_size,
            seed: self.seed,
            verbosity: if self.quiet {
                Verbosity::Silent
            } else {
                Verbosity::Auto
            },
            ..FitConfig::default()
        };
        let start = Instant::now();
        let history = trainer
            .fit(&train.0, &train.1, &cfg)
            .map_err(|e| failed("training", e))?;
        let fit_seconds = start.elapsed().as_secs_f64();
        let eval = trainer
            .evaluate(&test.0, &test.1, eval_batch_size)
            .map_err(|e| failed("evaluating", e))?;
        let (model, optimizer) = (&trainer.model, &trainer.optimizer);
        if let Some(d) = &history.diverged {
            eprintln!("warning: {d}");
        }
        if !self.quiet {
            println!("test_loss: {:.4}", eval.loss);
        }
        println!("test_acc: {:.4}", eval.metric);
        println!("fit_seconds: {fit_seconds:.3}");
        if let Some(dir) = &self.plot {
            std::fs::create_dir_all(dir)
                .map_err(|e| failed(format!("--plot {}", dir.display()), e))?;
            let (digit_path, curves_path) = (
                dir.join(format!("train_image_{}.png", shown.index)),
                dir.join("training.png"),
            );
            plot::digit_png(&shown.pixels, 28, 10, &digit_path)?;
            let (losses, accuracies) = (history.losses(), history.metrics());
            plot::curves_png(
                title,
                &[("loss", &losses), ("accuracy", &accuracies)],
                &curves_path,
            )?;
            if !self.quiet {
                println!(
                    "wrote {} and {}",
                    digit_path.display(),
                    curves_path.display()
                );
            }
        }
        if let Some(path) = &self.save {
            checkpoint::save_with_optimizer(model, optimizer, path)?;
            if !self.quiet {
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
}

/// The data set as the chapter has it: `(N, 28, 28)` u8 images and their
/// labels, for training and for testing.
pub struct Images {
    pub train_images: Tensor<shape![_, 28, 28], u8>,
    pub train_labels: Vec<u8>,
    pub test_images: Tensor<shape![_, 28, 28], u8>,
    pub test_labels: Vec<u8>,
}

/// The training image the chapter looks at (`train_images[4]`).
pub struct Shown {
    /// Its index.
    pub index: usize,
    /// Its 28 x 28 pixels.
    pub pixels: Vec<u8>,
}
