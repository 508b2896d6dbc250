//! The training loop: Keras's `compile` + `fit` / `evaluate` / `predict`,
//! and [`Trainer::train_step`] for writing one's own loop.

use super::history::Divergence;
use super::{
    callbacks::{Callback, Control},
    data::{Data, GatherError},
    dataset::Dataset,
    history::{EpochLog, History},
    progress::{EpochProgress, Verbosity},
    samples::{Inputs, PredictInputs, Targets},
};
use crate::{
    batch::{BatchLenError, BatchMut, BatchRef, Batched},
    losses::Loss,
    metrics::Metric,
    optim::{NonFiniteIn, Optimizer},
    scored::{CountMismatch, Scored},
    Compute, Layer,
};
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use shaped_core::kernels::{keep_threads_hot, HotThreads, Parallelism};
use shaped_core::{ConstShape, Float, Tensor};
use std::{borrow::Borrow, ops::Range, time::Instant};

/// Inputs with their targets (validation data).
pub type Labeled<'a, I, T, E = f32> = (Data<'a, I, E>, Data<'a, T, E>);

/// How `fit` runs.
#[derive(Clone, Debug)]
pub struct FitConfig {
    /// Passes over the data.
    pub epochs: usize,
    /// Samples per step (the last step of an epoch may be smaller).
    pub batch_size: usize,
    /// Reshuffle the samples every epoch (from `seed`).
    pub shuffle: bool,
    /// The seed of shuffling and dropout: the same seed gives the same run.
    pub seed: u64,
    /// The share of samples, taken from the end before shuffling (as Keras
    /// does), held out for validation.
    pub validation_split: f32,
    /// What to print.
    pub verbosity: Verbosity,
}

impl FitConfig {
    /// Keras's defaults (see [`Default`]), to change with the builder
    /// methods: `FitConfig::new().epochs(5).batch_size(128)`.
    ///
    /// ```
    /// let cfg = shaped_nn::train::FitConfig::new().epochs(5).batch_size(128).seed(3);
    /// assert_eq!((cfg.epochs, cfg.batch_size, cfg.seed, cfg.shuffle), (5, 128, 3, true));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`epochs`](Self::epochs).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }
    /// Sets [`batch_size`](Self::batch_size).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    /// Sets [`shuffle`](Self::shuffle).
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }
    /// Sets [`seed`](Self::seed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets [`validation_split`](Self::validation_split).
    pub fn validation_split(mut self, share: f32) -> Self {
        self.validation_split = share;
        self
    }
    /// Sets [`verbosity`](Self::verbosity).
    pub fn verbosity(mut self, verbosity: Verbosity) -> Self {
        self.verbosity = verbosity;
        self
    }
}

impl Default for FitConfig {
    /// Keras's defaults: 1 epoch of batch 32, shuffled.
    fn default() -> Self {
        FitConfig {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            validation_split: 0.0,
            verbosity: Verbosity::Auto,
        }
    }
}

/// What became NaN or infinite in a training step.
#[derive(Clone, Debug, PartialEq)]
pub enum NonFiniteValue {
    /// The batch's loss, with its value (checked before the backward pass:
    /// the model is not updated).
    Loss(f32),
    /// The gradient of the named tensor (`dense_0.kernel`); the step's
    /// update was made, so the tensor holds non-finite values too.
    Gradient(String),
    /// The named tensor itself, after the step's update (from a finite
    /// gradient: a step too large).
    Parameter(String),
}

impl std::fmt::Display for NonFiniteValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NonFiniteValue::Loss(v) => write!(f, "the loss became {v}"),
            NonFiniteValue::Gradient(n) => {
                write!(f, "the gradient of `{n}` became NaN or infinite")
            }
            NonFiniteValue::Parameter(n) => {
                write!(f, "`{n}` became NaN or infinite after the update")
            }
        }
    }
}

