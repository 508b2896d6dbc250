//! Stochastic gradient descent with momentum, Nesterov momentum and weight
//! decay, as Keras computes them.

use super::{for_each_tensor, kernels::check_all, widen, NonFiniteIn, Typed};
use crate::{Layer, Parameters};
use shaped_core::Float;

/// SGD. With `momentum` m > 0 (Keras's form):
/// `v = m v - lr g; w += v` (Nesterov: `w += m v - lr g`). `weight_decay`
/// is Keras's decoupled decay, applied before the update: `w -= lr wd w`.
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::optim::Sgd;
/// use shaped_nn::{model, Dense, Softmax};
/// model! { struct Tiny: 3 => [Dense<2, Softmax>] }
/// let opt: Sgd<Tiny> = Sgd::new(0.01).momentum(0.9).nesterov(true);
/// assert_eq!(opt.learning_rate, 0.01);
/// ```
pub struct Sgd<M: Layer<E>, E: Float = f32> {
    /// The learning rate.
    pub learning_rate: f32,
    /// Momentum (0 for none).
    pub momentum: f32,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// Decoupled weight decay (0 for none).
    pub weight_decay: f32,
    velocity: Option<M::Grads>,
    t: u64,
}

// By hand rather than derived: a derive would also ask the model type
// itself to be `Clone`/`Debug`, where only its gradients are stored.
impl<M: Layer<E>, E: Float> Clone for Sgd<M, E>
where
    M::Grads: Clone,
{
    fn clone(&self) -> Self {
        Sgd {
            learning_rate: self.learning_rate,
            momentum: self.momentum,
            nesterov: self.nesterov,
            weight_decay: self.weight_decay,
            velocity: self.velocity.clone(),
            t: self.t,
        }
    }
}

impl<M: Layer<E>, E: Float> std::fmt::Debug for Sgd<M, E>
where
    M::Grads: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sgd")
            .field("learning_rate", &self.learning_rate)
            .field("momentum", &self.momentum)
            .field("nesterov", &self.nesterov)
            .field("weight_decay", &self.weight_decay)
            .field("velocity", &self.velocity)
            .field("t", &self.t)
            .finish()
    }
}

impl<M: Layer<E>, E: Float> Sgd<M, E> {
    /// Plain SGD with this learning rate.
    pub fn new(learning_rate: f32) -> Self {
        Sgd {
            learning_rate,
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            velocity: None,
            t: 0,
        }
    }
    /// With momentum.
    pub fn momentum(mut self, m: f32) -> Self {
        self.momentum = m;
        self
    }
    /// With Nesterov momentum.
    pub fn nesterov(mut self, on: bool) -> Self {
        self.nesterov = on;
        self
    }
    /// With decoupled weight decay.
    pub fn weight_decay(mut self, wd: f32) -> Self {
        self.weight_decay = wd;
        self
    }
}

impl<M: Layer<E>, E: Float> Default for Sgd<M, E> {
    /// Keras's default: learning rate 0.01, no momentum.
    fn default() -> Self {
        Self::new(0.01)
    }
}

typed_optimizer!(Sgd);

impl<M: Layer<E>, E: Float> Typed<M, E> for Sgd<M, E> {
    fn name(&self) -> &'static str {
        "SGD"
    }
    fn step(&mut self, model: &mut M, grads: &M::Grads) {
        self.step_checked(model, grads);
    }
    fn step_checked(&mut self, model: &mut M, grads: &M::Grads) -> Option<NonFiniteIn> {
        let (lr, m, wd, nesterov): (E, E, E, bool) = (
            widen(self.learning_rate),
            widen(self.momentum),
            widen(self.weight_decay),
            self.nesterov,
        );
        if m > E::ZERO && self.velocity.is_none() {
            self.velocity = Some(model.zero_grads());
        }
        let mut vel = self.velocity.as_mut();
        let first = for_each_tensor(model, grads, |i, w, g| {
            if wd > E::ZERO {
                w.iter_mut().for_each(|w| *w -= lr * wd * *w);
            }
            match vel.as_deref_mut() {
                None => w.iter_mut().zip(g).for_each(|(w, &g)| *w -= lr * g),
                Some(v) => {
                    for ((w, &g), v) in w.iter_mut().zip(g).zip(v.get_mut(i).iter_mut()) {
                        *v = m * *v - lr * g;
                        *w += if nesterov { m * *v - lr * g } else { *v };
                    }
                }
            }
            check_all(w, g)
        });
        self.t += 1;
        first
    }
    fn state(&self) -> Vec<(&'static str, &M::Grads)> {
        self.velocity.iter().map(|v| ("momentum", v)).collect()
    }
    fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M::Grads)> {
        if self.momentum > 0.0 && self.velocity.is_none() {
            self.velocity = Some(model.zero_grads());
        }
        self.velocity.iter_mut().map(|v| ("momentum", v)).collect()
    }
    fn iterations(&self) -> u64 {
        self.t
    }
    fn set_iterations(&mut self, t: u64) {
        self.t = t;
    }
}
