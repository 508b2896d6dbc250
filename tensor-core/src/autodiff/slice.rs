//! Slicing [`Var`]s: static ranges, run-time ranges, gathering rows. The
//! backward adds the output gradient back into the positions that were read
//! (for `gather_rows`, a row picked twice receives both gradients).

use crate::{
    autodiff::var::Var,
    dtype::Float,
    error::ShapeError,
    ops::reduce::split_at_axis,
    ops::slice::{SliceBy, SliceFrom, SliceFromEnd, SliceRange, SliceTrim},
    shape::{ReplaceAxis, Shape},
    Dyn,
};
use dims::{Bound, FromEnd, Ix};

/// Adds the gradient `g` of the range `start..start + len` of `axis` into
/// the input's gradient `gx` (input sizes `dims`).
fn unslice<E: Float>(g: &[E], dims: &[usize], axis: usize, start: usize, len: usize, gx: &mut [E]) {
    let (outer, n, inner) = split_at_axis(dims, axis);
    let block = len * inner;
    for o in 0..outer {
        let dst = &mut gx[(o * n + start) * inner..][..block];
        dst.iter_mut()
            .zip(&g[o * block..][..block])
            .for_each(|(d, &g)| *d += g);
    }
}

impl<S: Shape, E: Float> Var<S, E> {
    /// The static slice `Lo..Hi` of axis `AXIS`, with the rules of
    /// [`Tensor::try_slice_by`](crate::Tensor::try_slice_by): the length is computed, a range that does
    /// not fit a static axis does not compile, and one that does not fit a
    /// run-time axis is an error.
    pub fn try_slice_by<const AXIS: usize, Lo: Bound, Hi: Bound>(
        &self,
    ) -> Result<Var<<S as SliceBy<AXIS, Lo, Hi>>::Output, E>, ShapeError>
    where
        S: SliceBy<AXIS, Lo, Hi>,
    {
        let value = self.value.try_slice_by::<AXIS, Lo, Hi>()?;
        Ok(self.record_slice::<AXIS, Lo, _>(value))
    }

    /// Records a static slice of axis `AXIS` starting at `Lo`.
    fn record_slice<const AXIS: usize, Lo: Bound, S2: Shape>(
        &self,
        value: crate::Tensor<S2, E>,
    ) -> Var<S2, E> {
        let dims = self.value.dims().as_ref().to_vec();
        let start = Lo::resolve(dims[AXIS]).expect("the slice was checked");
        let len = value.dims().as_ref()[AXIS];
        self.record1(value, move |g, gx| unslice(g, &dims, AXIS, start, len, gx))
    }

    /// [`try_slice_by`](Self::try_slice_by) that panics with the same words.
    pub fn slice_by<const AXIS: usize, Lo: Bound, Hi: Bound>(
        &self,
    ) -> Var<<S as SliceBy<AXIS, Lo, Hi>>::Output, E>
    where
        S: SliceBy<AXIS, Lo, Hi>,
    {
        self.try_slice_by::<AXIS, Lo, Hi>()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Python's `x[START:END]`, like [`Tensor::slice`](crate::Tensor::slice).
    pub fn slice<const AXIS: usize, const START: usize, const END: usize>(
        &self,
    ) -> Var<<S as SliceRange<AXIS, START, END>>::Output, E>
    where
        S: SliceRange<AXIS, START, END>,
    {
        let value = self.value.slice::<AXIS, START, END>();
        self.record_slice::<AXIS, Ix<START>, _>(value)
    }

    /// Python's `x[START:]`, like [`Tensor::slice_from`](crate::Tensor::slice_from).
    pub fn slice_from<const AXIS: usize, const START: usize>(
        &self,
    ) -> Var<<S as SliceFrom<AXIS, START>>::Output, E>
    where
        S: SliceFrom<AXIS, START>,
    {
        let value = self.value.slice_from::<AXIS, START>();
        self.record_slice::<AXIS, Ix<START>, _>(value)
    }

    /// Python's `x[FRONT:-BACK]`, like [`Tensor::slice_trim`](crate::Tensor::slice_trim).
    pub fn slice_trim<const AXIS: usize, const FRONT: usize, const BACK: usize>(
        &self,
    ) -> Var<<S as SliceTrim<AXIS, FRONT, BACK>>::Output, E>
    where
        S: SliceTrim<AXIS, FRONT, BACK>,
    {
        let value = self.value.slice_trim::<AXIS, FRONT, BACK>();
        self.record_slice::<AXIS, Ix<FRONT>, _>(value)
    }

    /// Python's `x[-FROM:-TO]`, like [`Tensor::slice_from_end`](crate::Tensor::slice_from_end).
    pub fn slice_from_end<const AXIS: usize, const FROM: usize, const TO: usize>(
        &self,
    ) -> Var<<S as SliceFromEnd<AXIS, FROM, TO>>::Output, E>
    where
        S: SliceFromEnd<AXIS, FROM, TO>,
    {
        let value = self.value.slice_from_end::<AXIS, FROM, TO>();
        self.record_slice::<AXIS, FromEnd<FROM>, _>(value)
    }

    /// The run-time range `start..start + len` of axis `AXIS` (a `Dyn` axis);
    /// an error when it runs past the axis.
    pub fn try_narrow<const AXIS: usize>(
        &self,
        start: usize,
        len: usize,
    ) -> Result<Var<<S as ReplaceAxis<AXIS, Dyn>>::Output, E>, ShapeError>
    where
        S: ReplaceAxis<AXIS, Dyn>,
    {
        let value = self.value.try_narrow::<AXIS>(start, len)?;
        let dims = self.value.dims().as_ref().to_vec();
        Ok(self.record1(value, move |g, gx| unslice(g, &dims, AXIS, start, len, gx)))
    }

    /// [`try_narrow`](Self::try_narrow) that panics with the same words.
    pub fn narrow<const AXIS: usize>(
        &self,
        start: usize,
        len: usize,
    ) -> Var<<S as ReplaceAxis<AXIS, Dyn>>::Output, E>
    where
        S: ReplaceAxis<AXIS, Dyn>,
    {
        self.try_narrow::<AXIS>(start, len)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The rows (entries of axis 0) at `indices`, in that order; an error
    /// names the first index out of range. A row picked several times gets
    /// the sum of their gradients.
    pub fn try_gather_rows(
        &self,
        indices: &[usize],
    ) -> Result<Var<<S as ReplaceAxis<0, Dyn>>::Output, E>, ShapeError>
    where
        S: ReplaceAxis<0, Dyn>,
    {
        let value = self.value.try_gather_rows(indices)?;
        let rows = self.value.dims().as_ref()[0];
        let inner = self.value.numel().checked_div(rows).unwrap_or(0);
        let indices = indices.to_vec();
        Ok(self.record1(value, move |g, gx| {
            for (r, &i) in indices.iter().enumerate() {
                gx[i * inner..][..inner]
                    .iter_mut()
                    .zip(&g[r * inner..][..inner])
                    .for_each(|(d, &g)| *d += g);
            }
        }))
    }

    /// [`try_gather_rows`](Self::try_gather_rows) that panics with the same words.
    pub fn gather_rows(&self, indices: &[usize]) -> Var<<S as ReplaceAxis<0, Dyn>>::Output, E>
    where
        S: ReplaceAxis<0, Dyn>,
    {
        self.try_gather_rows(indices)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}
