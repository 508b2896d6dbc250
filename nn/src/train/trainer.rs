//! The training loop: Keras's `compile` + `fit` / `evaluate` / `predict`,
//! and [`Trainer::train_step`] for writing one's own loop.

use super::history::Divergence;
use super::{
    callbacks::{Callback, Control},
    data::Data,
    history::{EpochLog, History},
    progress::{EpochProgress, Verbosity},
};
use crate::{
    batch::Batched,
    losses::Loss,
    metrics::Metric,
    optim::{NonFiniteIn, Optimizer},
    Layer,
};
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use std::time::Instant;
use tensor_core::Tensor;

/// Inputs with their targets (validation data).
pub type Labeled<'a, I, T> = (Data<'a, I>, Data<'a, T>);

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
    /// A batch size of zero, or no samples left to train on.
    Empty,
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
        }
    }
}

impl std::error::Error for TrainError {}

/// A model compiled with an optimizer, a loss and a metric, with the
/// buffers its steps reuse: after the first step at a batch size, a step
/// allocates nothing.
pub struct Trainer<M, O, L, Me>
where
    M: Layer,
    O: Optimizer<M>,
    L: Loss<M::Output>,
    Me: Metric<M::Output, Target = L::Target>,
{
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
    x: Vec<f32>,
    y: Vec<f32>,
    out: Vec<f32>,
    grad: Vec<f32>,
    order: Vec<usize>,
    rng: StdRng,
}

/// The results of `evaluate`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// The mean loss.
    pub loss: f32,
    /// The metric.
    pub metric: f32,
}

