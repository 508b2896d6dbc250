//! Borrowed views: numpy's slices, indexes and reshapes without a copy.
//!
//! [`Tensor::view`] borrows a tensor as a [`TensorView`]; a view's
//! [`slice`](TensorView::slice), [`narrow`](TensorView::narrow),
//! [`at`](TensorView::at) and [`reshape`](TensorView::reshape) return
//! views of the same elements, as numpy's `x[4]`, `x[:, 7:-7]` and
//! `x.reshape(...)` do. [`to_owned`](TensorView::to_owned) copies a view into
//! a [`Tensor`] of its shape.
//!
//! A view is a shape, a stride per axis (in elements) and an offset into the
//! borrowed elements. Taking entries of the first axis (`at::<0>`, a
//! `narrow::<0>` batch) keeps a view *contiguous*: its elements are one
//! run of the tensor's, and [`as_slice`](TensorView::as_slice) gives them
//! with no copy. A slice along a later axis (the chapter's crop
//! `[:, 7:-7, 7:-7]`) is *strided*: its rows are apart in memory, and
//! `as_slice` is `None`.
//!
//! ```
//! use shaped_core::{s, shape, Dyn, Sz, Tensor, TensorView};
//! let train_images =
//!     Tensor::<shape![_, 28, 28], u8>::from_dims_vec(&[300, 28, 28], (0..300 * 784).map(|i| i as u8).collect())
//!         .unwrap();
//! // A batch of 128: borrowed, contiguous, no copy.
//! let n = 1;
//! let batch: TensorView<shape![_, 28, 28], u8> = train_images.view().narrow::<0>(128 * n, 128);
//! assert_eq!(batch.dims(), [128, 28, 28]);
//! assert_eq!(batch.as_slice(), Some(&train_images.as_slice()[128 * 784..256 * 784]));
//! // The chapter's crop: strided, with the copying op's elements.
//! let crop = s!(train_images.view()[.., 7..-7, 7..-7]);
//! assert_eq!(crop.dims(), [300, 14, 14]);
//! assert!(crop.as_slice().is_none());
//! assert_eq!(crop.to_owned(), s!(train_images[.., 7..-7, 7..-7]));
//! // `x[4][j]`, both views.
//! let row = train_images.view().at::<0>(4).at::<0>(10);
//! assert_eq!(row.get([3]), train_images.get([4, 10, 3]));
//! ```
//!
//! The copying forms on [`Tensor`] (`x.slice::<..>()`, `x.narrow::<0>(..)`,
//! `x.at::<0>(..)`) stay as they were: they return a `Tensor`, which every
//! op (`dot`, `+`, a layer's input) takes, and their callers' annotations
//! (`let y: Tensor<shape![10, 28], u8> = x.slice::<0, 10, 20>()`) keep
//! compiling. Take a view with `x.view()` first when the copy is not wanted.
//! The element-wise ops and `dot` take tensors: give them `view.to_owned()`
//! (one copy), or, for a contiguous view, its [`as_slice`](TensorView::as_slice).
//! [`sum_all`](TensorView::sum_all) and [`mean_all`](TensorView::mean_all)
//! read a view in place.

mod reduce;
mod select;

use crate::{device::Cpu, dtype::Dtype, error::fmt_dims, shape::Shape, storage::Storage, Tensor};
use core::fmt;
use core::ops::Index;

/// A borrowed, possibly strided view of a tensor's elements, of shape `S`
/// (see the [module docs](self)).
///
/// Every view is made from a tensor's elements by this module's checked
/// constructors: each in-range index lands inside the borrowed elements,
/// which is checked (with overflow-checked arithmetic) when the view is
/// made, so reading it needs no further check but the index's own.
///
/// ```
/// use shaped_core::{shape, Tensor};
/// let x = Tensor::<shape![2, 3], i32>::from_array([[1, 2, 3], [4, 5, 6]]);
/// let v = x.view();
/// assert_eq!(v.dims(), [2, 3]);
/// assert_eq!(v[[1, 2]], 6);
/// assert_eq!(v.iter().collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 6]);
/// assert_eq!(v.to_owned(), x);
/// ```
#[derive(Clone, Copy)]
pub struct TensorView<'a, S: Shape, E: Dtype = f32> {
    shape: S,
    strides: S::Dims,
    offset: usize,
    data: &'a [E],
}

/// The offset one past the last element a view of `dims` and `strides` at
/// `offset` reads (`offset` when it reads none), or `None` on overflow.
fn end_offset(dims: &[usize], strides: &[usize], offset: usize) -> Option<usize> {
    if dims.contains(&0) {
        return Some(offset);
    }
    let mut last = offset;
    for (&d, &s) in dims.iter().zip(strides) {
        last = last.checked_add((d - 1).checked_mul(s)?)?;
    }
    last.checked_add(1)
}

