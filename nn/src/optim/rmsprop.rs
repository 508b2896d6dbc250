//! RMSprop exactly as Keras computes it.

use super::{f32_parts, flush, for_each_tensor, kernels::check_all, widen, NonFiniteIn, Typed};
use crate::{Layer, Parameters};
use shaped_core::kernels::Parallelism;
use shaped_core::Float;

/// RMSprop, Keras's form (not PyTorch's):
///
/// ```text
/// v = rho v + (1 - rho) g^2                 (accumulator starts at zero)
/// centered: a = rho a + (1 - rho) g;  d = v - a^2,  else d = v
/// step = lr g / sqrt(d + epsilon)           (epsilon inside the square root)
/// momentum > 0: m = momentum m + step; w -= m,  else w -= step
/// ```
///
/// PyTorch puts epsilon outside (`sqrt(v) + eps`); with Keras's 1e-7 that
/// differs while `v` is tiny. Subnormal accumulator values are flushed to
/// zero (they only arise for weights whose gradient stays zero and would
/// slow every step).
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::optim::RmsProp;
/// use shaped_nn::{model, Dense, Softmax};
/// model! { struct Tiny: 3 => [Dense<2, Softmax>] }
/// let opt: RmsProp<Tiny> = RmsProp::default();
/// assert_eq!((opt.learning_rate, opt.rho, opt.epsilon), (1e-3, 0.9, 1e-7));
/// ```
pub struct RmsProp<M: Layer<E>, E: Float = f32> {
    /// The learning rate (Keras: 1e-3).
    pub learning_rate: f32,
    /// The accumulator's decay (Keras: 0.9).
    pub rho: f32,
    /// Added under the square root (Keras: 1e-7).
    pub epsilon: f32,
    /// Momentum on the step (Keras: 0).
    pub momentum: f32,
    /// Divide by the variance rather than the second moment.
    pub centered: bool,
    /// Flush subnormal accumulator values to zero (on by default; off only
    /// to measure what it saves).
    pub flush_subnormals: bool,
    acc: Option<M::Grads>,
    mean_grad: Option<M::Grads>,
    velocity: Option<M::Grads>,
    /// How many of the kernel threads an update of a large tensor may use
    /// (default: all). A [`Trainer`](crate::train::Trainer) sets it from
    /// its [`Compute`](crate::Compute).
    pub parallelism: Parallelism,
    t: u64,
}

// By hand rather than derived: a derive would also ask the model type
// itself to be `Clone`/`Debug`, where only its gradients are stored.
impl<M: Layer<E>, E: Float> Clone for RmsProp<M, E>
where
    M::Grads: Clone,
{
    fn clone(&self) -> Self {
        RmsProp {
            learning_rate: self.learning_rate,
            rho: self.rho,
            epsilon: self.epsilon,
            momentum: self.momentum,
            centered: self.centered,
            flush_subnormals: self.flush_subnormals,
            acc: self.acc.clone(),
            mean_grad: self.mean_grad.clone(),
            velocity: self.velocity.clone(),
            parallelism: self.parallelism,
            t: self.t,
        }
    }
}

impl<M: Layer<E>, E: Float> std::fmt::Debug for RmsProp<M, E>
where
    M::Grads: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RmsProp")
            .field("learning_rate", &self.learning_rate)
            .field("rho", &self.rho)
            .field("epsilon", &self.epsilon)
            .field("momentum", &self.momentum)
            .field("centered", &self.centered)
            .field("flush_subnormals", &self.flush_subnormals)
            .field("acc", &self.acc)
            .field("mean_grad", &self.mean_grad)
            .field("velocity", &self.velocity)
            .field("parallelism", &self.parallelism)
            .field("t", &self.t)
            .finish()
    }
}

impl<M: Layer<E>, E: Float> Default for RmsProp<M, E> {
    fn default() -> Self {
        RmsProp {
            learning_rate: 1e-3,
            rho: 0.9,
            epsilon: 1e-7,
            momentum: 0.0,
            centered: false,
            flush_subnormals: true,
            acc: None,
            mean_grad: None,
            velocity: None,
            parallelism: Parallelism::Rayon,
            t: 0,
        }
    }
}

