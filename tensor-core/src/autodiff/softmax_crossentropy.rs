//! Softmax + categorical crossentropy as one fused tape node (a
//! [`CustomOp2`]): the mean over rows of `-Σ y log softmax(x)`, whose
//! gradient with respect to the logits is `(softmax(x) - y) / rows` for
//! targets that sum to 1 in each row (`(softmax(x) Σy - y) / rows` in
//! general).

use crate::{
    autodiff::{custom::CustomOp2, var::Var},
    dtype::Float,
    op_defs::{crossentropy, softmax},
    shape::Shape,
};

/// The fused kernel over rows of length `n`.
struct SoftmaxCrossentropy {
    n: usize,
}

impl SoftmaxCrossentropy {
    fn rows<E: Float>(&self, len: usize) -> E {
        E::from_usize(len.checked_div(self.n).unwrap_or(0).max(1))
    }
}

impl<E: Float> CustomOp2<E> for SoftmaxCrossentropy {
    fn name(&self) -> &'static str {
        "softmax_crossentropy"
    }
    fn forward(&self, x: &[E], y: &[E], out: &mut [E]) {
        let mut scratch = vec![E::ZERO; x.len()];
        out[0] = crossentropy::softmax_crossentropy(x, y, self.n, &mut scratch);
    }
    fn backward(
        &self,
        x: &[E],
        y: &[E],
        _: &[E],
        gy: &[E],
        gx: Option<&mut [E]>,
        gt: Option<&mut [E]>,
    ) {
        let rows = self.rows::<E>(x.len());
        if let Some(gx) = gx {
            let mut p = x.to_vec();
            softmax::forward_rows(&mut p, self.n);
            // Targets that do not sum to 1 in a row weigh its softmax by
            // their sum: the gradient is `(p Σy - y) / rows`, which is the
            // fused `(p - y) / rows` for one-hot rows and distributions.
            for (p, y) in p.chunks_mut(self.n.max(1)).zip(y.chunks(self.n.max(1))) {
                let total = y.iter().fold(E::ZERO, |a, &y| a + y);
                if total != E::ONE {
                    p.iter_mut().for_each(|p| *p *= total);
                }
            }
            let mut d = vec![E::ZERO; x.len()];
            crossentropy::prob_minus_target(&p, y, rows, &mut d);
            gx.iter_mut().zip(&d).for_each(|(g, &d)| *g += gy[0] * d);
        }
        if let Some(gt) = gt {
            // d/dy of -Σ y log p / rows.
            let mut log_p = x.to_vec();
            softmax::log_forward_rows(&mut log_p, self.n);
            gt.iter_mut()
                .zip(&log_p)
                .for_each(|(g, &l)| *g -= gy[0] * l / rows);
        }
    }
}

impl<S: Shape, E: Float> Var<S, E> {
    /// Categorical crossentropy of the softmax of these logits (softmax over
    /// the last axis) against `targets` (one-hot rows or any
    /// distributions), averaged over the rows: one fused node whose
    /// gradient is `(softmax(x) - y) / rows`, the same value and gradient as
    /// `-(targets * x.log_softmax()).sum_all() / rows` written from plain
    /// ops.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![1, 2], f64>::from_array([[0., 0.]]));
    /// let y = tape.constant(Tensor::<shape![1, 2], f64>::from_array([[1., 0.]]));
    /// let loss = x.softmax_crossentropy(&y);
    /// assert!((loss.item() - 2f64.ln()).abs() < 1e-12);
    /// assert_eq!(loss.backward().get(&x).unwrap().as_slice(), &[-0.5, 0.5]);
    /// ```
    ///
    /// # Panics
    ///
    /// When `targets` is recorded on another tape, or the shape has no axis.
    pub fn softmax_crossentropy(&self, targets: &Var<S, E>) -> Var<(), E> {
        assert!(S::RANK > 0, "softmax_crossentropy needs at least one axis");
        let n = self.value.dims().as_ref()[S::RANK - 1];
        self.custom2(targets, (), SoftmaxCrossentropy { n })
    }
}
