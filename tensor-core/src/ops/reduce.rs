//! Reductions along a typed axis (the axis leaves the type, or stays as a
//! size-1 [`One`] with `_keepdim`) and over the whole tensor.

use crate::{
    device::Cpu,
    dtype::Float,
    shape::{AxisOf, RemoveAxis, ReplaceAxis, Shape},
    One, Tensor,
};

/// Splits `dims` at `axis` into (outer, n, inner) element counts.
pub(crate) fn split_at_axis(dims: &[usize], axis: usize) -> (usize, usize, usize) {
    (
        dims[..axis].iter().product(),
        dims[axis],
        dims[axis + 1..].iter().product(),
    )
}

/// Folds each line of `src` along `axis` with `f`, starting at `init`.
pub(crate) fn fold_axis<E: Copy, A: Copy>(
    src: &[E],
    dims: &[usize],
    axis: usize,
    init: A,
    f: impl Fn(A, E, usize) -> A,
) -> Vec<A> {
    let (outer, n, inner) = split_at_axis(dims, axis);
    let mut out = vec![init; outer * inner];
    for o in 0..outer {
        for j in 0..n {
            let row = &src[(o * n + j) * inner..(o * n + j + 1) * inner];
            for (acc, &x) in out[o * inner..(o + 1) * inner].iter_mut().zip(row) {
                *acc = f(*acc, x, j);
            }
        }
    }
    out
}

macro_rules! reduce_axis {
    ($($name:ident, $keep:ident, $doc:literal, $ex:literal;)*) => {
        impl<S: Shape, E: $crate::dtype::Float> Tensor<S, E, Cpu> {$(
            #[doc = $doc]
            /// The axis is removed from the result's type.
            ///
            /// ```
            /// use tensor_core::{shape, Tensor};
            /// let x = Tensor::<shape![2, 3]>::from_array([[1., 2., 3.], [4., 5., 6.]]);
            #[doc = concat!("let r: Tensor<shape![3]> = x.", stringify!($name), "::<0>();")]
            #[doc = concat!("assert_eq!(r.as_slice(), &", $ex, ");")]
            /// ```
            pub fn $name<const A: usize>(&self) -> Tensor<<S as RemoveAxis<A>>::Output, E, Cpu>
            where
                S: RemoveAxis<A>,
            {
                Tensor { shape: self.shape.remove_axis(), data: self.$keep(A), device: Cpu }
            }
        )*}
    };
}