impl<'a, S: Shape, E: Dtype> TensorView<'a, S, E> {
    /// A view, if every in-range index of `shape` lands inside `data`.
    /// A view that reads no element keeps offset 0, wherever it was cut.
    pub(crate) fn new(shape: S, strides: S::Dims, offset: usize, data: &'a [E]) -> Option<Self> {
        let dims = shape.dims();
        let offset = if dims.as_ref().contains(&0) {
            0
        } else {
            offset
        };
        let end = end_offset(dims.as_ref(), strides.as_ref(), offset)?;
        (end <= data.len()).then_some(TensorView {
            shape,
            strides,
            offset,
            data,
        })
    }

    /// A contiguous, row-major view of `data` as shape `shape`: `data`
    /// must hold exactly the shape's elements.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, TensorView};
    /// let data = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// let v = TensorView::<shape![_, 3]>::from_slice((Dyn(2), shaped_core::Sz::<3>), &data).unwrap();
    /// assert_eq!(v.get([1, 0]), Some(4.0));
    /// let err = TensorView::<shape![_, 3]>::from_slice((Dyn(3), shaped_core::Sz::<3>), &data).unwrap_err();
    /// assert_eq!(err.to_string(), "TensorView::from_slice: shapes (3, 3) and (6,) disagree: the shape's element count is not the data's length");
    /// ```
    pub fn from_slice(shape: S, data: &'a [E]) -> Result<Self, crate::error::ShapeError> {
        let dims = shape.dims();
        // `numel` saturates where the count overflows, and no slice of
        // numbers holds usize::MAX elements, so that is refused too.
        if shape.numel() != data.len() {
            return Err(crate::error::ShapeError::new(
                "TensorView::from_slice",
                dims.as_ref(),
                &[data.len()],
                "disagree: the shape's element count is not the data's length",
            ));
        }
        Ok(TensorView::new(shape, shape.strides(), 0, data).expect("the shape holds the elements"))
    }

    /// The number of axes.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![2, 3]>::zeros();
    /// let v = t.view();
    /// assert_eq!(v.ndim(), 2);
    /// ```
    pub fn ndim(&self) -> usize {
        S::RANK
    }
    /// The shape value.
    pub fn shape(&self) -> S {
        self.shape
    }
    /// The size of every axis.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![2, 3]>::zeros();
    /// let v = t.view();
    /// assert_eq!(v.dims(), [2, 3]);
    /// ```
    pub fn dims(&self) -> S::Dims {
        self.shape.dims()
    }
    /// The number of elements.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![2, 3]>::zeros();
    /// let v = t.view();
    /// assert_eq!(v.numel(), 6);
    /// ```
    pub fn numel(&self) -> usize {
        self.shape.numel()
    }
    /// The distance, in elements, between neighbours along each axis.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![4, 5], u8>::zeros();
    /// assert_eq!(x.view().strides(), [5, 1]);
    /// assert_eq!(x.view().slice::<1, 1, 3>().strides(), [5, 1]);
    /// assert_eq!(x.view().at::<1>(2).strides(), [5]);
    /// ```
    pub fn strides(&self) -> S::Dims {
        self.strides
    }

    /// Whether the elements are one run of the tensor's, in row-major order.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![4, 5], u8>::zeros();
    /// assert!(x.view().narrow::<0>(1, 2).is_contiguous());
    /// assert!(!x.view().narrow::<1>(1, 2).is_contiguous());
    /// ```
    pub fn is_contiguous(&self) -> bool {
        let dims = self.shape.dims();
        if dims.as_ref().contains(&0) {
            return true;
        }
        let mut expect = 1usize;
        for (&d, &s) in dims.as_ref().iter().zip(self.strides.as_ref()).rev() {
            if d != 1 && s != expect {
                return false;
            }
            // Cannot overflow: the product is the element count of a view
            // whose elements lie in `data`.
            expect *= d;
        }
        true
    }

