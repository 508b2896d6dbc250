//! Optimizers: each updates a model's parameters from its gradients, with a
//! state typed by the model (`RmsProp<Mnist>` holds `MnistGrads`-shaped
//! accumulators), so that an optimizer cannot be given to a trainer of
//! another model.

pub use adam::Adam;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;

use crate::{Layer, Parameters};
use shaped_core::{dtype::downcast_slice, dtype::downcast_slice_mut, Float};

/// An optimizer for model `M`. Each optimizer of this crate is typed by
/// the model whose state it holds (`RmsProp<Mnist>`), so an optimizer made
/// for another model does not compile, with a message naming both.
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::RmsProp};
/// use shaped_nn::{train::Trainer, Dense, Linear};
/// model! { struct Line: 2 => [Dense<2, Linear>] }
/// let opt: RmsProp<Line> = RmsProp::default();
/// let _t = Trainer::new(Line::seeded(0), opt, MeanSquaredError, BinaryAccuracy::default());
/// // Or with the model's type inferred from the trainer's model:
/// let _t = Trainer::new(Line::seeded(0), RmsProp::default(), MeanSquaredError, BinaryAccuracy::default());
/// ```
#[diagnostic::on_unimplemented(
    message = "the optimizer `{Self}` holds the state of another model, not of `{M}`",
    label = "made for another model: make one for `{M}`, or pass `RmsProp::default()` (or `Adam`, `Sgd`) and let the trainer infer the model"
)]
pub trait Optimizer<M: Layer<E>, E: Float = f32> {
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
    /// Sets how many of the kernel threads an update may use; the
    /// [`Trainer`](crate::train::Trainer) passes its
    /// [`Compute`](crate::Compute)'s. The default ignores it (an update
    /// that never splits its work).
    ///
    /// ```
    /// # extern crate shaped_nn as shaped;
    /// use shaped_core::kernels::Parallelism;
    /// use shaped_nn::optim::{Optimizer, RmsProp};
    /// use shaped_nn::{model, Dense, Softmax};
    /// model! { struct Tiny: 3 => [Dense<2, Softmax>] }
    /// let mut opt: RmsProp<Tiny> = RmsProp::default();
    /// Optimizer::<Tiny>::set_parallelism(&mut opt, Parallelism::None);
    /// assert_eq!(opt.parallelism, Parallelism::None);
    /// ```
    fn set_parallelism(&mut self, _parallelism: shaped_core::kernels::Parallelism) {}
}

/// Model `Self` is model `N`: implemented only for `N` itself. An
/// optimizer's state is typed by the model it was made for (`N`), and this
/// passes the model it is given (`Self`) and its gradients across to it, as
/// the same values.
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::{model, optim::SameModel, Dense, Linear};
/// model! { struct Line: 2 => [Dense<2, Linear>] }
/// let mut m = Line::seeded(0);
/// let same: &mut Line = <Line as SameModel<Line>>::model_mut(&mut m);
/// let _ = same;
/// ```
pub trait SameModel<N: Layer<E>, E: Float = f32>: Layer<E> {
    /// The model, as `N`.
    fn model(m: &Self) -> &N;
    /// The model, mutable, as `N`.
    fn model_mut(m: &mut Self) -> &mut N;
    /// The model's gradients, as `N`'s.
    fn grads(g: &Self::Grads) -> &N::Grads;
    /// `N`'s gradients (an optimizer's state), as this model's.
    fn grads_back(g: &N::Grads) -> &Self::Grads;
    /// `N`'s gradients, mutable, as this model's.
    fn grads_back_mut(g: &mut N::Grads) -> &mut Self::Grads;
}

impl<T: Layer<E>, E: Float> SameModel<T, E> for T {
    fn model(m: &T) -> &T {
        m
    }
    fn model_mut(m: &mut T) -> &mut T {
        m
    }
    fn grads(g: &T::Grads) -> &T::Grads {
        g
    }
    fn grads_back(g: &T::Grads) -> &T::Grads {
        g
    }
    fn grads_back_mut(g: &mut T::Grads) -> &mut T::Grads {
        g
    }
}

