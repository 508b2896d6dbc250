//! Element access by a full index: `t[[i, j]]`, `t.get([i, j])`.

use crate::{device::Cpu, dtype::Dtype, shape::Shape, Tensor};
use core::ops::{Index, IndexMut};

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
    /// use tensor_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], i32>::from_array([[1, 2, 3], [4, 5, 6]]);
    /// assert_eq!(x.get([1, 2]), Some(6));
    /// assert_eq!(x.get([2, 0]), None);
    /// ```
    pub fn get(&self, index: S::Dims) -> Option<E> {
        self.offset(index.as_ref()).map(|o| self.data[o])
    }
}

/// `t[[i, j]]`; panics on an index out of range, naming it and the shape.
///
/// ```
/// use tensor_core::{shape, Tensor};
/// let mut x = Tensor::<shape![2, 2]>::zeros();
/// x[[1, 0]] = 5.0;
/// assert_eq!(x[[1, 0]], 5.0);
/// ```
impl<S: Shape, E: Dtype> Index<<S as Shape>::Dims> for Tensor<S, E, Cpu> {
    type Output = E;
    fn index(&self, index: S::Dims) -> &E {
        match self.offset(index.as_ref()) {
            Some(o) => &self.data[o],
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
            Some(o) => &mut self.data[o],
            None => panic!(
                "index {:?} is out of range for shape {:?}",
                index,
                self.shape.dims()
            ),
        }
    }
}