    /// The elements in row-major order, borrowed, when the view is
    /// contiguous; `None` when it is strided.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![3, 2], i32>::from_array([[0, 1], [2, 3], [4, 5]]);
    /// assert_eq!(x.view().at::<0>(1).as_slice(), Some(&[2, 3][..]));
    /// assert_eq!(x.view().at::<1>(1).as_slice(), None);
    /// ```
    pub fn as_slice(&self) -> Option<&'a [E]> {
        if !self.is_contiguous() {
            return None;
        }
        let n = self.numel();
        if n == 0 {
            return Some(&[]);
        }
        self.data.get(self.offset..self.offset.checked_add(n)?)
    }

    /// The offset of `index` in the borrowed elements, or `None` when it is
    /// out of range.
    fn offset_of(&self, index: &[usize]) -> Option<usize> {
        let dims = self.shape.dims();
        let mut off = self.offset;
        for ((&i, &d), &s) in index.iter().zip(dims.as_ref()).zip(self.strides.as_ref()) {
            if i >= d {
                return None;
            }
            off = off.checked_add(i.checked_mul(s)?)?;
        }
        Some(off)
    }

    /// The element at `index`, or `None` when it is out of range.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], i32>::from_array([[1, 2, 3], [4, 5, 6]]);
    /// let col = x.view().at::<1>(2);
    /// assert_eq!(col.get([1]), Some(6));
    /// assert_eq!(col.get([2]), None);
    /// ```
    pub fn get(&self, index: S::Dims) -> Option<E> {
        self.offset_of(index.as_ref())
            .and_then(|o| self.data.get(o))
            .copied()
    }

    /// The elements in row-major order.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], i32>::from_array([[1, 2, 3], [4, 5, 6]]);
    /// let v: Vec<i32> = x.view().slice::<1, 1, 3>().iter().collect();
    /// assert_eq!(v, vec![2, 3, 5, 6]);
    /// ```
    pub fn iter(&self) -> Iter<'a, S, E> {
        Iter {
            view: *self,
            index: S::Dims::default(),
            next: self.offset,
            left: self.numel(),
        }
    }

    /// Calls `f` on each run of elements that are neighbours in memory, in
    /// row-major order: the whole view when it is contiguous, else each row
    /// of the last axis when its stride is 1, else each element.
    pub(crate) fn for_each_run(&self, mut f: impl FnMut(&'a [E])) {
        if let Some(all) = self.as_slice() {
            f(all);
            return;
        }
        let dims = self.shape.dims();
        let d = dims.as_ref();
        let (last_len, last_stride) = match (d.last(), self.strides.as_ref().last()) {
            (Some(&n), Some(&s)) => (n, s),
            _ => (1, 1),
        };
        if last_stride != 1 || last_len == 0 {
            let mut it = self.iter();
            while let Some(o) = it.next_offset() {
                f(core::slice::from_ref(&self.data[o]));
            }
            return;
        }
        // Walk the rows: every index of the leading axes, last one 0.
        let rows = self.numel() / last_len;
        let lead = &d[..d.len() - 1];
        let lead_strides = &self.strides.as_ref()[..d.len() - 1];
        let mut index = vec![0usize; lead.len()];
        let mut start = self.offset;
        for _ in 0..rows {
            f(&self.data[start..start + last_len]);
            // Odometer over the leading axes; offsets stay within the
            // view's checked end.
            for k in (0..lead.len()).rev() {
                index[k] += 1;
                start += lead_strides[k];
                if index[k] < lead[k] {
                    break;
                }
                start -= lead[k] * lead_strides[k];
                index[k] = 0;
            }
        }
    }

    /// Copies the elements into a [`Tensor`] of the view's shape.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![3, 4], i32>::from_fn(|i| (i[0] * 4 + i[1]) as i32);
    /// let cols: Tensor<shape![3, 2], i32> = x.view().slice::<1, 1, 3>().to_owned();
    /// assert_eq!(cols.as_slice(), &[1, 2, 5, 6, 9, 10]);
    /// assert_eq!(cols, x.slice::<1, 1, 3>());
    /// ```
    pub fn to_owned(&self) -> Tensor<S, E, Cpu> {
        let mut data = Vec::with_capacity(self.numel());
        self.for_each_run(|run| data.extend_from_slice(run));
        Tensor::from_shape_vec(self.shape, data).expect("a view's shape holds its elements")
    }
}

/// The elements of a [`TensorView`] in row-major order: see
/// [`TensorView::iter`].
#[derive(Clone)]
pub struct Iter<'a, S: Shape, E: Dtype> {
    view: TensorView<'a, S, E>,
    index: S::Dims,
    next: usize,
    left: usize,
}

impl<S: Shape, E: Dtype> Iter<'_, S, E> {
    /// The offset of the next element in the borrowed elements.
    fn next_offset(&mut self) -> Option<usize> {
        if self.left == 0 {
            return None;
        }
        let at = self.next;
        self.left -= 1;
        if self.left > 0 {
            let dims = self.view.shape.dims();
            let strides = self.view.strides;
            let index = self.index.as_mut();
            // Odometer: offsets stay within the view's checked end.
            for k in (0..S::RANK).rev() {
                index[k] += 1;
                self.next += strides.as_ref()[k];
                if index[k] < dims.as_ref()[k] {
                    break;
                }
                self.next -= dims.as_ref()[k] * strides.as_ref()[k];
                index[k] = 0;
            }
        }
        Some(at)
    }
}

