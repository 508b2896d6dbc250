//! Adam with Keras's defaults.

use super::{f32_parts, flush, for_each_tensor, kernels::check_all, widen, NonFiniteIn, Typed};
use crate::{Layer, Parameters};
use shaped_core::dtype::downcast_slice_mut;
use shaped_core::kernels::Parallelism;
use shaped_core::Float;

/// Adam, Keras's form: `m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)`, with
/// Keras's defaults lr 1e-3, b1 0.9, b2 0.999, epsilon 1e-7.
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::optim::Adam;
/// use shaped_nn::{model, Dense, Softmax};
/// model! { struct Tiny: 3 => [Dense<2, Softmax>] }
/// let opt: Adam<Tiny> = Adam::default();
/// assert_eq!(opt.epsilon, 1e-7);
/// ```
pub struct Adam<M: Layer<E>, E: Float = f32> {
    /// The learning rate.
    pub learning_rate: f32,
    /// The first moment's decay.
    pub beta_1: f32,
    /// The second moment's decay.
    pub beta_2: f32,
    /// Added to the square root of the second moment.
    pub epsilon: f32,
    m: Option<M::Grads>,
    v: Option<M::Grads>,
    /// How many of the kernel threads an update of a large tensor may use
    /// (default: all). A [`Trainer`](crate::train::Trainer) sets it from
    /// its [`Compute`](crate::Compute).
    pub parallelism: Parallelism,
    t: u64,
}

// By hand rather than derived: a derive would also ask the model type
// itself to be `Clone`/`Debug`, where only its gradients are stored.
impl<M: Layer<E>, E: Float> Clone for Adam<M, E>
where
    M::Grads: Clone,
{
    fn clone(&self) -> Self {
        Adam {
            learning_rate: self.learning_rate,
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            m: self.m.clone(),
            v: self.v.clone(),
            parallelism: self.parallelism,
            t: self.t,
        }
    }
}

impl<M: Layer<E>, E: Float> std::fmt::Debug for Adam<M, E>
where
    M::Grads: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adam")
            .field("learning_rate", &self.learning_rate)
            .field("beta_1", &self.beta_1)
            .field("beta_2", &self.beta_2)
            .field("epsilon", &self.epsilon)
            .field("m", &self.m)
            .field("v", &self.v)
            .field("parallelism", &self.parallelism)
            .field("t", &self.t)
            .finish()
    }
}

impl<M: Layer<E>, E: Float> Default for Adam<M, E> {
    fn default() -> Self {
        Adam {
            learning_rate: 1e-3,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            m: None,
            v: None,
            parallelism: Parallelism::Rayon,
            t: 0,
        }
    }
}

impl<M: Layer<E>, E: Float> Adam<M, E> {
    /// Keras's defaults with this learning rate.
    pub fn new(learning_rate: f32) -> Self {
        Adam {
            learning_rate,
            ..Self::default()
        }
    }
}

typed_optimizer!(Adam);

impl<M: Layer<E>, E: Float> Typed<M, E> for Adam<M, E> {
    fn set_parallelism(&mut self, parallelism: Parallelism) {
        self.parallelism = parallelism;
    }
    fn name(&self) -> &'static str {
        "Adam"
    }
    fn step(&mut self, model: &mut M, grads: &M::Grads) {
        self.step_checked(model, grads);
    }
    fn step_checked(&mut self, model: &mut M, grads: &M::Grads) -> Option<NonFiniteIn> {
        if self.m.is_none() {
            self.m = Some(model.zero_grads());
            self.v = Some(model.zero_grads());
        }
        self.t += 1;
        let (b1, b2, eps) = (self.beta_1, self.beta_2, self.epsilon);
        let t = self.t as i32;
        let alpha = self.learning_rate * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
        // The same in the model's element type (for `f32`, the same values).
        let (b1e, b2e, epse): (E, E, E) = (widen(b1), widen(b2), widen(eps));
        let alpha_e =
            widen::<E>(self.learning_rate) * (E::ONE - b2e.powi(t)).sqrt() / (E::ONE - b1e.powi(t));
        let (ms, vs) = (self.m.as_mut().unwrap(), self.v.as_mut().unwrap());
        let par = self.parallelism;
        for_each_tensor(model, grads, |i, w, g| {
            let (m, v) = (ms.get_mut(i), vs.get_mut(i));
            if let (Some((w, g, m)), Some(v)) = (f32_parts(w, g, m), downcast_slice_mut(v)) {
                return super::kernels::adam::<true>(w, g, m, v, alpha, b1, b2, eps, par);
            }
            for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                *m = flush(b1e * *m + (E::ONE - b1e) * g);
                *v = flush(b2e * *v + (E::ONE - b2e) * g * g);
                *w -= alpha_e * *m / (v.sqrt() + epse);
            }
            check_all(w, g)
        })
    }
    fn state(&self) -> Vec<(&'static str, &M::Grads)> {
        match (&self.m, &self.v) {
            (Some(m), Some(v)) => vec![("momentum", m), ("velocity", v)],
            _ => Vec::new(),
        }
    }
    fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M::Grads)> {
        if self.m.is_none() {
            self.m = Some(model.zero_grads());
            self.v = Some(model.zero_grads());
        }
        vec![
            ("momentum", self.m.as_mut().unwrap()),
            ("velocity", self.v.as_mut().unwrap()),
        ]
    }
    fn iterations(&self) -> u64 {
        self.t
    }
    fn set_iterations(&mut self, t: u64) {
        self.t = t;
    }
}