/// Why training stopped with an error.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    /// The loss, a gradient or a parameter became NaN or infinite: `fit`
    /// stops at the first step where any does.
    NonFinite {
        /// The epoch, from 1.
        epoch: usize,
        /// The step within the epoch, from 1.
        step: usize,
        /// What became non-finite.
        what: NonFiniteValue,
    },
    /// Inputs and targets hold different numbers of samples.
    LengthMismatch {
        /// Input samples.
        inputs: usize,
        /// Target samples.
        targets: usize,
    },
    /// A batch size of zero, or no samples left to train on (or to
    /// evaluate).
    Empty,
    /// A step of [`Trainer::train_step`] found a NaN or an infinity (the
    /// loss, then nothing was updated; or a gradient or a parameter).
    NonFiniteStep(NonFiniteValue),
    /// A target the loss cannot take: a label that is not a class of the
    /// model's output (the sparse losses).
    BadTarget {
        /// The sample, from 0, in the order the step received them.
        sample: usize,
        /// Its target value.
        value: f32,
        /// How many classes the model outputs.
        classes: usize,
    },
    /// A batch could not be gathered: a data set's own failure, or
    /// arguments that do not fit the data.
    Gather(GatherError),
    /// A buffer given as a batch does not hold its samples' elements (the
    /// typed entry points make this unreachable from their arguments).
    ///
    /// ```
    /// use shaped_nn::{train::TrainError, BatchRef};
    /// use shaped_core::shape;
    /// let err: TrainError = BatchRef::<shape![3]>::new(&[0.0; 4], 2).unwrap_err().into();
    /// assert!(matches!(err, TrainError::Batch(_)));
    /// assert_eq!(err.to_string(), "a batch of 2 samples of shape (3) holds 6 elements; this buffer holds 4");
    /// ```
    Batch(BatchLenError),
}

impl std::fmt::Display for TrainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrainError::NonFinite { epoch, step, what } => {
                write!(f, "{what} at epoch {epoch}, step {step}: training stopped")
            }
            TrainError::LengthMismatch { inputs, targets } => {
                write!(f, "{inputs} input samples but {targets} target samples")
            }
            TrainError::Empty => write!(f, "nothing to train on: no samples, or a batch size of 0"),
            TrainError::NonFiniteStep(what) => write!(f, "{what} in a training step"),
            TrainError::BadTarget {
                sample,
                value,
                classes,
            } => write!(
                f,
                "the target of sample {sample} is {value}, not a class label below {classes}"
            ),
            TrainError::Gather(e) => write!(f, "gathering a batch: {e}"),
            TrainError::Batch(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TrainError {}

impl From<GatherError> for TrainError {
    fn from(e: GatherError) -> Self {
        TrainError::Gather(e)
    }
}

impl From<CountMismatch> for TrainError {
    /// A model gives one output a sample, so its outputs count its inputs.
    fn from(e: CountMismatch) -> Self {
        TrainError::LengthMismatch {
            inputs: e.outputs,
            targets: e.targets,
        }
    }
}

impl From<BatchLenError> for TrainError {
    fn from(e: BatchLenError) -> Self {
        TrainError::Batch(e)
    }
}

/// A model compiled with an optimizer, a loss and a metric, with the
/// buffers its steps reuse: after the first step at a batch size, a step
/// allocates nothing.
///
/// The model computes in its element type `E` (`f32`, or `f64` for a
/// `model!` struct declared `<E>`; inferred from the model), and so do its
/// inputs, targets and predictions (`u8` pixels are scaled to `E`):
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::Sgd};
/// use shaped_nn::{train::Trainer, Dense};
/// use shaped_core::{shape, Dyn, Sz, Tensor};
/// model! { struct Line<E>: 2 => [Dense<1>] }
/// let mut t = Trainer::new(Line::<f64>::seeded(0), Sgd::new(0.1), MeanSquaredError, BinaryAccuracy::default());
/// let x = Tensor::<shape![_, 2], f64>::ones_with((Dyn(4), Sz));
/// let y = Tensor::<(Dyn, Sz<1>), f64>::zeros_with((Dyn(4), Sz));
/// let first = t.train_step(&x, &y).unwrap();
/// assert!(t.train_step(&x, &y).unwrap() < first);
/// let p: Tensor<(Dyn, Sz<1>), f64> = t.predict(&x).unwrap();
/// assert_eq!(p.dims(), [4, 1]);
/// ```
pub struct Trainer<M: Layer<E>, O, L, Me, E: Float = f32> {
    /// The model.
    pub model: M,
    /// The optimizer.
    pub optimizer: O,
    /// The loss.
    pub loss: L,
    /// The metric.
    pub metric: Me,
    grads: M::Grads,
    cache: M::Cache,
    /// The inner buffers of inference (`evaluate`, `predict`), apart from
    /// the training cache so that validation keeps a step's cache intact.
    infer_cache: M::Cache,
    /// The sample indices of inference batches and of `train_step`'s
    /// gathering, reused.
    idx: Vec<usize>,
    x: Vec<E>,
    y: Vec<E>,
    out: Vec<E>,
    grad: Vec<E>,
    order: Vec<usize>,
    rng: StdRng,
    compute: Compute,
}

/// The results of `evaluate`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// The mean loss.
    pub loss: f32,
    /// The metric.
    pub metric: f32,
}

