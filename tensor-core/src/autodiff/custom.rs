//! Custom nodes: a fused kernel recorded on the tape as one node, with its
//! own forward on buffers and its own backward (candle's `CustomOp1` is the
//! model). The rest of the graph differentiates through it as through any
//! built-in op.
//!
//! ```
//! use shaped_core::autodiff::{CustomOp1, Tape};
//! use shaped_core::{shape, Tensor};
//!
//! /// x³ in one kernel, with its derivative 3x².
//! struct Cube;
//! impl CustomOp1<f64> for Cube {
//!     fn name(&self) -> &'static str { "cube" }
//!     fn forward(&self, x: &[f64], out: &mut [f64]) {
//!         out.iter_mut().zip(x).for_each(|(o, &x)| *o = x * x * x);
//!     }
//!     fn backward(&self, x: &[f64], _y: &[f64], gy: &[f64], gx: &mut [f64]) {
//!         for ((gx, &x), &g) in gx.iter_mut().zip(x).zip(gy) {
//!             *gx += 3.0 * x * x * g;
//!         }
//!     }
//! }
//!
//! let tape = Tape::<f64>::new();
//! let x = tape.var(Tensor::<shape![2], f64>::from_array([1., -2.]));
//! let y = x.custom1(x.shape(), Cube);
//! assert_eq!(y.value().as_slice(), &[1., -8.]);
//! let g = y.sum_all().backward();
//! assert_eq!(g.get(&x).unwrap().as_slice(), &[3., 12.]);
//! ```

use crate::{autodiff::var::Var, device::Cpu, dtype::Float, shape::Shape, Tensor};
use std::rc::Rc;

/// A one-input kernel with a hand-written backward, recorded as one node by
/// [`Var::custom1`].
pub trait CustomOp1<E: Float>: 'static {
    /// The op's name, for messages.
    fn name(&self) -> &'static str;
    /// Writes the output (every element of `out`, which has the output
    /// shape's length and holds zeros) from the input `x`.
    fn forward(&self, x: &[E], out: &mut [E]);
    /// Adds the input's gradient into `gx`, given the input `x`, the output
    /// `y` and the output's gradient `gy`.
    fn backward(&self, x: &[E], y: &[E], gy: &[E], gx: &mut [E]);
}

/// A two-input kernel with a hand-written backward, recorded as one node by
/// [`Var::custom2`].
pub trait CustomOp2<E: Float>: 'static {
    /// The op's name, for messages.
    fn name(&self) -> &'static str;
    /// Writes the output (every element of `out`, which has the output
    /// shape's length and holds zeros) from the inputs `a` and `b`.
    fn forward(&self, a: &[E], b: &[E], out: &mut [E]);
    /// Adds the inputs' gradients into `ga` and `gb` (`None` for an input
    /// that needs no gradient), given the inputs, the output `y` and the
    /// output's gradient `gy`.
    fn backward(
        &self,
        a: &[E],
        b: &[E],
        y: &[E],
        gy: &[E],
        ga: Option<&mut [E]>,
        gb: Option<&mut [E]>,
    );
}

/// A tensor of `shape` holding zeros.
fn zeros<S: Shape, E: Float>(shape: S) -> Tensor<S, E, Cpu> {
    Tensor {
        shape,
        data: vec![E::ZERO; shape.numel()],
        device: Cpu,
    }
}

impl<S: Shape, E: Float> Var<S, E> {
    /// Records the kernel `op` as one node whose output has shape
    /// `out_shape`; its backward is `op`'s.
    pub fn custom1<S2: Shape>(&self, out_shape: S2, op: impl CustomOp1<E>) -> Var<S2, E> {
        let mut value = zeros(out_shape);
        op.forward(&self.value.data, &mut value.data);
        let x = Rc::clone(&self.value);
        self.record1_with_output(value, move |g, y, gx| op.backward(&x.data, y, g, gx))
    }

    /// Records the two-input kernel `op` as one node whose output has shape
    /// `out_shape`; its backward is `op`'s. Both inputs must be on one tape.
    ///
    /// # Panics
    ///
    /// When `rhs` is recorded on another tape, as every two-input op.
    pub fn custom2<S2: Shape, S3: Shape>(
        &self,
        rhs: &Var<S2, E>,
        out_shape: S3,
        op: impl CustomOp2<E>,
    ) -> Var<S3, E> {
        self.tape.assert_same(&rhs.tape, op.name());
        let mut value = zeros(out_shape);
        op.forward(&self.value.data, &rhs.value.data, &mut value.data);
        let (a, b) = (Rc::clone(&self.value), Rc::clone(&rhs.value));
        let (ia, ib) = (self.id, rhs.id);
        let y = Rc::new(value);
        let out = Rc::clone(&y);
        self.tape.push(y, &[ia, ib], move |g, sink| {
            // The sink lends one buffer at a time: the first input's
            // gradient is gathered in a scratch and added afterwards (which
            // also covers `a` and `b` being one node).
            let mut ga = sink.acc(ia).map(|buf| vec![E::ZERO; buf.len()]);
            op.backward(
                &a.data,
                &b.data,
                &out.data,
                g,
                ga.as_deref_mut(),
                sink.acc(ib),
            );
            if let (Some(ga), Some(buf)) = (ga, sink.acc(ia)) {
                buf.iter_mut().zip(&ga).for_each(|(b, &d)| *b += d);
            }
        })
    }
}
