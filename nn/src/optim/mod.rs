//! Optimizers: each updates a model's parameters from its gradients, with a
//! state typed by the model (`RmsProp<Mnist>` holds `MnistGrads`-shaped
//! accumulators).

mod adam;
mod kernels;
mod rmsprop;
mod sgd;

pub use adam::Adam;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;

use crate::{Layer, Parameters};

/// An optimizer for model `M`.
pub trait Optimizer<M: Layer> {
    /// Keras's name for it.
    fn name(&self) -> &'static str;
    /// One update of `model` from `grads`.
    fn step(&mut self, model: &mut M, grads: &M::Grads);
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

pub(crate) use kernels::flush;

/// Zips each tensor of the model, its gradient and one or more state tensors.
pub(crate) fn for_each_tensor<M: Layer>(
    model: &mut M,
    grads: &M::Grads,
    mut f: impl FnMut(usize, &mut [f32], &[f32]),
) {
    for i in 0..model.len() {
        f(i, model.get_mut(i), grads.get(i));
    }
}