impl<S: Shape, E: Dtype> Iterator for Iter<'_, S, E> {
    type Item = E;
    fn next(&mut self) -> Option<E> {
        self.next_offset().map(|o| self.view.data[o])
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<S: Shape, E: Dtype> ExactSizeIterator for Iter<'_, S, E> {}

impl<'a, S: Shape, E: Dtype> IntoIterator for TensorView<'a, S, E> {
    type Item = E;
    type IntoIter = Iter<'a, S, E>;
    fn into_iter(self) -> Iter<'a, S, E> {
        self.iter()
    }
}

/// `view[[i, j]]`; panics on an index out of range, naming it and the shape.
///
/// ```
/// use shaped_core::{shape, Tensor};
/// let x = Tensor::<shape![2, 2], i32>::from_array([[1, 2], [3, 4]]);
/// assert_eq!(x.view().at::<1>(0)[[1]], 3);
/// ```
impl<S: Shape, E: Dtype> Index<<S as Shape>::Dims> for TensorView<'_, S, E> {
    type Output = E;
    fn index(&self, index: S::Dims) -> &E {
        match self
            .offset_of(index.as_ref())
            .and_then(|o| self.data.get(o))
        {
            Some(x) => x,
            None => panic!(
                "index {:?} is out of range for shape {}",
                index,
                fmt_dims(self.shape.dims().as_ref())
            ),
        }
    }
}

impl<S: Shape, E: Dtype> fmt::Debug for TensorView<'_, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TensorView(shape={}, strides={}, dtype={}, {})",
            fmt_dims(self.shape.dims().as_ref()),
            fmt_dims(self.strides.as_ref()),
            E::NAME,
            self.to_owned()
        )
    }
}

impl<S: Shape, E: Dtype, B: Storage<S, E>> Tensor<S, E, Cpu, B> {
    /// The whole tensor as a [`TensorView`], to slice, index and reshape
    /// without copying.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3], i32>::from_array([[1, 2, 3], [4, 5, 6]]);
    /// let v = x.view();
    /// assert!(v.is_contiguous());
    /// assert_eq!(v.as_slice(), Some(x.as_slice()));
    /// ```
    pub fn view(&self) -> TensorView<'_, S, E> {
        TensorView::new(self.shape, self.shape.strides(), 0, self.as_slice())
            .expect("a tensor's shape holds its elements")
    }
}

#[cfg(test)]
mod tests {
    use super::{end_offset, TensorView};

    #[test]
    fn a_view_past_its_elements_or_past_usize_is_refused() {
        let data = [0i32; 6];
        assert_eq!(end_offset(&[2, 3], &[3, 1], 0), Some(6));
        assert!(TensorView::new((crate::Dyn(2), crate::Dyn(3)), [3, 1], 0, &data[..]).is_some());
        assert!(TensorView::new((crate::Dyn(2), crate::Dyn(3)), [3, 1], 1, &data[..]).is_none());
        assert_eq!(end_offset(&[2, 3], &[usize::MAX, 1], 0), None);
        assert_eq!(end_offset(&[2], &[1], usize::MAX), None);
        assert!(TensorView::new((crate::Dyn(2),), [usize::MAX / 2 + 1], 0, &data[..]).is_none());
        // An empty view reads nothing, wherever it was cut.
        assert_eq!(end_offset(&[0, 3], &[usize::MAX, 1], 99), Some(99));
        let v = TensorView::new((crate::Dyn(0), crate::Dyn(3)), [3, 1], 99, &data[..]).unwrap();
        assert_eq!(v.iter().count(), 0);
        assert_eq!(v.as_slice(), Some(&[][..]));
    }

    #[test]
    fn from_slice_takes_an_empty_shape_whose_other_dims_overflow() {
        use crate::Dyn;
        let empty: [f32; 0] = [];
        let v = TensorView::from_slice((Dyn(0), Dyn(usize::MAX), Dyn(2)), &empty[..]).unwrap();
        assert_eq!(v.iter().count(), 0);
        assert!(TensorView::from_slice((Dyn(2), Dyn(usize::MAX)), &empty[..]).is_err());
        let last = (Dyn(usize::MAX), Dyn(2), Dyn(0));
        assert_eq!(
            TensorView::from_slice(last, &empty[..])
                .unwrap()
                .iter()
                .count(),
            0
        );
    }
}