/// The optimizers' own updates, typed by the model they were made for; the
/// public [`Optimizer`] impls forward to them.
pub(crate) trait Typed<M: Layer<E>, E: Float> {
    fn name(&self) -> &'static str;
    fn step(&mut self, model: &mut M, grads: &M::Grads);
    fn step_checked(&mut self, model: &mut M, grads: &M::Grads) -> Option<NonFiniteIn>;
    fn state(&self) -> Vec<(&'static str, &M::Grads)>;
    fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M::Grads)>;
    fn iterations(&self) -> u64;
    fn set_iterations(&mut self, t: u64);
    fn set_parallelism(&mut self, _parallelism: shaped_core::kernels::Parallelism) {}
}

/// `Optimizer<M>` for an optimizer made for model `N`, where `M` is `N`.
/// The impl is generic over both (rather than `Optimizer<M> for X<M>`), so
/// that an optimizer of another model is reported by `Optimizer`'s own
/// message, naming both, with no list of impls; `RmsProp::default()` still
/// infers its model from the trainer's (`SameModel` has one impl).
macro_rules! typed_optimizer {
    ($T:ident) => {
        #[diagnostic::do_not_recommend]
        impl<M: Layer<E>, N: Layer<E>, E: Float> $crate::optim::Optimizer<M, E> for $T<N, E>
        where
            M: $crate::optim::SameModel<N, E>,
        {
            fn name(&self) -> &'static str {
                Typed::<N, E>::name(self)
            }
            fn step(&mut self, model: &mut M, grads: &M::Grads) {
                Typed::<N, E>::step(self, M::model_mut(model), M::grads(grads))
            }
            fn step_checked(
                &mut self,
                model: &mut M,
                grads: &M::Grads,
            ) -> Option<$crate::optim::NonFiniteIn> {
                Typed::<N, E>::step_checked(self, M::model_mut(model), M::grads(grads))
            }
            fn state(&self) -> Vec<(&'static str, &M::Grads)> {
                Typed::<N, E>::state(self)
                    .into_iter()
                    .map(|(name, g)| (name, M::grads_back(g)))
                    .collect()
            }
            fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M::Grads)> {
                Typed::<N, E>::state_mut(self, M::model(model))
                    .into_iter()
                    .map(|(name, g)| (name, M::grads_back_mut(g)))
                    .collect()
            }
            fn iterations(&self) -> u64 {
                Typed::<N, E>::iterations(self)
            }
            fn set_iterations(&mut self, t: u64) {
                Typed::<N, E>::set_iterations(self, t)
            }
            fn set_parallelism(&mut self, parallelism: shaped_core::kernels::Parallelism) {
                Typed::<N, E>::set_parallelism(self, parallelism)
            }
        }
    };
}

pub(crate) use kernels::{flush, Finite};

mod adam;
mod kernels;
mod rmsprop;
mod sgd;

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
pub(crate) fn for_each_tensor<M: Layer<E>, E: Float>(
    model: &mut M,
    grads: &M::Grads,
    mut f: impl FnMut(usize, &mut [E], &[E]) -> Finite,
) -> Option<NonFiniteIn> {
    let mut first = None;
    for i in 0..model.len() {
        let check = f(i, model.get_mut(i), grads.get(i));
        first = first.or_else(|| NonFiniteIn::from_check(i, check));
    }
    first
}

/// A hyperparameter (kept in `f32`, as Keras keeps them) in the model's
/// element type: for `f32`, itself.
pub(crate) fn widen<E: Float>(x: f32) -> E {
    E::from_f64(x as f64)
}

/// A parameter, its gradient and one state tensor as `f32` slices, when
/// the model computes in `f32`: the case the SIMD update kernels take.
#[allow(clippy::type_complexity)]
pub(crate) fn f32_parts<'a, E: Float>(
    w: &'a mut [E],
    g: &'a [E],
    s: &'a mut [E],
) -> Option<(&'a mut [f32], &'a [f32], &'a mut [f32])> {
    Some((
        downcast_slice_mut(w)?,
        downcast_slice(g)?,
        downcast_slice_mut(s)?,
    ))
}
