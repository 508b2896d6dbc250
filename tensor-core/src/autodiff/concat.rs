//! Joining and indexing [`Var`]s: `concat` sends each part of the output
//! gradient back to the operand it came from; `at` adds the gradient of the
//! picked entry back into its place.

use crate::{
    autodiff::var::Var,
    dtype::Float,
    error::ShapeError,
    ops::reduce::split_at_axis,
    shape::{ConcatShape, RemoveAxis, Shape},
};

/// Adds part `k` of the joined gradient `g` (blocks of `sizes[k] * inner`
/// per outer index) into `gx`.
fn unjoin<E: Float>(
    g: &[E],
    outer: usize,
    inner: usize,
    sizes: [usize; 2],
    k: usize,
    gx: &mut [E],
) {
    let total = sizes[0] + sizes[1];
    let offset = if k == 0 { 0 } else { sizes[0] };
    let block = sizes[k] * inner;
    for o in 0..outer {
        let src = &g[(o * total + offset) * inner..][..block];
        gx[o * block..][..block]
            .iter_mut()
            .zip(src)
            .for_each(|(d, &g)| *d += g);
    }
}

impl<S: Shape, E: Float> Var<S, E> {
    /// `self` and `other` laid end to end along axis `AXIS`, with the rules
    /// of [`Tensor::try_concat`](crate::Tensor::try_concat).
    pub fn try_concat<const AXIS: usize, S2: Shape>(
        &self,
        other: &Var<S2, E>,
    ) -> Result<Var<<S as ConcatShape<AXIS, S2>>::Output, E>, ShapeError>
    where
        S: ConcatShape<AXIS, S2>,
    {
        let value = self.value.try_concat::<AXIS, S2>(&other.value)?;
        let a = self.value.dims();
        let b = other.value.dims();
        let (outer, _, inner) = split_at_axis(a.as_ref(), AXIS);
        let sizes = [a.as_ref()[AXIS], b.as_ref()[AXIS]];
        Ok(self.record2(
            other,
            "concat",
            value,
            move |g, ga| unjoin(g, outer, inner, sizes, 0, ga),
            move |g, gb| unjoin(g, outer, inner, sizes, 1, gb),
        ))
    }

    /// [`try_concat`](Self::try_concat) that panics with the same words.
    pub fn concat<const AXIS: usize, S2: Shape>(
        &self,
        other: &Var<S2, E>,
    ) -> Var<<S as ConcatShape<AXIS, S2>>::Output, E>
    where
        S: ConcatShape<AXIS, S2>,
    {
        self.try_concat::<AXIS, S2>(other)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Entry `i` of axis `AXIS`, that axis dropped, like
    /// [`Tensor::try_at`](crate::Tensor::try_at).
    pub fn try_at<const AXIS: usize>(
        &self,
        i: usize,
    ) -> Result<Var<<S as RemoveAxis<AXIS>>::Output, E>, ShapeError>
    where
        S: RemoveAxis<AXIS>,
    {
        let value = self.value.try_at::<AXIS>(i)?;
        let (outer, n, inner) = split_at_axis(self.value.dims().as_ref(), AXIS);
        Ok(self.record1(value, move |g, gx| {
            for o in 0..outer {
                gx[(o * n + i) * inner..][..inner]
                    .iter_mut()
                    .zip(&g[o * inner..][..inner])
                    .for_each(|(d, &g)| *d += g);
            }
        }))
    }

    /// [`try_at`](Self::try_at) that panics with the same words.
    pub fn at<const AXIS: usize>(&self, i: usize) -> Var<<S as RemoveAxis<AXIS>>::Output, E>
    where
        S: RemoveAxis<AXIS>,
    {
        self.try_at::<AXIS>(i).unwrap_or_else(|e| panic!("{e}"))
    }
}
