//! Reshape and flatten on [`Var`]s: the same elements under another shape,
//! so the backward adds the output gradient element for element.

use crate::{
    autodiff::var::Var,
    dtype::Float,
    error::ShapeError,
    ops::reshape::ReshapeTo,
    shape::{FlattenSamples, Shape},
    Dyn, Tensor,
};

/// The backward of every op that keeps the row-major order of the elements.
fn same_order<E: Float>(g: &[E], gx: &mut [E]) {
    gx.iter_mut().zip(g).for_each(|(gx, &g)| *gx += g);
}

impl<S: Shape, E: Float> Var<S, E> {
    /// Records a value with the same elements in the same order.
    pub(crate) fn relabel<S2: Shape>(&self, value: Tensor<S2, E>) -> Var<S2, E> {
        self.record1(value, same_order)
    }

    /// Reshape to `S2`, with the rules of [`Tensor::try_reshape`] (one `Dyn`
    /// dim is inferred).
    pub fn try_reshape<S2: Shape>(&self) -> Result<Var<S2, E>, ShapeError> {
        Ok(self.relabel((*self.value).clone().try_reshape::<S2>()?))
    }
    /// Reshape to a shape value, for several run-time dims.
    pub fn try_reshape_with<S2: Shape>(&self, shape: S2) -> Result<Var<S2, E>, ShapeError> {
        Ok(self.relabel((*self.value).clone().try_reshape_with(shape)?))
    }
    /// Reshape to `S2`, like [`Tensor::reshape`]: two static shapes with
    /// different element counts fail at `cargo check`; otherwise a mismatch
    /// panics.
    pub fn reshape<S2: Shape>(&self) -> Var<<S as ReshapeTo<S2>>::Output, E>
    where
        S: ReshapeTo<S2>,
    {
        self.relabel((*self.value).clone().reshape::<S2>())
    }
    /// Each sample flattened, the batch axis kept, like
    /// [`Tensor::flatten_samples`].
    pub fn flatten_samples(&self) -> Var<<S as FlattenSamples>::Output, E>
    where
        S: FlattenSamples,
    {
        self.relabel((*self.value).clone().flatten_samples())
    }
    /// All elements as one axis of run-time length.
    pub fn flatten(&self) -> Var<(Dyn,), E> {
        self.relabel((*self.value).clone().flatten())
    }
}
