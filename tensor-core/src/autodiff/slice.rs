//! Slicing [`Var`]s: static ranges, run-time ranges, gathering rows. The
//! backward adds the output gradient back into the positions that were read
//! (for `gather_rows`, a row picked twice receives both gradients).

use crate::{
    autodiff::var::Var,
    dtype::Float,
    error::ShapeError,
    ops::reduce::split_at_axis,
    shape::{AxisOf, ReplaceAxis, Shape},
    Dyn, Sz,
};

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
    /// The static slice `START..END` of axis `AXIS`, holding `LEN` elements,
    /// with the rules of [`Tensor::slice`](crate::Tensor::slice) (negative
    /// ends count from the end).
    pub fn slice<const AXIS: usize, const START: isize, const END: isize, const LEN: usize>(
        &self,
    ) -> Var<<S as ReplaceAxis<AXIS, Sz<LEN>>>::Output, E>
    where
        S: AxisOf<AXIS> + ReplaceAxis<AXIS, Sz<LEN>>,
    {
        let value = self.value.slice::<AXIS, START, END, LEN>();
        let dims = self.value.dims().as_ref().to_vec();
        let n = dims[AXIS] as isize;
        let start = if START < 0 { n + START } else { START } as usize;
        self.record1(value, move |g, gx| unslice(g, &dims, AXIS, start, LEN, gx))
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
