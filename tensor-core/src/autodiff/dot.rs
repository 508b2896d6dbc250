//! The dot product of [`Var`]s, in every form of [`Tensor::dot`](crate::Tensor::dot):
//! `(..., K) . (K,)` and `(..., K) . (K, N)`.
//!
//! With the left operand seen as a `rows x K` matrix `A` and the right as a
//! `K x N` matrix `B` (`N = 1` for a vector), `C = A B` and the backward is
//! `dA += dC Bᵀ` and `dB += Aᵀ dC`: two GEMMs on transposed views (no copies)
//! that accumulate straight into the gradient buffers (`beta = 1`).

use crate::{
    autodiff::var::Var,
    dtype::Float,
    error::ShapeError,
    kernels::{matmul, Accum, MatMut, MatRef, Parallelism, Scratch},
    shape::{DotShape, Shape},
};
use std::rc::Rc;

impl<S: Shape, E: Float> Var<S, E> {
    /// The dot product, with the bounds of [`Tensor::try_dot`](crate::Tensor::try_dot);
    /// an error when a run-time inner dim differs.
    pub fn try_dot<S2: Shape>(
        &self,
        rhs: &Var<S2, E>,
    ) -> Result<Var<<S as DotShape<S2>>::Output, E>, ShapeError>
    where
        S: DotShape<S2>,
    {
        let value = self.value.try_dot(&rhs.value)?;
        let k = self.value.dims().as_ref()[S::RANK - 1];
        let n = if <S as DotShape<S2>>::RHS_IS_VECTOR {
            1
        } else {
            rhs.value.dims().as_ref()[1]
        };
        let rows = value.numel() / n.max(1);
        let (a, b) = (Rc::clone(&self.value), Rc::clone(&rhs.value));
        Ok(self.record2(
            rhs,
            "dot",
            value,
            move |g, ga| {
                // dA (rows x K) += dC (rows x N) . Bᵀ (N x K)
                let fit = "dot: gradients have their values' shapes";
                matmul(
                    MatMut::row_major(ga, rows, k).expect(fit),
                    Accum::Add,
                    MatRef::row_major(g, rows, n).expect(fit),
                    MatRef::row_major(&b.data, k, n).expect(fit).t(),
                    E::ONE,
                    Parallelism::Rayon,
                    &mut Scratch::default(),
                )
                .expect(fit);
            },
            move |g, gb| {
                // dB (K x N) += Aᵀ (K x rows) . dC (rows x N)
                let fit = "dot: gradients have their values' shapes";
                matmul(
                    MatMut::row_major(gb, k, n).expect(fit),
                    Accum::Add,
                    MatRef::row_major(&a.data, rows, k).expect(fit).t(),
                    MatRef::row_major(g, rows, n).expect(fit),
                    E::ONE,
                    Parallelism::Rayon,
                    &mut Scratch::default(),
                )
                .expect(fit);
            },
        ))
    }

    /// The dot product; panics (naming both shapes) where
    /// [`try_dot`](Self::try_dot) would return an error. Shapes that do not
    /// fit statically do not compile.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.constant(Tensor::<shape![2, 3], f64>::from_array([[1., 2., 3.], [4., 5., 6.]]));
    /// let w = tape.var(Tensor::<shape![3, 4], f64>::ones());
    /// let y = x.dot(&w); // Var<shape![2, 4], f64>
    /// let g = y.sum_all().backward().get(&w).unwrap();
    /// assert_eq!(g.as_slice()[..4], [5., 5., 5., 5.]); // column sums of x
    /// ```
    pub fn dot<S2: Shape>(&self, rhs: &Var<S2, E>) -> Var<<S as DotShape<S2>>::Output, E>
    where
        S: DotShape<S2>,
    {
        self.try_dot(rhs).unwrap_or_else(|e| panic!("{e}"))
    }
}
