//! Dot products of every rank: vector . vector, matrix . vector,
//! matrix . matrix, and (..., K) . (K,) or (..., K) . (K, N), as numpy's `dot`.

use crate::{
    device::Cpu,
    dtype::Num,
    error::ShapeError,
    kernels::{matmul, Accum, MatMut, MatRef, Parallelism, Scratch},
    shape::{DotShape, Shape},
    Tensor,
};

impl<S: Shape, E: Num> Tensor<S, E, Cpu> {
    /// The dot product: the last axis of `self` against the first of `rhs`,
    /// which is a vector `(K,)` or a matrix `(K, N)`. The inner dims must
    /// agree at compile time (or at run time for a `Dyn` dim: then an error).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3]>::from_array([[1., 2., 3.], [4., 5., 6.]]);
    /// let v = Tensor::<shape![3]>::from_array([1., 0., -1.]);
    /// assert_eq!(x.try_dot(&v).unwrap().as_slice(), &[-2., -2.]);
    /// ```
    pub fn try_dot<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, Cpu>,
    ) -> Result<Tensor<<S as DotShape<S2>>::Output, E, Cpu>, ShapeError>
    where
        S: DotShape<S2>,
    {
        let (da, db) = (self.shape.dims(), rhs.shape.dims());
        let (da, db) = (da.as_ref(), db.as_ref());
        let k = da[da.len() - 1];
        if db[0] != k {
            return Err(ShapeError::new(
                "dot",
                da,
                db,
                "do not fit: inner dims differ",
            ));
        }
        let n = if <S as DotShape<S2>>::RHS_IS_VECTOR {
            1
        } else {
            db[1]
        };
        let rows: usize = da[..da.len() - 1].iter().product();
        let mut out_dims: Vec<usize> = da[..da.len() - 1].to_vec();
        if !<S as DotShape<S2>>::RHS_IS_VECTOR {
            out_dims.push(n);
        }
        let shape = <S as DotShape<S2>>::Output::from_dims(&out_dims)
            .expect("dot: output dims follow from checked operands");
        let mut data = vec![E::ZERO; rows * n];
        let fit = "dot: the tensors hold their shapes' elements";
        matmul(
            MatMut::row_major(&mut data, rows, n).expect(fit),
            Accum::Replace,
            MatRef::row_major(&self.data, rows, k).expect(fit),
            MatRef::row_major(&rhs.data, k, n).expect(fit),
            E::ONE,
            Parallelism::Rayon,
            &mut Scratch::default(),
        )
        .expect("dot: the sizes were checked above");
        Ok(Tensor {
            shape,
            data,
            device: Cpu,
        })
    }

    /// The dot product; panics (naming both shapes) where [`try_dot`](Self::try_dot)
    /// would return an error. Static shapes that do not fit do not compile.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let a = Tensor::<shape![2, 3]>::ones();
    /// let b = Tensor::<shape![3, 4]>::ones();
    /// let c: Tensor<shape![2, 4]> = a.dot(&b);
    /// assert_eq!(c.as_slice(), &[3.0; 8]);
    /// let v = Tensor::<shape![3]>::ones();
    /// let s: Tensor<shape![]> = v.dot(&v);
    /// assert_eq!(s.item(), 3.0);
    /// ```
    pub fn dot<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, Cpu>,
    ) -> Tensor<<S as DotShape<S2>>::Output, E, Cpu>
    where
        S: DotShape<S2>,
    {
        self.try_dot(rhs).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// The dot product as a free function: `dot(&a, &b)` is `a.dot(&b)`.
///
/// ```
/// use shaped_core::{dot, shape, Tensor};
/// let a = Tensor::<shape![2, 2]>::eye();
/// let b = Tensor::<shape![2]>::from_array([3., 4.]);
/// assert_eq!(dot(&a, &b).as_slice(), &[3., 4.]);
/// ```
pub fn dot<S, S2: Shape, E: Num>(
    a: &Tensor<S, E, Cpu>,
    b: &Tensor<S2, E, Cpu>,
) -> Tensor<<S as DotShape<S2>>::Output, E, Cpu>
where
    S: DotShape<S2>,
{
    a.dot(b)
}

#[cfg(test)]
mod tests {
    use crate::{shape, Dyn, Sz, Tensor};

    /// numpy's dot by its definition: sum over the last axis of `a` and the
    /// first of `b`.
    fn reference(a: &[f64], da: &[usize], b: &[f64], db: &[usize]) -> Vec<f64> {
        let k = *da.last().unwrap();
        let n = if db.len() == 2 { db[1] } else { 1 };
        let rows = a.len() / k;
        let mut out = vec![0.0; rows * n];
        for r in 0..rows {
            for j in 0..n {
                out[r * n + j] = (0..k).map(|p| a[r * k + p] * b[p * n + j]).sum();
            }
        }
        out
    }

    fn iota<S: crate::Shape>(s: S) -> Tensor<S, f64> {
        let mut i = 0.0;
        Tensor::from_fn_with(s, |_| {
            i += 0.5;
            (i * 1.3f64).sin()
        })
    }

    macro_rules! check {
        ($a:ty, $b:ty, $out:ty) => {{
            let a = iota::<$a>(Default::default());
            let b = iota::<$b>(Default::default());
            let c: Tensor<$out, f64> = a.dot(&b);
            let want = reference(
                a.as_slice(),
                a.dims().as_ref(),
                b.as_slice(),
                b.dims().as_ref(),
            );
            for (x, y) in c.as_slice().iter().zip(&want) {
                assert!((x - y).abs() < 1e-9);
            }
            assert_eq!(c.numel(), want.len());
        }};
    }

    #[test]
    fn every_dot_form_matches_reference() {
        check!(shape![5], shape![5], shape![]);
        check!(shape![3, 5], shape![5], shape![3]);
        check!(shape![3, 5], shape![5, 4], shape![3, 4]);
        check!(shape![2, 3, 4, 5], shape![5], shape![2, 3, 4]);
        check!(shape![2, 3, 4, 5], shape![5, 6], shape![2, 3, 4, 6]);
    }

    #[test]
    fn integer_dot_uses_the_reference_loop() {
        let a = Tensor::<shape![2, 2], i64>::from_array([[1, 2], [3, 4]]);
        let b = Tensor::<shape![2, 2], i64>::from_array([[5, 6], [7, 8]]);
        assert_eq!(a.dot(&b).as_slice(), &[19, 22, 43, 50]);
    }

    #[test]
    fn dyn_inner_dim_mismatch_is_an_error() {
        let a = Tensor::<shape![2, _]>::zeros_with((Sz, Dyn(3)));
        let b = Tensor::<shape![4, 5]>::zeros();
        let e = a.try_dot(&b).unwrap_err();
        assert_eq!(
            e.to_string(),
            "dot: shapes (2, 3) and (4, 5) do not fit: inner dims differ"
        );
    }
}
