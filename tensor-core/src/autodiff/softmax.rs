//! softmax and log-softmax of [`Var`]s along the last axis; the forward and
//! the backward are the one definition in [`op_defs::softmax`].
//!
//! Per row, with `y` the output and `g` its gradient:
//! softmax: `dx = y * (g - Σ g·y)`; log-softmax: `dx = g - softmax(x) * Σ g`,
//! with `softmax(x) = exp(y)`.

use crate::{autodiff::var::Var, dtype::Float, op_defs::softmax, shape::Shape};

impl<S: Shape, E: Float> Var<S, E> {
    fn last_len(&self) -> usize {
        assert!(S::RANK > 0, "softmax needs at least one axis");
        self.value.dims().as_ref()[S::RANK - 1]
    }

    /// Records a row-wise op of output `value` whose in-place backward is
    /// `rows(y, g, n)`; the gradient is added into the input's.
    fn record_rows(
        &self,
        value: crate::Tensor<S, E>,
        rows: fn(&[E], &mut [E], usize),
    ) -> Var<S, E> {
        let n = self.last_len();
        self.record1_with_output(value, move |g, y, gx| {
            let mut d = g.to_vec();
            rows(y, &mut d, n);
            gx.iter_mut().zip(&d).for_each(|(gx, &d)| *gx += d);
        })
    }

    /// softmax along the last axis.
    pub fn softmax(&self) -> Var<S, E> {
        self.record_rows(self.value.softmax(), softmax::backward_rows)
    }

    /// log-softmax along the last axis (`x - logsumexp(x)` per row).
    pub fn log_softmax(&self) -> Var<S, E> {
        self.record_rows(self.value.log_softmax(), softmax::log_backward_rows)
    }
}
