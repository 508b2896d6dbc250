//! Slicing: static ranges with negative ends and a typed result, run-time
//! ranges along any axis, and gathering rows by index.

use crate::{
    device::Cpu,
    dtype::Dtype,
    error::ShapeError,
    ops::reduce::split_at_axis,
    shape::{AxisOf, ReplaceAxis, Shape},
    Dim, Dyn, Sz, Tensor,
};

/// Resolves a possibly negative index against a length, like Python.
const fn resolve(i: isize, n: usize) -> isize {
    if i < 0 {
        n as isize + i
    } else {
        i
    }
}

/// Whether `START..END` (Python rules) over an axis of size `n` holds `len`
/// elements and lies within the axis.
const fn range_fits(start: isize, end: isize, n: usize, len: usize) -> bool {
    let (s, e) = (resolve(start, n), resolve(end, n));
    s >= 0 && e <= n as isize && s <= e && (e - s) as usize == len
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    fn copy_range(&self, axis: usize, start: usize, len: usize) -> Vec<E> {
        let (outer, n, inner) = split_at_axis(self.shape.dims().as_ref(), axis);
        let mut out = Vec::with_capacity(outer * len * inner);
        for o in 0..outer {
            let base = (o * n + start) * inner;
            out.extend_from_slice(&self.data[base..base + len * inner]);
        }
        out
    }

    /// The static slice `START..END` of axis `AXIS`, holding `LEN` elements;
    /// negative `START`/`END` count from the end, as in Python. When the axis
    /// is static, a range that does not hold `LEN` elements or runs past the
    /// axis fails to build; on a `Dyn` axis it panics at run time.
    ///
    /// The chapter's crop `images[:, 7:-7, 7:-7]`:
    /// ```
    /// use tensor_core::{shape, Dyn, Sz, Tensor};
    /// let images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(10), Sz, Sz));
    /// let crop: Tensor<shape![_, 14, 14], u8> =
    ///     images.slice::<1, 7, -7, 14>().slice::<2, 7, -7, 14>();
    /// assert_eq!(crop.dims(), [10, 14, 14]);
    /// ```
    pub fn slice<const AXIS: usize, const START: isize, const END: isize, const LEN: usize>(
        &self,
    ) -> Tensor<<S as ReplaceAxis<AXIS, Sz<LEN>>>::Output, E, Cpu>
    where
        S: AxisOf<AXIS> + ReplaceAxis<AXIS, Sz<LEN>>,
    {
        const {
            if let Some(n) = <<S as AxisOf<AXIS>>::Dim as Dim>::STATIC {
                assert!(
                    range_fits(START, END, n, LEN),
                    "slice: START..END runs past the axis or does not hold LEN elements (the shape and the numbers are in the note below)"
                );
            }
        };
        let n = self.shape.dims().as_ref()[AXIS];
        assert!(
            range_fits(START, END, n, LEN),
            "slice: {START}..{END} of an axis of size {n} does not hold {LEN} elements"
        );
        Tensor {
            shape: self.shape.replace_axis(Sz::<LEN>),
            data: self.copy_range(AXIS, resolve(START, n) as usize, LEN),
            device: Cpu,
        }
    }

    /// The run-time range `start..start + len` of axis `AXIS`, which becomes a
    /// `Dyn` axis; an error when it runs past the axis.
    ///
    /// Batch 469 of MNIST's 60000 images is the last, of 96:
    /// ```
    /// use tensor_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 784], u8>::zeros_with((Dyn(60000), Sz));
    /// let b = x.try_narrow::<0>(468 * 128, 96).unwrap();
    /// assert_eq!(b.dims(), [96, 784]);
    /// assert!(x.try_narrow::<0>(468 * 128, 128).is_err());
    /// ```
    pub fn try_narrow<const AXIS: usize>(
        &self,
        start: usize,
        len: usize,
    ) -> Result<Tensor<<S as ReplaceAxis<AXIS, Dyn>>::Output, E, Cpu>, ShapeError>
    where
        S: ReplaceAxis<AXIS, Dyn>,
    {
        let dims = self.shape.dims();
        let n = dims.as_ref()[AXIS];
        if start.checked_add(len).is_none_or(|e| e > n) {
            return Err(ShapeError::with_argument(
                "narrow",
                dims.as_ref(),
                format!("range {start}..{}", start.saturating_add(len)),
                format!("do not fit: the range runs past axis {AXIS}"),
            ));
        }
        Ok(Tensor {
            shape: self.shape.replace_axis(Dyn(len)),
            data: self.copy_range(AXIS, start, len),
            device: Cpu,
        })
    }

    /// [`try_narrow`](Self::try_narrow) that panics with the same words.
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// let x = Tensor::<shape![4, 2], i32>::from_array([[0, 1], [2, 3], [4, 5], [6, 7]]);
    /// assert_eq!(x.narrow::<0>(1, 2).as_slice(), &[2, 3, 4, 5]);
    /// ```
    pub fn narrow<const AXIS: usize>(
        &self,
        start: usize,
        len: usize,
    ) -> Tensor<<S as ReplaceAxis<AXIS, Dyn>>::Output, E, Cpu>
    where
        S: ReplaceAxis<AXIS, Dyn>,
    {
        self.try_narrow::<AXIS>(start, len)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The rows (entries of axis 0) at `indices`, in that order, like
    /// `x[indices]` in numpy; an error names the first index out of range.
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// let x = Tensor::<shape![3, 2], i32>::from_array([[0, 1], [2, 3], [4, 5]]);
    /// assert_eq!(x.try_gather_rows(&[2, 0]).unwrap().as_slice(), &[4, 5, 0, 1]);
    /// assert!(x.try_gather_rows(&[3]).is_err());
    /// ```
    pub fn try_gather_rows(
        &self,
        indices: &[usize],
    ) -> Result<Tensor<<S as ReplaceAxis<0, Dyn>>::Output, E, Cpu>, ShapeError>
    where
        S: ReplaceAxis<0, Dyn>,
    {
        let dims = self.shape.dims();
        let n = dims.as_ref()[0];
        let inner: usize = dims.as_ref()[1..].iter().product();
        let mut data = Vec::with_capacity(indices.len() * inner);
        for &i in indices {
            if i >= n {
                return Err(ShapeError::with_argument(
                    "gather_rows",
                    dims.as_ref(),
                    format!("index {i}"),
                    "do not fit: the index is past axis 0",
                ));
            }
            data.extend_from_slice(&self.data[i * inner..(i + 1) * inner]);
        }
        Ok(Tensor {
            shape: self.shape.replace_axis(Dyn(indices.len())),
            data,
            device: Cpu,
        })
    }

    /// [`try_gather_rows`](Self::try_gather_rows) that panics with the same words.
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 2]>::from_array([[1., 2.], [3., 4.]]);
    /// assert_eq!(x.gather_rows(&[1, 1]).as_slice(), &[3., 4., 3., 4.]);
    /// ```
    pub fn gather_rows(
        &self,
        indices: &[usize],
    ) -> Tensor<<S as ReplaceAxis<0, Dyn>>::Output, E, Cpu>
    where
        S: ReplaceAxis<0, Dyn>,
    {
        self.try_gather_rows(indices)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{shape, Tensor};

    #[test]
    fn static_slices_match_python_ranges() {
        let x = Tensor::<shape![4, 5], i32>::from_fn(|i| (i[0] * 10 + i[1]) as i32);
        let a = x.slice::<1, 1, -1, 3>();
        assert_eq!(a.as_slice(), &[1, 2, 3, 11, 12, 13, 21, 22, 23, 31, 32, 33]);
        let b = x.slice::<0, -2, 4, 2>();
        assert_eq!(b.as_slice(), &[20, 21, 22, 23, 24, 30, 31, 32, 33, 34]);
    }
}