impl<M, O, L, Me> Trainer<M, O, L, Me>
where
    M: Layer,
    O: Optimizer<M>,
    L: Loss<M::Output>,
    Me: Metric<M::Output, Target = L::Target>,
{
    /// Compiles `model` with an optimizer, a loss and a metric.
    pub fn new(model: M, optimizer: O, loss: L, metric: Me) -> Self {
        let grads = model.zero_grads();
        Trainer {
            model,
            optimizer,
            loss,
            metric,
            grads,
            cache: Default::default(),
            x: Vec::new(),
            y: Vec::new(),
            out: Vec::new(),
            grad: Vec::new(),
            order: Vec::new(),
            rng: StdRng::seed_from_u64(0),
        }
    }

    /// One step on a batch of `n` samples already in flat buffers: forward,
    /// loss, backward, update, metric. Returns the batch's loss, or what
    /// became NaN or infinite: the loss (then nothing is updated), a
    /// gradient or a parameter (checked inside the optimizer's update pass).
    pub fn train_step(&mut self, x: &[f32], y: &[f32], n: usize) -> Result<f32, NonFiniteValue> {
        let m = &mut self.model;
        m.forward_train(x, n, &mut self.out, &mut self.cache, &mut self.rng);
        let loss = self.loss.loss(&self.out, y, n);
        if !loss.is_finite() {
            return Err(NonFiniteValue::Loss(loss));
        }
        self.grad.resize(self.out.len(), 0.0);
        let fused =
            self.loss
                .grad_before_activation(M::FINAL_ACTIVATION, &self.out, y, n, &mut self.grad);
        if !fused {
            self.loss.grad(&self.out, y, n, &mut self.grad);
        }
        m.backward(
            x,
            &self.out,
            n,
            &mut self.grad,
            fused,
            &mut self.cache,
            &mut self.grads,
            None,
        );
        let bad = self.optimizer.step_checked(m, &self.grads);
        self.metric.update(&self.out, y, n);
        match bad {
            None => Ok(loss),
            Some(NonFiniteIn::Gradient(i)) => Err(NonFiniteValue::Gradient(m.name_of(i))),
            Some(NonFiniteIn::Parameter(i)) => Err(NonFiniteValue::Parameter(m.name_of(i))),
        }
    }

    /// The gradients of the last step.
    pub fn grads(&self) -> &M::Grads {
        &self.grads
    }

    /// Trains on `x` and `y` as Keras's `fit` does, calling `callbacks` at
    /// every epoch's end. Returns the per-epoch history.
    ///
    /// The first time the loss, a gradient or a parameter becomes NaN or
    /// infinite, training stops with [`TrainError::NonFinite`] naming the
    /// epoch, the step and what it was (`dense_0.kernel`). A loss that
    /// diverges (see [`Divergence`]) does not stop training: it is marked
    /// in the progress line (`- diverging`) and recorded in
    /// [`History::diverged`].
    pub fn fit(
        &mut self,
        x: Data<'_, M::Input>,
        y: Data<'_, L::Target>,
        cfg: &FitConfig,
        validation: Option<Labeled<'_, M::Input, L::Target>>,
        callbacks: &mut [&mut dyn Callback],
    ) -> Result<History, TrainError> {
        tensor_core::kernels::join_kernel_threads();
        if x.len() != y.len() {
            return Err(TrainError::LengthMismatch {
                inputs: x.len(),
                targets: y.len(),
            });
        }
        let held = (x.len() as f64 * cfg.validation_split.clamp(0.0, 1.0) as f64) as usize;
        let n_train = x.len() - held;
        let split = (held > 0).then(|| (x.split(n_train, held), y.split(n_train, held)));
        let validation = validation.or(split);
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
                x.gather(&self.order[lo..hi], &mut xb);
                y.gather(&self.order[lo..hi], &mut yb);
                let r = self.train_step(&xb, &yb, n);
                self.x = xb;
                self.y = yb;
                let loss = r.map_err(|what| TrainError::NonFinite {
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
            let val = validation.map(|(vx, vy)| self.evaluate(vx, vy, cfg.batch_size));
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

    /// The mean loss and the metric over `x` and `y`, in batches.
    pub fn evaluate(
        &mut self,
        x: Data<'_, M::Input>,
        y: Data<'_, L::Target>,
        batch_size: usize,
    ) -> Evaluation {
        assert_eq!(
            x.len(),
            y.len(),
            "evaluate: {} inputs but {} targets",
            x.len(),
            y.len()
        );
        tensor_core::kernels::join_kernel_threads();
        self.metric.reset();
        let (mut loss_sum, mut seen) = (0.0f64, 0usize);
        let idx: Vec<usize> = (0..x.len()).collect();
        for chunk in idx.chunks(batch_size.max(1)) {
            x.gather(chunk, &mut self.x);
            y.gather(chunk, &mut self.y);
            self.model.forward(&self.x, chunk.len(), &mut self.out);
            loss_sum += self.loss.loss(&self.out, &self.y, chunk.len()) as f64 * chunk.len() as f64;
            seen += chunk.len();
            self.metric.update(&self.out, &self.y, chunk.len());
        }
        let e = Evaluation {
            loss: (loss_sum / seen.max(1) as f64) as f32,
            metric: self.metric.result(),
        };
        self.metric.reset();
        e
    }

    /// The model's outputs for every sample of `x`.
    pub fn predict(&self, x: Data<'_, M::Input>) -> Tensor<<M::Output as Batched>::Batch> {
        predict(&self.model, x)
    }
}

/// The outputs of `model` for every sample of `x`, in batches of 1024.
///
/// ```
/// use nn::{model, train::{predict, Data}, Dense, Softmax};
/// use tensor_core::{shape, Dyn, Sz, Tensor};
/// model! { struct Tiny: 3 => [Dense<2, Softmax>] }
/// let x = Tensor::<shape![_, 3]>::ones_with((Dyn(4), Sz));
/// let p: Tensor<shape![_, 2]> = predict(&Tiny::seeded(0), Data::f32(&x));
/// assert_eq!(p.dims(), [4, 2]);
/// ```
pub fn predict<M: Layer>(
    model: &M,
    x: Data<'_, M::Input>,
) -> Tensor<<M::Output as Batched>::Batch> {
    use tensor_core::ConstShape;
    let n = x.len();
    let mut out = Vec::with_capacity(n * M::Output::NUMEL);
    let (mut xb, mut ob) = (Vec::new(), Vec::new());
    let idx: Vec<usize> = (0..n).collect();
    for chunk in idx.chunks(1024) {
        x.gather(chunk, &mut xb);
        model.forward(&xb, chunk.len(), &mut ob);
        out.extend_from_slice(&ob);
    }
    Tensor::from_shape_vec(<M::Output as Batched>::batch(n), out)
        .expect("the model produced NUMEL values per sample")
}
