//! softmax and log-softmax along the last axis, numerically stable (the row
//! maximum is subtracted before exponentiating). The row loops are the one
//! definition in [`op_defs::softmax`](crate::op_defs::softmax), shared with the tape and `nn`.

use crate::{device::Cpu, dtype::Float, op_defs::softmax, shape::Shape, Tensor};

impl<S: Shape, E: Float> Tensor<S, E, Cpu> {
    fn last_len(&self) -> usize {
        assert!(S::RANK > 0, "softmax needs at least one axis");
        self.shape.dims().as_ref()[S::RANK - 1]
    }
    /// softmax along the last axis: each row becomes probabilities.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], f64>::from_array([[1., 2., 3.], [1000., 1000., 1000.]]);
    /// let p = x.softmax();
    /// assert!((p.sum::<1>().as_slice()[0] - 1.0).abs() < 1e-12);
    /// assert!((p.as_slice()[3] - 1.0 / 3.0).abs() < 1e-12); // no overflow
    /// ```
    pub fn softmax(&self) -> Self {
        let n = self.last_len();
        let mut out = self.clone();
        softmax::forward_rows(&mut out.data, n);
        out
    }
    /// log-softmax along the last axis: `x - logsumexp(x)` per row.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![3], f64>::from_array([1., 2., 3.]);
    /// let a = x.log_softmax();
    /// let b = x.softmax().ln();
    /// assert!(a.as_slice().iter().zip(b.as_slice()).all(|(x, y)| (x - y).abs() < 1e-12));
    /// ```
    pub fn log_softmax(&self) -> Self {
        let n = self.last_len();
        let mut out = self.clone();
        softmax::log_forward_rows(&mut out.data, n);
        out
    }
}
