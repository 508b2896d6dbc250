//! softmax and log-softmax of [`Var`]s along the last axis.
//!
//! Per row, with `y` the output and `g` its gradient:
//! softmax: `dx = y * (g - Σ g·y)`; log-softmax: `dx = g - softmax(x) * Σ g`,
//! with `softmax(x) = exp(y)`.

use crate::{autodiff::var::Var, dtype::Float, shape::Shape};

impl<S: Shape, E: Float> Var<S, E> {
    fn last_len(&self) -> usize {
        assert!(S::RANK > 0, "softmax needs at least one axis");
        self.value.dims().as_ref()[S::RANK - 1]
    }

    /// softmax along the last axis.
    pub fn softmax(&self) -> Var<S, E> {
        let n = self.last_len().max(1);
        self.record1_with_output(self.value.softmax(), move |g, y, gx| {
            for ((g, y), gx) in g.chunks(n).zip(y.chunks(n)).zip(gx.chunks_mut(n)) {
                let dot = g.iter().zip(y).fold(E::ZERO, |a, (&g, &y)| a + g * y);
                for ((gx, &g), &y) in gx.iter_mut().zip(g).zip(y) {
                    *gx += y * (g - dot);
                }
            }
        })
    }

    /// log-softmax along the last axis (`x - logsumexp(x)` per row).
    pub fn log_softmax(&self) -> Var<S, E> {
        let n = self.last_len().max(1);
        self.record1_with_output(self.value.log_softmax(), move |g, y, gx| {
            for ((g, y), gx) in g.chunks(n).zip(y.chunks(n)).zip(gx.chunks_mut(n)) {
                let total = g.iter().fold(E::ZERO, |a, &g| a + g);
                for ((gx, &g), &y) in gx.iter_mut().zip(g).zip(y) {
                    *gx += g - y.exp() * total;
                }
            }
        })
    }
}
