//! Reductions along a typed axis (the axis leaves the type, or stays as a
//! size-1 [`One`] with `_keepdim`) and over the whole tensor.
//!
//! Sums, means and variances are exact to about `f64` rounding whatever the
//! length: they accumulate in `f64`, blocked and pairwise
//! (`accumulate`), then round once to the element type.
//! numpy's example: `np.ones(50_000_000, np.float32).sum()` is 50,000,000,
//! where a plain `f32` loop stops at 16,777,216. Integer tensors sum exactly
//! into `u64` / `i64` and average into `f64`, as numpy does. Variances are
//! numpy's default (`ddof = 0`: divided by the count), from two passes (the
//! mean, then the squared deviations from it).

pub(crate) mod accumulate;

use self::accumulate::{WideInt, ROW_BLOCK};
use crate::{
    device::Cpu,
    dtype::{Float, Num},
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

/// The sum of every line of `src` along `axis`, in `f64` (blocks of
/// [`ROW_BLOCK`] rows are added separately, then joined, so that a long axis
/// adds few rounding errors; a contiguous line is summed pairwise).
pub(crate) fn sum_lines<E: Num>(src: &[E], dims: &[usize], axis: usize) -> Vec<f64> {
    let (outer, n, inner) = split_at_axis(dims, axis);
    if inner == 1 {
        return (0..outer)
            .map(|o| accumulate::sum(&src[o * n..(o + 1) * n]))
            .collect();
    }
    let mut out = vec![0.0f64; outer * inner];
    let mut block = vec![0.0f64; inner];
    for (o, total) in out.chunks_mut(inner).enumerate() {
        for j0 in (0..n).step_by(ROW_BLOCK) {
            block.fill(0.0);
            for j in j0..(j0 + ROW_BLOCK).min(n) {
                let row = &src[(o * n + j) * inner..(o * n + j + 1) * inner];
                accumulate::add_row(&mut block, row);
            }
            accumulate::add_row(total, &block);
        }
    }
    out
}

/// `sum (x - mean)^2` of every line along `axis`, in `f64`, given each
/// line's mean.
pub(crate) fn sq_dev_lines<E: Num>(
    src: &[E],
    dims: &[usize],
    axis: usize,
    means: &[f64],
) -> Vec<f64> {
    let (outer, n, inner) = split_at_axis(dims, axis);
    if inner == 1 {
        return (0..outer)
            .map(|o| accumulate::sum_sq_dev(&src[o * n..(o + 1) * n], means[o]))
            .collect();
    }
    let mut out = vec![0.0f64; outer * inner];
    let mut block = vec![0.0f64; inner];
    for (o, total) in out.chunks_mut(inner).enumerate() {
        let mean = &means[o * inner..(o + 1) * inner];
        for j0 in (0..n).step_by(ROW_BLOCK) {
            block.fill(0.0);
            for j in j0..(j0 + ROW_BLOCK).min(n) {
                let row = &src[(o * n + j) * inner..(o * n + j + 1) * inner];
                accumulate::add_row_sq_dev(&mut block, row, mean);
            }
            accumulate::add_row(total, &block);
        }
    }
    out
}

/// Means and variances (`ddof = 0`) of every line along `axis`, in `f64`.
/// An empty axis gives NaN, as numpy does.
pub(crate) fn mean_var_lines<E: Num>(
    src: &[E],
    dims: &[usize],
    axis: usize,
) -> (Vec<f64>, Vec<f64>) {
    let n = dims[axis] as f64;
    let mut means = sum_lines(src, dims, axis);
    means.iter_mut().for_each(|m| *m /= n);
    let mut vars = sq_dev_lines(src, dims, axis, &means);
    vars.iter_mut().for_each(|v| *v /= n);
    (means, vars)
}

/// The exact (wrapping) integer sum of every line along `axis`.
fn sum_lines_int<E: WideInt>(src: &[E], dims: &[usize], axis: usize) -> Vec<E::Wide> {
    let (outer, n, inner) = split_at_axis(dims, axis);
    if inner == 1 {
        return (0..outer)
            .map(|o| accumulate::sum_int(&src[o * n..(o + 1) * n]))
            .collect();
    }
    let mut out = vec![<E::Wide as Num>::ZERO; outer * inner];
    for (o, total) in out.chunks_mut(inner).enumerate() {
        for j in 0..n {
            accumulate::add_row_int(total, &src[(o * n + j) * inner..(o * n + j + 1) * inner]);
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
            /// use shaped_core::{shape, Tensor};
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
        let s = sum_lines(self.as_slice(), self.shape.dims().as_ref(), axis);
        s.into_iter().map(E::from_f64).collect()
    }
    fn mean_data(&self, axis: usize) -> Vec<E> {
        let n = self.shape.dims().as_ref()[axis] as f64;
        let s = sum_lines(self.as_slice(), self.shape.dims().as_ref(), axis);
        s.into_iter().map(|v| E::from_f64(v / n)).collect()
    }
    fn var_data(&self, axis: usize) -> Vec<E> {
        let (_, v) = mean_var_lines(self.as_slice(), self.shape.dims().as_ref(), axis);
        v.into_iter().map(E::from_f64).collect()
    }
    fn std_data(&self, axis: usize) -> Vec<E> {
        let (_, v) = mean_var_lines(self.as_slice(), self.shape.dims().as_ref(), axis);
        v.into_iter().map(|v| E::from_f64(v.sqrt())).collect()
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
    /// use shaped_core::{shape, Tensor};
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
    /// The variance (`ddof = 0`) along axis `A`, kept as a size-1 axis.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], f64>::from_array([[1., 2., 3.], [4., 5., 9.]]);
    /// let v: Tensor<shape![2, 1], f64> = x.var_keepdim::<1>();
    /// assert!((v.as_slice()[0] - 2.0 / 3.0).abs() < 1e-12);
    /// ```
    pub fn var_keepdim<const A: usize>(&self) -> Tensor<<S as ReplaceAxis<A, One>>::Output, E, Cpu>
    where
        S: ReplaceAxis<A, One>,
    {
        self.keep::<A>(self.var_data(A))
    }
    /// The standard deviation (`ddof = 0`) along axis `A`, kept as a size-1 axis.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], f64>::from_array([[1., 2., 3.], [4., 5., 9.]]);
    /// let s: Tensor<shape![1, 3], f64> = x.std_keepdim::<0>();
    /// assert_eq!(s.as_slice(), &[1.5, 1.5, 3.0]);
    /// ```
    pub fn std_keepdim<const A: usize>(&self) -> Tensor<<S as ReplaceAxis<A, One>>::Output, E, Cpu>
    where
        S: ReplaceAxis<A, One>,
    {
        self.keep::<A>(self.std_data(A))
    }
    /// The mean along axis `A`, kept as a size-1 axis.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], f64>::from_array([[1., 2., 3.], [4., 5., 9.]]);
    /// let m: Tensor<shape![2, 1], f64> = x.mean_keepdim::<1>();
    /// assert_eq!(m.as_slice(), &[2., 6.]);
    /// ```
    pub fn mean_keepdim<const A: usize>(&self) -> Tensor<<S as ReplaceAxis<A, One>>::Output, E, Cpu>
    where
        S: ReplaceAxis<A, One>,
    {
        self.keep::<A>(self.mean_data(A))
    }
    /// The maximum along axis `A`, kept as a size-1 axis.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], f64>::from_array([[1., 2., 3.], [4., 5., 9.]]);
    /// let m: Tensor<shape![1, 3], f64> = x.max_keepdim::<0>();
    /// assert_eq!(m.as_slice(), &[4., 5., 9.]);
    /// ```
    pub fn max_keepdim<const A: usize>(&self) -> Tensor<<S as ReplaceAxis<A, One>>::Output, E, Cpu>
    where
        S: ReplaceAxis<A, One>,
    {
        self.keep::<A>(self.max_data(A))
    }
    /// The minimum along axis `A`, kept as a size-1 axis.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], f64>::from_array([[1., 2., 3.], [4., 5., 9.]]);
    /// let m: Tensor<shape![2, 1], f64> = x.min_keepdim::<1>();
    /// assert_eq!(m.as_slice(), &[1., 4.]);
    /// ```
    pub fn min_keepdim<const A: usize>(&self) -> Tensor<<S as ReplaceAxis<A, One>>::Output, E, Cpu>
    where
        S: ReplaceAxis<A, One>,
    {
        self.keep::<A>(self.min_data(A))
    }

    /// The index of the largest element along axis `A` (the first on ties;
    /// the first NaN where there is one, as numpy's `argmax`).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
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
                if first || crate::op_defs::argmax::beats(x, b) {
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

    /// The sum of all elements (accumulated in `f64`, pairwise: exact to
    /// about `f64` rounding, then rounded once to `E`).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2, 2]>::ones().sum_all(), 4.0);
    /// // Past 2^24 an f32 running total would stop growing; this does not.
    /// let big = Tensor::<shape![_], f32>::ones_with((shaped_core::Dyn(20_000_000),));
    /// assert_eq!(big.sum_all(), 20_000_000.0);
    /// ```
    pub fn sum_all(&self) -> E {
        E::from_f64(accumulate::sum(self.as_slice()))
    }
    /// The mean of all elements (NaN for an empty tensor, as numpy).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![3]>::from_array([1., 2., 6.]).mean_all(), 3.0);
    /// ```
    pub fn mean_all(&self) -> E {
        let x = self.as_slice();
        E::from_f64(accumulate::sum(x) / x.len() as f64)
    }
    /// The variance of all elements, numpy's `var()` (`ddof = 0`: divided
    /// by the count), from the mean and then the squared deviations, in `f64`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![4]>::from_array([1., 2., 3., 4.]);
    /// assert_eq!(x.var_all(), 1.25);
    /// ```
    pub fn var_all(&self) -> E {
        E::from_f64(var_f64(self.as_slice()))
    }
    /// The standard deviation of all elements, numpy's `std()` (`ddof = 0`).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2]>::from_array([1., 3.]);
    /// assert_eq!(x.std_all(), 1.0);
    /// ```
    pub fn std_all(&self) -> E {
        E::from_f64(var_f64(self.as_slice()).sqrt())
    }
    /// The largest element (NaN if any element is NaN).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
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
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![3]>::from_array([1., 7., -6.]).min_all(), -6.0);
    /// ```
    pub fn min_all(&self) -> E {
        self.data.iter().fold(
            -E::NEG_INFINITY,
            |a, &x| if x < a || x.is_nan() { x } else { a },
        )
    }
    /// The flat index of the largest element (the first on ties; the
    /// first NaN where there is one, as numpy's `argmax`).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![3]>::from_array([1., 7., 6.]).argmax_all(), 1);
    /// ```
    pub fn argmax_all(&self) -> usize {
        crate::op_defs::argmax::argmax(&self.data)
    }
}

reduce_axis! {
    sum, sum_data, "The sum along axis `A`.", "[5., 7., 9.]";
    mean, mean_data, "The mean along axis `A`.", "[2.5, 3.5, 4.5]";
    max, max_data, "The maximum along axis `A`.", "[4., 5., 6.]";
    min, min_data, "The minimum along axis `A`.", "[1., 2., 3.]";
    var, var_data, "The variance along axis `A` (numpy's `ddof = 0`).", "[2.25, 2.25, 2.25]";
    std, std_data, "The standard deviation along axis `A` (numpy's `ddof = 0`).", "[1.5, 1.5, 1.5]";
}

/// The variance (`ddof = 0`) of `x` in `f64`: NaN when empty.
fn var_f64<E: Num>(x: &[E]) -> f64 {
    let n = x.len() as f64;
    let mean = accumulate::sum(x) / n;
    accumulate::sum_sq_dev(x, mean) / n
}

macro_rules! integer_reductions {
    ($($t:ty => $wide:ty),*) => {$(
        impl<S: Shape> Tensor<S, $t, Cpu> {
            #[doc = concat!("The exact sum of all elements, as `", stringify!($wide), "` (numpy's rule; wraps on overflow, as numpy does).")]
            ///
            /// ```
            /// use shaped_core::{shape, Tensor};
            #[doc = concat!("let x = Tensor::<shape![3], ", stringify!($t), ">::from_array([100, 100, 100]);")]
            #[doc = concat!("assert_eq!(x.sum_all(), 300", stringify!($wide), ");")]
            /// ```
            pub fn sum_all(&self) -> $wide {
                accumulate::sum_int(self.as_slice())
            }
            /// The mean of all elements, as `f64` (NaN when empty).
            ///
            /// ```
            /// use shaped_core::{shape, Tensor};
            #[doc = concat!("let x = Tensor::<shape![2], ", stringify!($t), ">::from_array([1, 2]);")]
            /// assert_eq!(x.mean_all(), 1.5);
            /// ```
            pub fn mean_all(&self) -> f64 {
                self.sum_all() as f64 / self.numel() as f64
            }
            /// The variance of all elements (`ddof = 0`), as `f64`.
            ///
            /// ```
            /// use shaped_core::{shape, Tensor};
            #[doc = concat!("let x = Tensor::<shape![2], ", stringify!($t), ">::from_array([1, 3]);")]
            /// assert_eq!((x.var_all(), x.std_all()), (1.0, 1.0));
            /// ```
            pub fn var_all(&self) -> f64 {
                let x = self.as_slice();
                let n = x.len() as f64;
                accumulate::sum_sq_dev(x, self.mean_all()) / n
            }
            /// The standard deviation of all elements (`ddof = 0`), as `f64`.
            pub fn std_all(&self) -> f64 {
                self.var_all().sqrt()
            }
            #[doc = concat!("The exact sum along axis `A`, as `", stringify!($wide), "`; the axis is removed from the type.")]
            ///
            /// ```
            /// use shaped_core::{shape, Tensor};
            #[doc = concat!("let x = Tensor::<shape![2, 2], ", stringify!($t), ">::from_array([[100, 100], [100, 1]]);")]
            #[doc = concat!("let s: Tensor<shape![2], ", stringify!($wide), "> = x.sum::<1>();")]
            /// assert_eq!(s.as_slice(), &[200, 101]);
            /// ```
            pub fn sum<const A: usize>(&self) -> Tensor<<S as RemoveAxis<A>>::Output, $wide, Cpu>
            where
                S: RemoveAxis<A>,
            {
                let data = sum_lines_int(self.as_slice(), self.shape.dims().as_ref(), A);
                Tensor::from_shape_vec(self.shape.remove_axis(), data)
                    .expect("one sum per line")
            }
            /// The mean along axis `A`, as `f64`; the axis is removed from the type.
            ///
            /// ```
            /// use shaped_core::{shape, Tensor};
            #[doc = concat!("let x = Tensor::<shape![2, 2], ", stringify!($t), ">::from_array([[1, 2], [3, 5]]);")]
            /// assert_eq!(x.mean::<0>().as_slice(), &[2.0, 3.5]);
            /// ```
            pub fn mean<const A: usize>(&self) -> Tensor<<S as RemoveAxis<A>>::Output, f64, Cpu>
            where
                S: RemoveAxis<A>,
            {
                let dims = self.shape.dims();
                let n = dims.as_ref()[A] as f64;
                let data = sum_lines_int(self.as_slice(), dims.as_ref(), A)
                    .into_iter()
                    .map(|s| s as f64 / n)
                    .collect();
                Tensor::from_shape_vec(self.shape.remove_axis(), data)
                    .expect("one mean per line")
            }
        }
    )*};
}
integer_reductions!(u8 => u64, u16 => u64, u32 => u64, u64 => u64, usize => u64,
                    i8 => i64, i16 => i64, i32 => i64, i64 => i64);

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
