//! Optimizers: each updates a model's parameters from its gradients, with a
//! state typed by the model (`RmsProp<Mnist>` holds `MnistGrads`-shaped
//! accumulators), so that an optimizer cannot be given to a trainer of
//! another model.

mod adam;
mod kernels;
mod rmsprop;
mod sgd;

pub use adam::Adam;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;

use crate::{Layer, Parameters};

/// An optimizer for model `M`. Each optimizer of this crate is typed by
/// the model whose state it holds (`RmsProp<Mnist>`), so an optimizer made
/// for another model does not compile, with a message naming both.
///
/// ```
/// use nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::RmsProp};
/// use nn::{train::Trainer, Dense, Linear};
/// model! { struct Line: 2 => [Dense<2, Linear>] }
/// let opt: RmsProp<Line> = RmsProp::default();
/// let _t = Trainer::new(Line::seeded(0), opt, MeanSquaredError, BinaryAccuracy::default());
/// // Or with the model's type inferred from the trainer's model:
/// let _t = Trainer::new(Line::seeded(0), RmsProp::default(), MeanSquaredError, BinaryAccuracy::default());
/// ```
#[diagnostic::on_unimplemented(
    message = "the optimizer `{Self}` holds the state of another model, not of `{M}`",
    label = "this optimizer's state was made for another model; the trainer's model is `{M}`",
    note = "an optimizer is typed by the model it trains: make one for `{M}`, or pass `RmsProp::default()` (or `Adam`, `Sgd`) and let the trainer infer the model"
)]
pub trait Optimizer<M: Layer> {
    /// Keras's name for it.
    fn name(&self) -> &'static str;
    /// One update of `model` from `grads`.
    fn step(&mut self, model: &mut M, grads: &M::Grads);
    /// One update, reporting the first tensor (in the model's order) whose
    /// gradient, or whose value after the update, holds a NaN or an
    /// infinity; the update is made either way. `fit` stops on it with
    /// [`TrainError::NonFinite`](crate::train::TrainError::NonFinite).
    ///
    /// The default steps, then reads every gradient and parameter once more;
    /// the optimizers of this crate check inside their update loop instead,
    /// in the same pass over memory.
    fn step_checked(&mut self, model: &mut M, grads: &M::Grads) -> Option<NonFiniteIn> {
        self.step(model, grads);
        let mut first = None;
        for i in 0..model.len() {
            let f = kernels::check_all(model.get(i), grads.get(i));
            first = first.or_else(|| NonFiniteIn::from_check(i, f));
        }
        first
    }
    /// The state, for checkpoints: (name, tensors) pairs, in a fixed order.
    fn state(&self) -> Vec<(&'static str, &M::Grads)>;
    /// The state, mutable, for loading a checkpoint. Allocates it if this
    /// optimizer has not stepped yet.
    fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M::Grads)>;
    /// How many steps it has taken.
    fn iterations(&self) -> u64;
    /// Sets the step count (when loading a checkpoint).
    fn set_iterations(&mut self, t: u64);
}

pub(crate) use kernels::{flush, Finite};

/// Which tensor an update found NaN or infinite in, by its index in the
/// model's [`Parameters`] order (`model.name_of(i)` names it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonFiniteIn {
    /// The gradient of tensor `i`.
    Gradient(usize),
    /// Tensor `i` itself, after the update.
    Parameter(usize),
}

impl NonFiniteIn {
    /// The report of tensor `i`'s check: its gradient first (a NaN gradient
    /// makes the parameter NaN too; the gradient is the cause).
    pub(crate) fn from_check(i: usize, f: Finite) -> Option<NonFiniteIn> {
        if !f.grad_ok() {
            Some(NonFiniteIn::Gradient(i))
        } else if !f.param_ok() {
            Some(NonFiniteIn::Parameter(i))
        } else {
            None
        }
    }
}

/// Zips each tensor of the model with its gradient; `f` updates it and
/// returns its check. Every tensor is updated; the first failed check is
/// returned.
pub(crate) fn for_each_tensor<M: Layer>(
    model: &mut M,
    grads: &M::Grads,
    mut f: impl FnMut(usize, &mut [f32], &[f32]) -> Finite,
) -> Option<NonFiniteIn> {
    let mut first = None;
    for i in 0..model.len() {
        let check = f(i, model.get_mut(i), grads.get(i));
        first = first.or_else(|| NonFiniteIn::from_check(i, check));
    }
    first
}
