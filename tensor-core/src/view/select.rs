//! Slicing, narrowing, indexing and reshaping a [`TensorView`]: each gives
//! a view of the same elements, with the shape rules (and the compile-time
//! checks) of the copying forms on [`Tensor`](crate::Tensor).

use super::TensorView;
use crate::{
    dtype::Dtype,
    error::ShapeError,
    ops::reshape::{infer_shape, ReshapeTo},
    ops::slice::{bound_name, SliceBy, SliceFrom, SliceFromEnd, SliceRange, SliceTrim},
    shape::{RemoveAxis, ReplaceAxis, Shape},
    Dyn,
};
use dims::{Bound, FromEnd, Ix};

/// Strides of a shape of the same rank, copied.
fn same_rank<S2: Shape>(strides: &[usize]) -> S2::Dims {
    let mut out = S2::Dims::default();
    out.as_mut().copy_from_slice(strides);
    out
}

impl<'a, S: Shape, E: Dtype> TensorView<'a, S, E> {
    /// The view of `shape` (axis `axis` cut to `len` entries from `start`),
    /// after checking the range against the axis.
    fn cut<S2: Shape>(
        &self,
        op: &'static str,
        axis: usize,
        start: usize,
        len: usize,
        shape: impl FnOnce(&S) -> Option<S2>,
    ) -> Result<TensorView<'a, S2, E>, ShapeError> {
        let dims = self.shape.dims();
        let n = dims.as_ref()[axis];
        let err = || {
            ShapeError::with_argument(
                op,
                dims.as_ref(),
                format!("range {start}..{}", start.saturating_add(len)),
                format!("do not fit: the range runs past axis {axis}"),
            )
        };
        if start.checked_add(len).is_none_or(|e| e > n) {
            return Err(err());
        }
        let shape = shape(&self.shape).ok_or_else(err)?;
        // A view that reads nothing needs no offset (`new` sets it to 0).
        let offset = if shape.numel() == 0 {
            Some(0)
        } else {
            start
                .checked_mul(self.strides.as_ref()[axis])
                .and_then(|d| self.offset.checked_add(d))
        };
        offset
            .and_then(|o| {
                TensorView::new(shape, same_rank::<S2>(self.strides.as_ref()), o, self.data)
            })
            .ok_or_else(err)
    }

    /// A static slice whose shape `make` builds from the length.
    fn run_slice<const AXIS: usize, Lo: Bound, Hi: Bound, S2: Shape>(
        &self,
        make: impl FnOnce(&S, usize) -> Option<S2>,
    ) -> Result<TensorView<'a, S2, E>, ShapeError> {
        let dims = self.shape.dims();
        let n = dims.as_ref()[AXIS];
        let (start, end) = match (Lo::resolve(n), Hi::resolve(n)) {
            (Some(a), Some(b)) if a <= b => (a, b),
            _ => {
                return Err(ShapeError::with_argument(
                    "slice",
                    dims.as_ref(),
                    format!("range {}..{}", bound_name::<Lo>(), bound_name::<Hi>()),
                    format!("do not fit: the range runs past axis {AXIS}"),
                ))
            }
        };
        self.cut("slice", AXIS, start, end - start, |s| make(s, end - start))
    }

    /// The view of the static slice `Lo..Hi` of axis `AXIS`
    /// ([`Tensor::try_slice_by`](crate::Tensor::try_slice_by) without the copy).
    ///
    /// ```
    /// use shaped_core::{shape, FromEnd, Tensor};
    /// let x = Tensor::<shape![_, 5], i32>::from_dims_vec(&[2, 5], (0..10).collect()).unwrap();
    /// let last2 = x.view().try_slice_by::<1, FromEnd<2>, FromEnd<0>>().unwrap();
    /// assert_eq!(last2.iter().collect::<Vec<_>>(), vec![3, 4, 8, 9]);
    /// assert!(x.view().try_slice_by::<0, FromEnd<3>, FromEnd<0>>().is_err());
    /// ```
    pub fn try_slice_by<const AXIS: usize, Lo: Bound, Hi: Bound>(
        &self,
    ) -> Result<TensorView<'a, <S as SliceBy<AXIS, Lo, Hi>>::Output, E>, ShapeError>
    where
        S: SliceBy<AXIS, Lo, Hi>,
    {
        self.run_slice::<AXIS, Lo, Hi, _>(|s, len| SliceBy::<AXIS, Lo, Hi>::with_len(s, len))
    }

    /// [`try_slice_by`](Self::try_slice_by) that panics with the same words.
    ///
    /// ```
    /// use shaped_core::{shape, FromEnd, Tensor};
    /// let x = Tensor::<shape![5], i32>::from_vec((0..5).collect()).unwrap();
    /// let y = x.view().slice_by::<0, FromEnd<3>, FromEnd<1>>();
    /// assert_eq!(y.as_slice(), Some(&[2, 3][..]));
    /// ```
    pub fn slice_by<const AXIS: usize, Lo: Bound, Hi: Bound>(
        &self,
    ) -> TensorView<'a, <S as SliceBy<AXIS, Lo, Hi>>::Output, E>
    where
        S: SliceBy<AXIS, Lo, Hi>,
    {
        self.try_slice_by::<AXIS, Lo, Hi>()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Python's `x[START:END]` along axis `AXIS` as a view, its length
    /// computed; a range that does not fit a static axis fails at
    /// `cargo check`, as [`Tensor::slice`](crate::Tensor::slice) does.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor, TensorView};
    /// let digit = Tensor::<shape![28, 28], u8>::from_fn(|i| (i[0] + i[1]) as u8);
    /// let rows: TensorView<shape![10, 28], u8> = digit.view().slice::<0, 10, 20>();
    /// assert!(rows.is_contiguous());
    /// let cols: TensorView<shape![28, 10], u8> = digit.view().slice::<1, 10, 20>();
    /// assert!(!cols.is_contiguous());
    /// assert_eq!(cols.to_owned(), digit.slice::<1, 10, 20>());
    /// ```
    pub fn slice<const AXIS: usize, const START: usize, const END: usize>(
        &self,
    ) -> TensorView<'a, <S as SliceRange<AXIS, START, END>>::Output, E>
    where
        S: SliceRange<AXIS, START, END>,
    {
        self.try_slice::<AXIS, START, END>()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`slice`](Self::slice) that returns an error when the range does not
    /// fit a run-time axis.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 4], u8>::zeros_with((Dyn(3), Sz));
    /// assert_eq!(x.view().try_slice::<0, 1, 3>().unwrap().dims(), [2, 4]);
    /// let e = x.view().try_slice::<0, 2, 5>().unwrap_err();
    /// assert_eq!(e.to_string(), "slice: shape (3, 4) and range 2..5 do not fit: the range runs past axis 0");
    /// ```
    pub fn try_slice<const AXIS: usize, const START: usize, const END: usize>(
        &self,
    ) -> Result<TensorView<'a, <S as SliceRange<AXIS, START, END>>::Output, E>, ShapeError>
    where
        S: SliceRange<AXIS, START, END>,
    {
        self.run_slice::<AXIS, Ix<START>, Ix<END>, _>(|s, len| {
            SliceRange::<AXIS, START, END>::with_len(s, len)
        })
    }

    /// Python's `x[START:]` along axis `AXIS` as a view.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor, TensorView};
    /// let digit = Tensor::<shape![28, 28], u8>::zeros();
    /// let corner: TensorView<shape![14, 14], u8> = digit.view().slice_from::<0, 14>().slice_from::<1, 14>();
    /// assert_eq!(corner.dims(), [14, 14]);
    /// ```
    pub fn slice_from<const AXIS: usize, const START: usize>(
        &self,
    ) -> TensorView<'a, <S as SliceFrom<AXIS, START>>::Output, E>
    where
        S: SliceFrom<AXIS, START>,
    {
        self.run_slice::<AXIS, Ix<START>, FromEnd<0>, _>(|s, len| {
            SliceFrom::<AXIS, START>::with_len(s, len)
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Python's `x[FRONT:-BACK]` along axis `AXIS` as a view.
    ///
    /// The chapter's crop `images[:, 7:-7, 7:-7]`, borrowed:
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor, TensorView};
    /// let images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(10), Sz, Sz));
    /// let crop: TensorView<shape![_, 14, 14], u8> =
    ///     images.view().slice_trim::<1, 7, 7>().slice_trim::<2, 7, 7>();
    /// assert_eq!(crop.dims(), [10, 14, 14]);
    /// assert_eq!(crop.strides(), [784, 28, 1]);
    /// ```
    pub fn slice_trim<const AXIS: usize, const FRONT: usize, const BACK: usize>(
        &self,
    ) -> TensorView<'a, <S as SliceTrim<AXIS, FRONT, BACK>>::Output, E>
    where
        S: SliceTrim<AXIS, FRONT, BACK>,
    {
        self.run_slice::<AXIS, Ix<FRONT>, FromEnd<BACK>, _>(|s, len| {
            SliceTrim::<AXIS, FRONT, BACK>::with_len(s, len)
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Python's `x[-FROM:-TO]` along axis `AXIS` as a view (`TO` = 0 is the
    /// open end).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![6], i32>::from_vec((0..6).collect()).unwrap();
    /// assert_eq!(x.view().slice_from_end::<0, 4, 1>().as_slice(), Some(&[2, 3, 4][..]));
    /// ```
    pub fn slice_from_end<const AXIS: usize, const FROM: usize, const TO: usize>(
        &self,
    ) -> TensorView<'a, <S as SliceFromEnd<AXIS, FROM, TO>>::Output, E>
    where
        S: SliceFromEnd<AXIS, FROM, TO>,
    {
        self.run_slice::<AXIS, FromEnd<FROM>, FromEnd<TO>, _>(|s, len| {
            SliceFromEnd::<AXIS, FROM, TO>::with_len(s, len)
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The run-time range `start..start + len` of axis `AXIS` as a view
    /// (that axis becomes `Dyn`); an error when it runs past the axis.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 784], u8>::zeros_with((Dyn(60000), Sz));
    /// let b = x.view().try_narrow::<0>(468 * 128, 96).unwrap();
    /// assert_eq!(b.dims(), [96, 784]);
    /// assert_eq!(b.as_slice().map(<[u8]>::len), Some(96 * 784)); // no copy
    /// assert!(x.view().try_narrow::<0>(468 * 128, 128).is_err());
    /// assert!(x.view().try_narrow::<0>(usize::MAX, 2).is_err());
    /// ```
    pub fn try_narrow<const AXIS: usize>(
        &self,
        start: usize,
        len: usize,
    ) -> Result<TensorView<'a, <S as ReplaceAxis<AXIS, Dyn>>::Output, E>, ShapeError>
    where
        S: ReplaceAxis<AXIS, Dyn>,
    {
        self.cut("narrow", AXIS, start, len, |s| {
            Some(s.replace_axis(Dyn(len)))
        })
    }

    /// [`try_narrow`](Self::try_narrow) that panics with the same words.
    /// The training loop's batch, borrowed:
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let train = Tensor::<shape![4, 2], i32>::from_array([[0, 1], [2, 3], [4, 5], [6, 7]]);
    /// let batch = train.view().narrow::<0>(1, 2);
    /// assert_eq!(batch.as_slice(), Some(&[2, 3, 4, 5][..]));
    /// ```
    pub fn narrow<const AXIS: usize>(
        &self,
        start: usize,
        len: usize,
    ) -> TensorView<'a, <S as ReplaceAxis<AXIS, Dyn>>::Output, E>
    where
        S: ReplaceAxis<AXIS, Dyn>,
    {
        self.try_narrow::<AXIS>(start, len)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Numpy's `x[start:end]` with run-time bounds clamped to the axis, as a
    /// view (see [`Tensor::clamped`](crate::Tensor::clamped)). Never fails.
    ///
    /// ```
    /// use shaped_core::{s, shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 784], u8>::zeros_with((Dyn(60000), Sz));
    /// let n = 468;
    /// assert_eq!(x.view().clamped::<0>(128 * n, 128 * (n + 1)).dims(), [96, 784]);
    /// assert_eq!(s!(x.view()[128 * n..128 * (n + 1)]).dims(), [96, 784]);
    /// assert_eq!(x.view().clamped::<0>(10, 5).dims(), [0, 784]);
    /// ```
    pub fn clamped<const AXIS: usize>(
        &self,
        start: usize,
        end: usize,
    ) -> TensorView<'a, <S as ReplaceAxis<AXIS, Dyn>>::Output, E>
    where
        S: ReplaceAxis<AXIS, Dyn>,
    {
        let n = self.shape.dims().as_ref()[AXIS];
        let start = start.min(n);
        let end = end.clamp(start, n);
        self.narrow::<AXIS>(start, end - start)
    }

    /// Entry `i` of axis `AXIS` as a view, that axis dropped (numpy's
    /// `x[i]`, `x[:, i]`); an error when `i` is past the axis.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![3, 2], i32>::from_array([[0, 1], [2, 3], [4, 5]]);
    /// assert_eq!(x.view().try_at::<0>(1).unwrap().as_slice(), Some(&[2, 3][..]));
    /// assert_eq!(x.view().try_at::<1>(1).unwrap().iter().collect::<Vec<_>>(), vec![1, 3, 5]);
    /// let e = x.view().try_at::<0>(3).unwrap_err();
    /// assert_eq!(e.to_string(), "at: shape (3, 2) and index 3 do not fit: the index is past axis 0");
    /// ```
    pub fn try_at<const AXIS: usize>(
        &self,
        i: usize,
    ) -> Result<TensorView<'a, <S as RemoveAxis<AXIS>>::Output, E>, ShapeError>
    where
        S: RemoveAxis<AXIS>,
    {
        let dims = self.shape.dims();
        let err = || {
            ShapeError::with_argument(
                "at",
                dims.as_ref(),
                format!("index {i}"),
                format!("do not fit: the index is past axis {AXIS}"),
            )
        };
        if i >= dims.as_ref()[AXIS] {
            return Err(err());
        }
        let strides = self.strides.as_ref();
        let mut out = <<S as RemoveAxis<AXIS>>::Output as Shape>::Dims::default();
        for (o, s) in out
            .as_mut()
            .iter_mut()
            .zip(strides[..AXIS].iter().chain(&strides[AXIS + 1..]))
        {
            *o = *s;
        }
        i.checked_mul(strides[AXIS])
            .and_then(|d| self.offset.checked_add(d))
            .and_then(|o| TensorView::new(self.shape.remove_axis(), out, o, self.data))
            .ok_or_else(err)
    }

    /// [`try_at`](Self::try_at) that panics with the same words. Chains:
    /// the chapter's `train_images[4]` and then its row `j`, both borrowed.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor, TensorView};
    /// let train_images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(10), Sz, Sz));
    /// let digit: TensorView<shape![28, 28], u8> = train_images.view().at::<0>(4);
    /// let row: TensorView<shape![28], u8> = digit.at::<0>(12);
    /// assert_eq!(row.as_slice(), Some(&train_images.as_slice()[4 * 784 + 12 * 28..][..28]));
    /// ```
    pub fn at<const AXIS: usize>(
        &self,
        i: usize,
    ) -> TensorView<'a, <S as RemoveAxis<AXIS>>::Output, E>
    where
        S: RemoveAxis<AXIS>,
    {
        self.try_at::<AXIS>(i).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The same elements under shape `S2`, borrowed; one `Dyn` dim of `S2`
    /// is inferred as numpy's `-1`. An error when the counts differ, or when
    /// the view is strided (a strided view cannot be reshaped without a
    /// copy: `to_owned()` it first).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![4, 6], i32>::from_fn(|i| (i[0] * 6 + i[1]) as i32);
    /// let rows = x.view().narrow::<0>(1, 2);
    /// let flat = rows.try_reshape::<shape![_]>().unwrap();
    /// assert_eq!(flat.dims(), [12]);
    /// let e = x.view().slice::<1, 0, 3>().try_reshape::<shape![_]>().unwrap_err();
    /// assert_eq!(e.to_string(), "reshape: shapes (4, 3) and (_,) do not fit: the view is strided; reshape `to_owned()` instead");
    /// ```
    pub fn try_reshape<S2: Shape>(&self) -> Result<TensorView<'a, S2, E>, ShapeError> {
        let dims = self.shape.dims();
        let shape = infer_shape::<S2>(dims.as_ref(), self.numel())?;
        let data = self.as_slice().ok_or_else(|| {
            ShapeError::against_type::<S2>(
                "reshape",
                dims.as_ref(),
                "do not fit: the view is strided; reshape `to_owned()` instead",
            )
        })?;
        Ok(TensorView::new(shape, shape.strides(), 0, data)
            .expect("a contiguous view's elements hold the new shape's count"))
    }

    /// [`try_reshape`](Self::try_reshape) with the static check of
    /// [`Tensor::reshape`](crate::Tensor::reshape): between static shapes a
    /// different count fails at `cargo check`. Panics on a strided view.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor, TensorView};
    /// let x = Tensor::<shape![10, 28, 28], u8>::zeros();
    /// let digit: TensorView<shape![784], u8> = x.view().at::<0>(3).reshape();
    /// assert_eq!(digit.dims(), [784]);
    /// ```
    pub fn reshape<S2: Shape>(&self) -> TensorView<'a, <S as ReshapeTo<S2>>::Output, E>
    where
        S: ReshapeTo<S2>,
    {
        self.try_reshape().unwrap_or_else(|e| panic!("{e}"))
    }
}
