//! Element access by a full index (`t[[i, j]]`, `t.get([i, j])`), and
//! numpy's index that drops an axis (`x[4]` is `x.at::<0>(4)`).

use crate::{
    device::Cpu,
    dtype::Dtype,
    error::ShapeError,
    ops::reduce::split_at_axis,
    shape::{RemoveAxis, Shape},
    Tensor,
};
use core::ops::{Index, IndexMut};

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// Entry `i` of axis `AXIS`, that axis dropped, like numpy's `x[i]`
    /// (`AXIS = 0`) or `x[:, i]` (`AXIS = 1`); an error when `i` is past
    /// the axis. Chains: `video[1, 10]` is `video.at::<0>(1).at::<0>(10)`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![3, 2], i32>::from_array([[0, 1], [2, 3], [4, 5]]);
    /// let row: Tensor<shape![2], i32> = x.try_at::<0>(1).unwrap();
    /// assert_eq!(row.as_slice(), &[2, 3]);
    /// let col: Tensor<shape![3], i32> = x.try_at::<1>(1).unwrap();
    /// assert_eq!(col.as_slice(), &[1, 3, 5]);
    /// let e = x.try_at::<0>(3).unwrap_err();
    /// assert_eq!(e.to_string(), "at: shape (3, 2) and index 3 do not fit: the index is past axis 0");
    /// ```
    pub fn try_at<const AXIS: usize>(
        &self,
        i: usize,
    ) -> Result<Tensor<<S as RemoveAxis<AXIS>>::Output, E, Cpu>, ShapeError>
    where
        S: RemoveAxis<AXIS>,
    {
        let dims = self.shape.dims();
        let (outer, n, inner) = split_at_axis(dims.as_ref(), AXIS);
        if i >= n {
            return Err(ShapeError::with_argument(
                "at",
                dims.as_ref(),
                format!("index {i}"),
                format!("do not fit: the index is past axis {AXIS}"),
            ));
        }
        let src = self.as_slice();
        let mut data = Vec::with_capacity(outer * inner);
        for o in 0..outer {
            data.extend_from_slice(&src[(o * n + i) * inner..][..inner]);
        }
        Ok(Tensor::from_shape_vec(self.shape.remove_axis(), data)
            .expect("the shape without the axis holds the entry"))
    }

    /// [`try_at`](Self::try_at) that panics with the same words.
    ///
    /// The chapter's `train_images[4]`:
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let train_images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(10), Sz, Sz));
    /// let digit: Tensor<shape![28, 28], u8> = train_images.at::<0>(4);
    /// assert_eq!(digit.dims(), [28, 28]);
    /// ```
    pub fn at<const AXIS: usize>(&self, i: usize) -> Tensor<<S as RemoveAxis<AXIS>>::Output, E, Cpu>
    where
        S: RemoveAxis<AXIS>,
    {
        self.try_at::<AXIS>(i).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    fn offset(&self, index: &[usize]) -> Option<usize> {
        let dims = self.shape.dims();
        let mut off = 0;
        for (&i, &d) in index.iter().zip(dims.as_ref()) {
            if i >= d {
                return None;
            }
            off = off * d + i;
        }
        Some(off)
    }
    /// The element at `index`, or `None` when it is out of range.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], i32>::from_array([[1, 2, 3], [4, 5, 6]]);
    /// assert_eq!(x.get([1, 2]), Some(6));
    /// assert_eq!(x.get([2, 0]), None);
    /// ```
    pub fn get(&self, index: S::Dims) -> Option<E> {
        self.offset(index.as_ref()).map(|o| self.as_slice()[o])
    }
}

/// `t[[i, j]]`; panics on an index out of range, naming it and the shape.
///
/// ```
/// use shaped_core::{shape, Tensor};
/// let mut x = Tensor::<shape![2, 2]>::zeros();
/// x[[1, 0]] = 5.0;
/// assert_eq!(x[[1, 0]], 5.0);
/// ```
impl<S: Shape, E: Dtype> Index<<S as Shape>::Dims> for Tensor<S, E, Cpu> {
    type Output = E;
    fn index(&self, index: S::Dims) -> &E {
        match self.offset(index.as_ref()) {
            Some(o) => &self.as_slice()[o],
            None => panic!(
                "index {:?} is out of range for shape {:?}",
                index,
                self.shape.dims()
            ),
        }
    }
}

impl<S: Shape, E: Dtype> IndexMut<<S as Shape>::Dims> for Tensor<S, E, Cpu> {
    fn index_mut(&mut self, index: S::Dims) -> &mut E {
        match self.offset(index.as_ref()) {
            Some(o) => &mut self.as_mut_slice()[o],
            None => panic!(
                "index {:?} is out of range for shape {:?}",
                index,
                self.shape.dims()
            ),
        }
    }
}
