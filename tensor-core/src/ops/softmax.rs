//! softmax and log-softmax along the last axis, numerically stable (the row
//! maximum is subtracted before exponentiating).

use crate::{device::Cpu, dtype::Float, shape::Shape, Tensor};

/// softmax of each row of `x` (rows of length `n`) into `out`.
pub fn softmax_rows<E: Float>(x: &[E], n: usize, out: &mut [E]) {
    for (row, o) in x.chunks(n).zip(out.chunks_mut(n)) {
        let m = row.iter().fold(E::NEG_INFINITY, |a, &b| a.max(b));
        let mut s = E::ZERO;
        for (o, &v) in o.iter_mut().zip(row) {
            *o = (v - m).exp();
            s += *o;
        }
        let inv = E::ONE / s;
        o.iter_mut().for_each(|v| *v *= inv);
    }
}

/// log-softmax of each row of `x` (rows of length `n`) into `out`.
pub fn log_softmax_rows<E: Float>(x: &[E], n: usize, out: &mut [E]) {
    for (row, o) in x.chunks(n).zip(out.chunks_mut(n)) {
        let m = row.iter().fold(E::NEG_INFINITY, |a, &b| a.max(b));
        let s = row.iter().fold(E::ZERO, |a, &v| a + (v - m).exp());
        let lse = m + s.ln();
        for (o, &v) in o.iter_mut().zip(row) {
            *o = v - lse;
        }
    }
}

impl<S: Shape, E: Float> Tensor<S, E, Cpu> {
    fn last_len(&self) -> usize {
        assert!(S::RANK > 0, "softmax needs at least one axis");
        self.shape.dims().as_ref()[S::RANK - 1]
    }
    /// softmax along the last axis: each row becomes probabilities.
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], f64>::from_array([[1., 2., 3.], [1000., 1000., 1000.]]);
    /// let p = x.softmax();
    /// assert!((p.sum::<1>().as_slice()[0] - 1.0).abs() < 1e-12);
    /// assert!((p.as_slice()[3] - 1.0 / 3.0).abs() < 1e-12); // no overflow
    /// ```
    pub fn softmax(&self) -> Self {
        let n = self.last_len();
        let mut out = self.clone();
        if n > 0 {
            softmax_rows(&self.data, n, &mut out.data);
        }
        out
    }
    /// log-softmax along the last axis: `x - logsumexp(x)` per row.
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// let x = Tensor::<shape![3], f64>::from_array([1., 2., 3.]);
    /// let a = x.log_softmax();
    /// let b = x.softmax().ln();
    /// assert!(a.as_slice().iter().zip(b.as_slice()).all(|(x, y)| (x - y).abs() < 1e-12));
    /// ```
    pub fn log_softmax(&self) -> Self {
        let n = self.last_len();
        let mut out = self.clone();
        if n > 0 {
            log_softmax_rows(&self.data, n, &mut out.data);
        }
        out
    }
}