impl<S: Shape, E: Float> Tensor<S, E, Cpu> {
    fn sum_data(&self, axis: usize) -> Vec<E> {
        fold_axis(
            &self.data,
            self.shape.dims().as_ref(),
            axis,
            E::ZERO,
            |a, x, _| a + x,
        )
    }
    fn mean_data(&self, axis: usize) -> Vec<E> {
        let n = E::from_usize(self.shape.dims().as_ref()[axis]);
        let mut v = self.sum_data(axis);
        v.iter_mut().for_each(|x| *x /= n);
        v
    }
    fn max_data(&self, axis: usize) -> Vec<E> {
        // NaN wins, so that a NaN is never hidden.
        fold_axis(
            &self.data,
            self.shape.dims().as_ref(),
            axis,
            E::NEG_INFINITY,
            |a, x, _| {
                if x > a || x.is_nan() {
                    x
                } else {
                    a
                }
            },
        )
    }
    fn min_data(&self, axis: usize) -> Vec<E> {
        fold_axis(
            &self.data,
            self.shape.dims().as_ref(),
            axis,
            -E::NEG_INFINITY,
            |a, x, _| {
                if x < a || x.is_nan() {
                    x
                } else {
                    a
                }
            },
        )
    }
    fn keep<const A: usize>(
        &self,
        data: Vec<E>,
    ) -> Tensor<<S as ReplaceAxis<A, One>>::Output, E, Cpu>
    where
        S: ReplaceAxis<A, One>,
    {
        Tensor {
            shape: self.shape.replace_axis(One),
            data,
            device: Cpu,
        }
    }
    /// The sum along axis `A`, kept as a size-1 axis (for broadcasting back).
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3]>::from_array([[1., 2., 3.], [4., 5., 6.]]);
    /// let r: Tensor<shape![2, 1]> = x.sum_keepdim::<1>();
    /// assert_eq!(r.as_slice(), &[6., 15.]);
    /// let centered = &x - &x.mean_keepdim::<1>();
    /// assert_eq!(centered.as_slice(), &[-1., 0., 1., -1., 0., 1.]);
    /// ```
    pub fn sum_keepdim<const A: usize>(&self) -> Tensor<<S as ReplaceAxis<A, One>>::Output, E, Cpu>
    where
        S: ReplaceAxis<A, One>,
    {
        self.keep::<A>(self.sum_data(A))
    }
    /// The mean along axis `A`, kept as a size-1 axis.
    pub fn mean_keepdim<const A: usize>(&self) -> Tensor<<S as ReplaceAxis<A, One>>::Output, E, Cpu>
    where
        S: ReplaceAxis<A, One>,
    {
        self.keep::<A>(self.mean_data(A))
    }
    /// The maximum along axis `A`, kept as a size-1 axis.
    pub fn max_keepdim<const A: usize>(&self) -> Tensor<<S as ReplaceAxis<A, One>>::Output, E, Cpu>
    where
        S: ReplaceAxis<A, One>,
    {
        self.keep::<A>(self.max_data(A))
    }
    /// The minimum along axis `A`, kept as a size-1 axis.
    pub fn min_keepdim<const A: usize>(&self) -> Tensor<<S as ReplaceAxis<A, One>>::Output, E, Cpu>
    where
        S: ReplaceAxis<A, One>,
    {
        self.keep::<A>(self.min_data(A))
    }

    /// The index of the largest element along axis `A` (the first on ties).
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// let p = Tensor::<shape![2, 3]>::from_array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]]);
    /// let labels: Tensor<shape![2], usize> = p.argmax::<1>();
    /// assert_eq!(labels.as_slice(), &[1, 0]);
    /// ```
    pub fn argmax<const A: usize>(&self) -> Tensor<<S as RemoveAxis<A>>::Output, usize, Cpu>
    where
        S: RemoveAxis<A> + AxisOf<A>,
    {
        let best = fold_axis(
            &self.data,
            self.shape.dims().as_ref(),
            A,
            (E::NEG_INFINITY, 0usize, true),
            |(b, i, first), x, j| {
                if first || x > b {
                    (x, j, false)
                } else {
                    (b, i, false)
                }
            },
        );
        Tensor {
            shape: self.shape.remove_axis(),
            data: best.into_iter().map(|(_, i, _)| i).collect(),
            device: Cpu,
        }
    }

    /// The sum of all elements.
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2, 2]>::ones().sum_all(), 4.0);
    /// ```
    pub fn sum_all(&self) -> E {
        self.data.iter().fold(E::ZERO, |a, &x| a + x)
    }
    /// The mean of all elements.
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![3]>::from_array([1., 2., 6.]).mean_all(), 3.0);
    /// ```
    pub fn mean_all(&self) -> E {
        self.sum_all() / E::from_usize(self.data.len())
    }
    /// The largest element (NaN if any element is NaN).
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![3]>::from_array([1., 7., 6.]).max_all(), 7.0);
    /// ```
    pub fn max_all(&self) -> E {
        self.data.iter().fold(
            E::NEG_INFINITY,
            |a, &x| if x > a || x.is_nan() { x } else { a },
        )
    }
    /// The smallest element (NaN if any element is NaN).
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![3]>::from_array([1., 7., -6.]).min_all(), -6.0);
    /// ```
    pub fn min_all(&self) -> E {
        self.data.iter().fold(
            -E::NEG_INFINITY,
            |a, &x| if x < a || x.is_nan() { x } else { a },
        )
    }
    /// The flat index of the largest element (the first on ties).
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![3]>::from_array([1., 7., 6.]).argmax_all(), 1);
    /// ```
    pub fn argmax_all(&self) -> usize {
        let mut best = 0;
        for (i, &x) in self.data.iter().enumerate() {
            if x > self.data[best] {
                best = i;
            }
        }
        best
    }
}

reduce_axis! {
    sum, sum_data, "The sum along axis `A`.", "[5., 7., 9.]";
    mean, mean_data, "The mean along axis `A`.", "[2.5, 3.5, 4.5]";
    max, max_data, "The maximum along axis `A`.", "[4., 5., 6.]";
    min, min_data, "The minimum along axis `A`.", "[1., 2., 3.]";
}

#[cfg(test)]
mod tests {
    use crate::{shape, Tensor};

    #[test]
    fn reductions_along_each_axis_match_loops() {
        let x = Tensor::<shape![2, 3, 4], f64>::from_fn(|i| {
            (i[0] * 12 + i[1] * 4 + i[2]) as f64 * 0.7 - 3.0
        });
        let s0 = x.sum::<0>();
        let s1 = x.sum::<1>();
        let s2 = x.sum::<2>();
        let at = |a: usize, b: usize, c: usize| x.as_slice()[a * 12 + b * 4 + c];
        for b in 0..3 {
            for c in 0..4 {
                assert!((s0.as_slice()[b * 4 + c] - (at(0, b, c) + at(1, b, c))).abs() < 1e-12);
            }
        }
        for a in 0..2 {
            for c in 0..4 {
                let want: f64 = (0..3).map(|b| at(a, b, c)).sum();
                assert!((s1.as_slice()[a * 4 + c] - want).abs() < 1e-12);
            }
            for b in 0..3 {
                let want: f64 = (0..4).map(|c| at(a, b, c)).sum();
                assert!((s2.as_slice()[a * 3 + b] - want).abs() < 1e-12);
            }
        }
        assert_eq!(x.max::<2>().as_slice()[0], at(0, 0, 3));
        assert_eq!(x.argmax::<1>().as_slice(), &[2; 8]);
        assert_eq!(x.min_keepdim::<0>().dims(), [1, 3, 4]);
    }
}