impl<M: Layer<E>, O, L, Me, E: Float> Trainer<M, O, L, Me, E> {
    /// Compiles `model` with an optimizer, a loss and a metric.
    // The bounds are the function's own (not the impl block's), so that an
    // optimizer of another model is reported at one bound.
    pub fn new(model: M, optimizer: O, loss: L, metric: Me) -> Self
    where
        O: Optimizer<M, E>,
        L: Loss<M::Output, E>,
        Me: Metric<M::Output, E, Target = L::Target>,
    {
        let grads = model.zero_grads();
        Trainer {
            model,
            optimizer,
            loss,
            metric,
            grads,
            cache: Default::default(),
            infer_cache: Default::default(),
            idx: Vec::new(),
            x: Vec::new(),
            y: Vec::new(),
            out: Vec::new(),
            grad: Vec::new(),
            order: Vec::new(),
            rng: StdRng::seed_from_u64(0),
            compute: Compute::default(),
        }
    }
}

impl<M, O, L, Me, E> Trainer<M, O, L, Me, E>
where
    E: Float,
    M: Layer<E>,
    O: Optimizer<M, E>,
    L: Loss<M::Output, E>,
    Me: Metric<M::Output, E, Target = L::Target>,
{
    /// Sets how the training computes ([`Compute`]): it is given to every
    /// layer of the model ([`Layer::set_compute`]) and to the optimizer
    /// ([`Optimizer::set_parallelism`]), and the batch gathering follows
    /// its thread count. With one thread ([`Compute::threads`]`(1)`), a
    /// step, an evaluation and a prediction run entirely on the calling
    /// thread. Until it is called, the trainer gathers on all the kernel
    /// threads and leaves the model's layers and the optimizer as they
    /// were made (all of them, by default).
    ///
    /// ```
    /// # extern crate shaped_nn as shaped;
    /// use shaped_nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::Sgd};
    /// use shaped_nn::{train::Trainer, Compute, Dense, Linear};
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// model! { struct Line: 2 => [Dense<2, Linear>] }
    /// let mut t = Trainer::new(Line::seeded(0), Sgd::new(0.1), MeanSquaredError, BinaryAccuracy::default());
    /// assert_eq!(t.compute(), Compute::default());
    /// t.set_compute(Compute::default().threads(1));
    /// assert_eq!(t.model.dense_0.compute, Compute::default().threads(1));
    /// let x = Tensor::<shape![_, 2]>::ones_with((Dyn(4), Sz));
    /// assert!(t.train_step(&x, &x).unwrap().is_finite());
    /// ```
    pub fn set_compute(&mut self, compute: Compute) {
        self.compute = compute;
        self.model.set_compute(compute);
        self.optimizer.set_parallelism(compute.parallelism);
    }

    /// The trainer with [`set_compute`](Self::set_compute)`(compute)`.
    ///
    /// ```
    /// # extern crate shaped_nn as shaped;
    /// use shaped_nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::Sgd};
    /// use shaped_nn::{train::Trainer, Compute, Dense, Linear};
    /// model! { struct Line: 2 => [Dense<2, Linear>] }
    /// let one = Compute::default().threads(1);
    /// let t = Trainer::new(Line::seeded(0), Sgd::new(0.1), MeanSquaredError, BinaryAccuracy::default())
    ///     .with_compute(one);
    /// assert_eq!((t.compute(), t.model.dense_0.compute), (one, one));
    /// ```
    pub fn with_compute(mut self, compute: Compute) -> Self {
        self.set_compute(compute);
        self
    }

    /// The [`Compute`] last set (default: [`Compute::default()`]).
    ///
    /// ```
    /// # extern crate shaped_nn as shaped;
    /// use shaped_nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::Sgd};
    /// use shaped_nn::{train::Trainer, Compute, Dense, Linear};
    /// model! { struct Line: 2 => [Dense<2, Linear>] }
    /// let t = Trainer::new(Line::seeded(0), Sgd::new(0.1), MeanSquaredError, BinaryAccuracy::default());
    /// assert_eq!(t.compute(), Compute::default());
    /// ```
    pub fn compute(&self) -> Compute {
        self.compute
    }

    /// Makes the calling thread one of the kernel threads, unless the
    /// computation stays on it (then the kernel threads are not even
    /// started).
    fn join_kernel_threads(&self) {
        // `sequential` asks without starting the kernel threads: asking
        // `threads()` first would start them without the calling thread.
        if !self.compute.sequential() {
            shaped_core::kernels::join_kernel_threads();
        }
    }

    /// [`join_kernel_threads`](Self::join_kernel_threads), and the others
    /// kept polling for work while the returned guard lives: the training
    /// loop's many short products then do not each wait for a sleeping
    /// thread to wake (chapter's network and 3x512 net, 2 threads: 3-4%
    /// less fit time). It allocates, so a fit makes one, not each step;
    /// `evaluate` and `predict` make none (they allocate nothing).
    fn kernel_threads(&self) -> HotThreads {
        self.join_kernel_threads();
        keep_threads_hot(self.compute.parallelism)
    }

    /// One step on a batch: forward, loss, backward, update, metric.
    /// `x` and `y` are typed batches (a `Tensor<(Dyn, In...)>` of the
    /// model's input shape and one of the loss's target shape, or
    /// [`Data`]), so targets of the wrong width do not compile. Returns the
    /// batch's loss, or [`TrainError::LengthMismatch`] when `x` and `y`
    /// hold different numbers of samples, [`TrainError::BadTarget`] for a
    /// label that is not a class, [`TrainError::NonFiniteStep`] when the
    /// loss (then nothing is updated), a gradient or a parameter became NaN
    /// or infinite. After the first step at a batch size, a step allocates
    /// nothing.
    ///
    /// ```
    /// # extern crate shaped_nn as shaped;
    /// use shaped_nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::Sgd, train::Trainer, Dense, Linear};
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// model! { struct Line: 2 => [Dense<2, Linear>] }
    /// let mut t = Trainer::new(Line::seeded(0), Sgd::new(0.1), MeanSquaredError, BinaryAccuracy::default());
    /// let x = Tensor::<shape![_, 2]>::ones_with((Dyn(4), Sz));
    /// let y = Tensor::<shape![_, 2]>::zeros_with((Dyn(4), Sz));
    /// let first = t.train_step(&x, &y).unwrap();
    /// assert!(t.train_step(&x, &y).unwrap() < first);
    /// // 3 targets for 4 inputs: an error, not a panic.
    /// let y3 = Tensor::<shape![_, 2]>::zeros_with((Dyn(3), Sz));
    /// assert!(t.train_step(&x, &y3).is_err());
    /// ```
    pub fn train_step<X: Inputs<M::Input, E> + ?Sized, Y: Targets<L::Target, E> + ?Sized>(
        &mut self,
        x: &X,
        y: &Y,
    ) -> Result<f32, TrainError> {
        let (xd, yd) = (x.data(), y.data());
        let n = same_len(xd.len(), yd.len())?;
        if n == 0 {
            return Err(TrainError::Empty);
        }
        let mut xb = std::mem::take(&mut self.x);
        let mut yb = std::mem::take(&mut self.y);
        if x.contiguous().is_none() || y.contiguous().is_none() {
            self.idx.clear();
            self.idx.extend(0..n);
        }
        let xs = match x.contiguous() {
            Some(s) => s,
            None => {
                xd.gather_with(&self.idx, &mut xb, self.compute.parallelism)?;
                &xb
            }
        };
        let ys = match y.contiguous() {
            Some(s) => s,
            None => {
                yd.gather_with(&self.idx, &mut yb, self.compute.parallelism)?;
                &yb
            }
        };
        let r = self.step(xs, ys, n);
        self.x = xb;
        self.y = yb;
        r.and_then(|r| r.map_err(TrainError::NonFiniteStep))
    }

    /// The step itself, on flat buffers of `n` samples; the outer error is
    /// a bad target or output, the inner one what became non-finite.
    fn step(
        &mut self,
        x: &[E],
        y: &[E],
        n: usize,
    ) -> Result<Result<f32, NonFiniteValue>, TrainError> {
        let y = BatchRef::<L::Target, E>::new(y, n)?;
        self.loss.check_targets(y)?;
        let m = &mut self.model;
        let x = BatchRef::<M::Input, E>::new(x, n)?;
        let out = BatchMut::resized(&mut self.out, n);
        m.forward_train(x, out, &mut self.cache, &mut self.rng);
        let scored = Scored::new(BatchRef::new(&self.out, n)?, y)?;
        let loss = self.loss.loss(scored);
        if !loss.is_finite() {
            return Ok(Err(NonFiniteValue::Loss(loss)));
        }
        // Sized here as well as by the loss, so that a user's loss that
        // writes without resizing still gets the right length.
        scored.grad_batch(&mut self.grad);
        let fused = self
            .loss
            .grad_before_activation(M::FINAL_ACTIVATION, scored, &mut self.grad);
        if !fused {
            self.loss.grad(scored, &mut self.grad);
        }
        m.backward(crate::Backward {
            x,
            out: scored.pred(),
            grad_out: BatchMut::new(&mut self.grad, n)?,
            grad_of: if fused {
                crate::GradOf::PreActivation
            } else {
                crate::GradOf::Output
            },
            cache: &mut self.cache,
            grads: &mut self.grads,
            grad_in: None,
        });
        let bad = self.optimizer.step_checked(m, &self.grads);
        self.metric.update(scored);
        Ok(match bad {
            None => Ok(loss),
            Some(NonFiniteIn::Gradient(i)) => Err(NonFiniteValue::Gradient(m.name_of(i))),
            Some(NonFiniteIn::Parameter(i)) => Err(NonFiniteValue::Parameter(m.name_of(i))),
        })
    }

    /// The gradients of the last step.
    pub fn grads(&self) -> &M::Grads {
        &self.grads
    }

    /// Trains on `x` and `y` as Keras's `fit` does: `x` a batch of the
    /// model's inputs and `y` of the loss's targets (tensors, or [`Data`]
    /// for `u8` pixels), `cfg` a [`FitConfig`] (by value or by reference).
    /// Returns the per-epoch history. [`fit_with`](Self::fit_with) adds
    /// validation data and callbacks.
    ///
    /// The first time the loss, a gradient or a parameter becomes NaN or
    /// infinite, training stops with [`TrainError::NonFinite`] naming the
    /// epoch, the step and what it was (`dense_0.kernel`). A loss that
    /// diverges (see [`Divergence`]) does not stop training: it is marked
    /// in the progress line (`- diverging`) and recorded in
    /// [`History::diverged`].
    ///
    /// ```
    /// # extern crate shaped_nn as shaped;
    /// use shaped_nn::{losses::CategoricalCrossentropy, metrics::Accuracy, model, optim::RmsProp};
    /// use shaped_nn::{train::{FitConfig, Trainer, Verbosity}, Dense, Relu, Softmax};
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// model! { struct Tiny: 4 => [Dense<8, Relu>, Dense<2, Softmax>] }
    /// let x = Tensor::<shape![_, 4]>::ones_with((Dyn(6), Sz));
    /// let y = Tensor::<shape![_, 2]>::from_shape_vec((Dyn(6), Sz), [1., 0.].repeat(6)).unwrap();
    /// let mut t = Trainer::new(Tiny::seeded(0), RmsProp::default(), CategoricalCrossentropy, Accuracy::default());
    /// let cfg = FitConfig::new().epochs(3).batch_size(4).verbosity(Verbosity::Silent);
    /// let history = t.fit(&x, &y, cfg).unwrap();
    /// assert_eq!(history.epochs.len(), 3);
    /// assert!(t.evaluate(&x, &y, 32).unwrap().loss < history.epochs[0].loss);
    /// ```
    pub fn fit<X: Inputs<M::Input, E> + ?Sized, Y: Targets<L::Target, E> + ?Sized>(
        &mut self,
        x: &X,
        y: &Y,
        cfg: impl Borrow<FitConfig>,
    ) -> Result<History, TrainError> {
        self.fit_with(x, y, cfg, None, &mut [])
    }

    /// [`fit`](Self::fit) with validation data, evaluated at every epoch's
    /// end (it takes the place of `cfg.validation_split`), and `callbacks`,
    /// called at every epoch's end.
    pub fn fit_with<X: Inputs<M::Input, E> + ?Sized, Y: Targets<L::Target, E> + ?Sized>(
        &mut self,
        x: &X,
        y: &Y,
        cfg: impl Borrow<FitConfig>,
        validation: Option<Labeled<'_, M::Input, L::Target, E>>,
        callbacks: &mut [&mut dyn Callback],
    ) -> Result<History, TrainError> {
        let validation = validation
            .as_ref()
            .map(|v| v as &ValidationSet<'_, M, L, E>);
        self.fit_dataset_with(&(x.data(), y.data()), cfg, validation, callbacks)
    }

    /// [`fit`](Self::fit) on a [`Dataset`]: samples and targets from one
    /// source (stored, decoded or computed on the fly), whose shapes are
    /// checked against the model's and the loss's at compile time. Runs as
    /// `fit` does, with the same errors; a step allocates nothing once the
    /// buffers have grown to the batch size.
    ///
    /// ```
    /// # extern crate shaped_nn as shaped;
    /// use shaped_nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::Sgd};
    /// use shaped_nn::{train::{Data, FitConfig, Trainer, Verbosity}, Dense, Linear};
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// model! { struct Line: 2 => [Dense<1, Linear>] }
    /// let x = Tensor::<shape![_, 2]>::ones_with((Dyn(8), Sz));
    /// let y = Tensor::<(Dyn, Sz<1>)>::zeros_with((Dyn(8), Sz));
    /// let mut t = Trainer::new(Line::seeded(0), Sgd::new(0.1), MeanSquaredError, BinaryAccuracy::default());
    /// let cfg = FitConfig::new().epochs(5).batch_size(4).verbosity(Verbosity::Silent);
    /// let h = t.fit_dataset(&(Data::f32(&x), Data::f32(&y)), cfg).unwrap();
    /// assert!(h.epochs[4].loss < h.epochs[0].loss);
    /// ```
    pub fn fit_dataset<D>(
        &mut self,
        data: &D,
        cfg: impl Borrow<FitConfig>,
    ) -> Result<History, TrainError>
    where
        D: Dataset<E, Sample = M::Input, Target = L::Target> + ?Sized,
    {
        self.fit_dataset_with(data, cfg, None, &mut [])
    }

    /// [`fit_dataset`](Self::fit_dataset) with a validation data set,
    /// evaluated at every epoch's end (it takes the place of
    /// `cfg.validation_split`, which otherwise holds out the last samples
    /// of `data`), and `callbacks`, called at every epoch's end.
    pub fn fit_dataset_with<D>(
        &mut self,
        data: &D,
        cfg: impl Borrow<FitConfig>,
        validation: Option<&ValidationSet<'_, M, L, E>>,
        callbacks: &mut [&mut dyn Callback],
    ) -> Result<History, TrainError>
    where
        D: Dataset<E, Sample = M::Input, Target = L::Target> + ?Sized,
    {
        let cfg: &FitConfig = cfg.borrow();
        let _hot = self.kernel_threads();
        let (inputs, targets) = data.counts();
        let n = same_len(inputs, targets)?;
        let held = (n as f64 * cfg.validation_split.clamp(0.0, 1.0) as f64) as usize;
        let n_train = n - held;
        let validation = match validation {
            Some(v) => Some((v, 0..v.len())),
            None => (held > 0).then_some((&data as &ValidationSet<'_, M, L, E>, n_train..n)),
        };
        if n_train == 0 || cfg.batch_size == 0 {
            return Err(TrainError::Empty);
        }
        let mut shuffle_rng = StdRng::seed_from_u64(cfg.seed);
        self.rng = StdRng::seed_from_u64(cfg.seed.wrapping_add(1));
        self.order.clear();
        self.order.extend(0..n_train);
        let steps = n_train.div_ceil(cfg.batch_size);
        let mut history = History {
            metric_name: Me::NAME,
            epochs: Vec::new(),
            diverged: None,
        };
        // The loss of the untrained model (the first step), and the first
        // epoch's mean: what a diverging loss is measured against.
        let mut first_step_loss = None;
        let mut first_epoch_loss = None;
        for epoch in 1..=cfg.epochs {
            if cfg.shuffle {
                self.order.shuffle(&mut shuffle_rng);
            }
            self.metric.reset();
            let progress = EpochProgress::start(cfg.verbosity, epoch, cfg.epochs, steps, Me::NAME);
            let start = Instant::now();
            let (mut loss_sum, mut seen) = (0.0f64, 0usize);
            for step in 0..steps {
                let lo = step * cfg.batch_size;
                let hi = (lo + cfg.batch_size).min(n_train);
                let n = hi - lo;
                let mut xb = std::mem::take(&mut self.x);
                let mut yb = std::mem::take(&mut self.y);
                xb.resize(batch_len::<M::Input>(n), E::ZERO);
                yb.resize(batch_len::<L::Target>(n), E::ZERO);
                let gathered = data.gather_with(
                    &self.order[lo..hi],
                    &mut xb,
                    &mut yb,
                    self.compute.parallelism,
                );
                let r = gathered
                    .map_err(TrainError::from)
                    .and_then(|()| self.step(&xb, &yb, n));
                self.x = xb;
                self.y = yb;
                let loss = r?.map_err(|what| TrainError::NonFinite {
                    epoch,
                    step: step + 1,
                    what,
                })?;
                let first = *first_step_loss.get_or_insert(loss);
                loss_sum += loss as f64 * n as f64;
                seen += n;
                let running = (loss_sum / seen as f64) as f32;
                // Judged once a tenth of the epoch is in the mean, so that
                // one noisy batch does not raise it.
                let settled = (step + 1) * 10 >= steps;
                let diverging = settled && Divergence::rule(running, first, first_epoch_loss);
                progress.update(step + 1, running, self.metric.result(), diverging);
            }
            let seconds = start.elapsed().as_secs_f64();
            let (loss, metric) = ((loss_sum / seen as f64) as f32, self.metric.result());
            let first = first_step_loss.unwrap_or(loss);
            let diverging = Divergence::rule(loss, first, first_epoch_loss);
            if diverging && history.diverged.is_none() {
                history.diverged = Some(Divergence {
                    epoch,
                    loss,
                    first_step_loss: first,
                    first_epoch_loss: first_epoch_loss.unwrap_or(loss),
                });
            }
            first_epoch_loss.get_or_insert(loss);
            let val = match &validation {
                Some((v, range)) => Some(self.evaluate_range(*v, range.clone(), cfg.batch_size)?),
                None => None,
            };
            progress.finish(loss, metric, val.map(|e| (e.loss, e.metric)), diverging);
            let log = EpochLog {
                epoch,
                loss,
                metric,
                val_loss: val.map(|e| e.loss),
                val_metric: val.map(|e| e.metric),
                seconds,
            };
            history.epochs.push(log.clone());
            let mut stop = false;
            for cb in callbacks.iter_mut() {
                stop |= cb.on_epoch_end(&log) == Control::Stop;
            }
            if stop {
                break;
            }
        }
        Ok(history)
    }

    /// The mean loss and the metric over `x` and `y`, in batches of
    /// `batch_size`. Errors as [`fit`](Self::fit)'s: different sample
    /// counts, no samples or a batch size of 0, a label that is not a class.
    /// After the first call at a batch size it allocates nothing.
    ///
    /// ```
    /// # extern crate shaped_nn as shaped;
    /// use shaped_nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::Sgd};
    /// use shaped_nn::{train::{TrainError, Trainer}, Dense, Linear};
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// model! { struct Line: 2 => [Dense<2, Linear>] }
    /// let mut t = Trainer::new(Line::seeded(0), Sgd::new(0.1), MeanSquaredError, BinaryAccuracy::default());
    /// let x = Tensor::<shape![_, 2]>::ones_with((Dyn(100), Sz));
    /// let y = Tensor::<shape![_, 2]>::zeros_with((Dyn(600), Sz));
    /// assert_eq!(t.evaluate(&x, &y, 32), Err(TrainError::LengthMismatch { inputs: 100, targets: 600 }));
    /// ```
    pub fn evaluate<X: Inputs<M::Input, E> + ?Sized, Y: Targets<L::Target, E> + ?Sized>(
        &mut self,
        x: &X,
        y: &Y,
        batch_size: usize,
    ) -> Result<Evaluation, TrainError> {
        self.evaluate_dataset(&(x.data(), y.data()), batch_size)
    }

    /// [`evaluate`](Self::evaluate) on a [`Dataset`]: the mean loss and the
    /// metric over all its samples, in batches of `batch_size`, with the
    /// same errors. After the first call at a batch size it allocates
    /// nothing.
    pub fn evaluate_dataset<D>(
        &mut self,
        data: &D,
        batch_size: usize,
    ) -> Result<Evaluation, TrainError>
    where
        D: Dataset<E, Sample = M::Input, Target = L::Target> + ?Sized,
    {
        let (inputs, targets) = data.counts();
        let n = same_len(inputs, targets)?;
        self.evaluate_range(data, 0..n, batch_size)
    }

    /// The evaluation of the samples `range` of `data`.
    fn evaluate_range<D>(
        &mut self,
        data: &D,
        range: Range<usize>,
        batch_size: usize,
    ) -> Result<Evaluation, TrainError>
    where
        D: Dataset<E, Sample = M::Input, Target = L::Target> + ?Sized,
    {
        let (inputs, targets) = data.counts();
        same_len(inputs, targets)?;
        if range.is_empty() || batch_size == 0 {
            return Err(TrainError::Empty);
        }
        self.join_kernel_threads();
        self.metric.reset();
        let (mut loss_sum, mut seen) = (0.0f64, 0usize);
        for lo in range.clone().step_by(batch_size) {
            let k = batch_size.min(range.end - lo);
            self.idx.clear();
            self.idx.extend(lo..lo + k);
            self.x.resize(batch_len::<M::Input>(k), E::ZERO);
            self.y.resize(batch_len::<L::Target>(k), E::ZERO);
            let par = self.compute.parallelism;
            data.gather_with(&self.idx, &mut self.x, &mut self.y, par)?;
            let y = BatchRef::new(&self.y, k)?;
            self.loss.check_targets(y)?;
            let (x, out) = (
                BatchRef::new(&self.x, k)?,
                BatchMut::resized(&mut self.out, k),
            );
            self.model.forward_reusing(x, out, &mut self.infer_cache);
            let scored = Scored::new(BatchRef::new(&self.out, k)?, y)?;
            loss_sum += self.loss.loss(scored) as f64 * k as f64;
            seen += k;
            self.metric.update(scored);
        }
        let e = Evaluation {
            loss: (loss_sum / seen as f64) as f32,
            metric: self.metric.result(),
        };
        self.metric.reset();
        Ok(e)
    }

    /// The model's outputs for every sample of `x` (a batch: one sample
    /// needs a batch axis), in batches of 1024 through the trainer's
    /// buffers: after the first call, the only allocation is the returned
    /// tensor.
    pub fn predict<X>(
        &mut self,
        x: &X,
    ) -> Result<Tensor<<M::Output as Batched>::Batch, E>, TrainError>
    where
        X: PredictInputs<M::Input, E> + ?Sized,
    {
        self.join_kernel_threads();
        predict_with(
            &self.model,
            x.data(),
            self.compute.parallelism,
            &mut self.idx,
            &mut self.x,
            &mut self.out,
            &mut self.infer_cache,
        )
    }
}

/// A validation data set of the trainer's model and loss, as
/// [`Trainer::fit_dataset_with`] takes it.
pub type ValidationSet<'a, M, L, E = f32> = dyn Dataset<
        E,
        Sample = <M as Layer<E>>::Input,
        Target = <L as Loss<<M as Layer<E>>::Output, E>>::Target,
    > + 'a;

/// The values of a batch of `n` samples of shape `S`.
fn batch_len<S: Batched>(n: usize) -> usize {
    n.checked_mul(S::NUMEL)
        .expect("a batch of more values than memory can hold")
}

/// The common count of inputs and targets, or the mismatch.
fn same_len(inputs: usize, targets: usize) -> Result<usize, TrainError> {
    if inputs == targets {
        Ok(inputs)
    } else {
        Err(TrainError::LengthMismatch { inputs, targets })
    }
}

/// The outputs of `model` for every sample of `x` (a batch: one sample
/// needs a batch axis), in batches of 1024. Allocates its buffers for each
/// call; [`Trainer::predict`] reuses the trainer's.
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::{model, train::predict, Dense, Softmax};
/// use shaped_core::{shape, Dyn, Sz, Tensor};
/// model! { struct Tiny: 3 => [Dense<2, Softmax>] }
/// let x = Tensor::<shape![_, 3]>::ones_with((Dyn(4), Sz));
/// let p: Tensor<shape![_, 2]> = predict(&Tiny::seeded(0), &x).unwrap();
/// assert_eq!(p.dims(), [4, 2]);
/// ```
pub fn predict<M: Layer<E>, E: Float, X: PredictInputs<M::Input, E> + ?Sized>(
    model: &M,
    x: &X,
) -> Result<Tensor<<M::Output as Batched>::Batch, E>, TrainError> {
    let mut cache = M::Cache::default();
    let (mut idx, mut xb, mut ob) = (Vec::new(), Vec::new(), Vec::new());
    shaped_core::kernels::join_kernel_threads();
    predict_with(
        model,
        x.data(),
        Parallelism::Rayon,
        &mut idx,
        &mut xb,
        &mut ob,
        &mut cache,
    )
}

/// `predict` through the given buffers.
fn predict_with<M: Layer<E>, E: Float>(
    model: &M,
    x: Data<'_, M::Input, E>,
    par: Parallelism,
    idx: &mut Vec<usize>,
    xb: &mut Vec<E>,
    ob: &mut Vec<E>,
    cache: &mut M::Cache,
) -> Result<Tensor<<M::Output as Batched>::Batch, E>, TrainError> {
    let n = x.len();
    let mut out = Vec::with_capacity(n.saturating_mul(M::Output::NUMEL));
    for lo in (0..n).step_by(1024) {
        let k = 1024.min(n - lo);
        idx.clear();
        idx.extend(lo..lo + k);
        x.gather_with(idx, xb, par)?;
        let (xk, ok) = (BatchRef::new(xb, k)?, BatchMut::resized(ob, k));
        model.forward_reusing(xk, ok, cache);
        out.extend_from_slice(ob);
    }
    let got = out.len();
    Tensor::from_shape_vec(<M::Output as Batched>::batch(n), out).map_err(|_| {
        TrainError::Batch(BatchLenError {
            samples: n,
            sample_dims: M::Output::DIMS.as_ref().to_vec(),
            got,
        })
    })
}