impl<M: Layer<E>, E: Float> RmsProp<M, E> {
    /// Keras's defaults with this learning rate.
    pub fn new(learning_rate: f32) -> Self {
        RmsProp {
            learning_rate,
            ..Self::default()
        }
    }
    /// With momentum.
    pub fn momentum(mut self, m: f32) -> Self {
        self.momentum = m;
        self
    }
    /// Centered (by a running mean of the gradient).
    pub fn centered(mut self, on: bool) -> Self {
        self.centered = on;
        self
    }
}

impl<M: Layer<E>, E: Float> RmsProp<M, E> {
    fn allocate(&mut self, model: &M) {
        if self.acc.is_none() {
            self.acc = Some(model.zero_grads());
        }
        if self.centered && self.mean_grad.is_none() {
            self.mean_grad = Some(model.zero_grads());
        }
        if self.momentum > 0.0 && self.velocity.is_none() {
            self.velocity = Some(model.zero_grads());
        }
    }
}

typed_optimizer!(RmsProp);

impl<M: Layer<E>, E: Float> Typed<M, E> for RmsProp<M, E> {
    fn set_parallelism(&mut self, parallelism: Parallelism) {
        self.parallelism = parallelism;
    }
    fn name(&self) -> &'static str {
        "RMSprop"
    }
    fn step(&mut self, model: &mut M, grads: &M::Grads) {
        self.step_checked(model, grads);
    }
    fn step_checked(&mut self, model: &mut M, grads: &M::Grads) -> Option<NonFiniteIn> {
        self.allocate(model);
        let (lr32, rho32, eps32) = (self.learning_rate, self.rho, self.epsilon);
        let (lr, rho, eps, mom): (E, E, E, E) = (
            widen(lr32),
            widen(rho32),
            widen(eps32),
            widen(self.momentum),
        );
        let (flush_subnormals, par) = (self.flush_subnormals, self.parallelism);
        let flush = |x: E| if flush_subnormals { flush(x) } else { x };
        let acc = self.acc.as_mut().expect("allocated by state_mut");
        let mut mg = self.mean_grad.as_mut();
        let mut vel = self.velocity.as_mut();
        let first = for_each_tensor(model, grads, |i, w, g| {
            let v = acc.get_mut(i);
            let (mg, vel) = (mg.as_deref_mut(), vel.as_deref_mut());
            // The chapter's case in `f32`, kept as one tight SIMD loop.
            if mg.is_none() && vel.is_none() {
                if let Some((w, g, v)) = f32_parts(w, g, v) {
                    return super::kernels::rmsprop::<true>(
                        w,
                        g,
                        v,
                        lr32,
                        rho32,
                        eps32,
                        flush_subnormals,
                        par,
                    );
                }
            }
            let mut mg = mg.map(|m| m.get_mut(i));
            let mut vel = vel.map(|m| m.get_mut(i));
            for (j, (w, &g)) in w.iter_mut().zip(g).enumerate() {
                v[j] = flush(rho * v[j] + (E::ONE - rho) * g * g);
                let mut d = v[j];
                if let Some(a) = mg.as_deref_mut() {
                    a[j] = flush(rho * a[j] + (E::ONE - rho) * g);
                    d -= a[j] * a[j];
                }
                let step = lr * g / (d + eps).sqrt();
                match vel.as_deref_mut() {
                    Some(m) => {
                        m[j] = flush(mom * m[j] + step);
                        *w -= m[j];
                    }
                    None => *w -= step,
                }
            }
            check_all(w, g)
        });
        self.t += 1;
        first
    }
    fn state(&self) -> Vec<(&'static str, &M::Grads)> {
        let mut s = Vec::new();
        if let Some(a) = &self.acc {
            s.push(("velocity", a));
        }
        if let Some(a) = &self.mean_grad {
            s.push(("average_gradient", a));
        }
        if let Some(a) = &self.velocity {
            s.push(("momentum", a));
        }
        s
    }
    fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M::Grads)> {
        self.allocate(model);
        let mut s = Vec::new();
        if let Some(a) = &mut self.acc {
            s.push(("velocity", a));
        }
        if let Some(a) = &mut self.mean_grad {
            s.push(("average_gradient", a));
        }
        if let Some(a) = &mut self.velocity {
            s.push(("momentum", a));
        }
        s
    }
    fn iterations(&self) -> u64 {
        self.t
    }
    fn set_iterations(&mut self, t: u64) {
        self.t = t;
    }
}
