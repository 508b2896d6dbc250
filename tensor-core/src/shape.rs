//! Shapes: tuples of [`Dim`]s, and the compile-time rules that relate them
//! (axis access, broadcasting, dot products).
//!
//! A shape is a tuple of dims, `()` for a scalar up to six axes:
//! `(Sz<32>, Sz<10>)` is a 32 x 10 matrix, `(Dyn, Sz<784>)` a batch of
//! 784-vectors whose length is known at run time. The [`shape!`](macro@crate::shape)
//! macro writes them with plain numbers.

use crate::dim::{BroadcastDim, Dim, One, SameDim, StaticDim};
use core::fmt::Debug;

/// A tensor's shape: a tuple of [`Dim`]s.
///
/// ```
/// use shaped_core::{shape, Dyn, Shape, Sz};
/// let s: shape![_, 28, 28] = (Dyn(60000), Sz, Sz);
/// assert_eq!(<shape![_, 28, 28]>::RANK, 3);
/// assert_eq!(s.dims(), [60000, 28, 28]);
/// assert_eq!(s.numel(), 60000 * 784);
/// assert_eq!(<shape![28, 28]>::STATIC_NUMEL, Some(784));
/// assert_eq!(<shape![_, 28]>::STATIC_NUMEL, None);
/// ```
pub trait Shape: Copy + Debug + PartialEq + Send + Sync + 'static {
    /// The number of axes.
    const RANK: usize;
    /// The sizes as an array, `[usize; RANK]`.
    type Dims: Copy + Debug + PartialEq + Default + AsRef<[usize]> + AsMut<[usize]>;
    /// The element count when every dim is static.
    const STATIC_NUMEL: Option<usize>;
    /// Each dim's size when static, `None` for a run-time dim.
    const STATIC_DIMS: &'static [Option<usize>];
    /// The size of every axis.
    fn dims(&self) -> Self::Dims;
    /// Builds the shape from run-time sizes, or `None` if the rank differs or
    /// a static dim has another size.
    fn from_dims(dims: &[usize]) -> Option<Self>;
    /// The number of elements.
    ///
    /// Saturates at `usize::MAX` where the product overflows (no such
    /// tensor fits in memory); a shape with a 0 dim has 0 elements.
    fn numel(&self) -> usize {
        let dims = self.dims();
        if dims.as_ref().contains(&0) {
            return 0;
        }
        dims.as_ref()
            .iter()
            .fold(1, |a: usize, &d| a.saturating_mul(d))
    }
    /// Row-major strides, in elements.
    fn strides(&self) -> Self::Dims {
        let dims = self.dims();
        let mut strides = Self::Dims::default();
        let mut acc = 1;
        for (s, d) in strides.as_mut().iter_mut().zip(dims.as_ref()).rev() {
            *s = acc;
            // Saturating: a shape whose element count overflows holds no
            // tensor (every view checks its end offset), and one with a
            // 0 dim reads nothing, so no saturated stride is ever used.
            acc = acc.saturating_mul(*d);
        }
        strides
    }
}

/// A shape whose every dim is static, so its sizes are constants.
///
/// ```
/// use shaped_core::{shape, ConstShape};
/// assert_eq!(<shape![2, 3, 4]>::DIMS, [2, 3, 4]);
/// assert_eq!(<shape![2, 3, 4]>::NUMEL, 24);
/// ```
pub trait ConstShape: Shape + Default {
    /// The sizes.
    const DIMS: Self::Dims;
    /// The element count.
    const NUMEL: usize;
}

/// The dim at axis `I`. Naming an axis past the rank is a compile error.
#[diagnostic::on_unimplemented(
    message = "axis {I} is out of range for shape `{Self}`",
    label = "this tensor has no axis {I}",
    note = "axes count from 0; a shape of rank R has axes 0 to R-1"
)]
pub trait AxisOf<const I: usize>: Shape {
    /// The dim at that axis.
    type Dim: Dim;
    /// The dim value at that axis.
    fn axis_dim(&self) -> Self::Dim;
}

/// The shape without axis `I` (what a reduction along `I` returns).
#[diagnostic::on_unimplemented(
    message = "axis {I} is out of range for shape `{Self}`",
    label = "this tensor has no axis {I}",
    note = "axes count from 0; a shape of rank R has axes 0 to R-1"
)]
pub trait RemoveAxis<const I: usize>: Shape {
    /// The shape with axis `I` removed.
    type Output: Shape;
    /// The shape value with axis `I` removed.
    fn remove_axis(&self) -> Self::Output;
}

/// The shape with the dim at axis `I` replaced by `New`.
#[diagnostic::on_unimplemented(
    message = "axis {I} is out of range for shape `{Self}`",
    label = "this tensor has no axis {I}",
    note = "axes count from 0; a shape of rank R has axes 0 to R-1"
)]
pub trait ReplaceAxis<const I: usize, New: Dim>: Shape {
    /// The shape with the new dim.
    type Output: Shape;
    /// The shape value with the new dim.
    fn replace_axis(&self, new: New) -> Self::Output;
}

/// The shape with a stretchable size-1 axis ([`One`]) inserted before axis `I`
/// (`I` may equal the rank, to append).
#[diagnostic::on_unimplemented(
    message = "cannot insert an axis at position {I} of shape `{Self}`",
    label = "position {I} is past the end of this shape",
    note = "a new axis goes at a position from 0 to the rank; ranks stop at 6"
)]
pub trait InsertAxis<const I: usize>: Shape {
    /// The shape with the new axis.
    type Output: Shape;
    /// The shape value with the new axis.
    fn insert_axis(&self) -> Self::Output;
}

/// Numpy's broadcasting of two shapes: dims are compared from the right; each
/// pair must be equal or one of them [`One`]; missing leading dims are added.
/// Static dims are checked by the compiler, [`Dyn`](crate::Dyn) dims at run
/// time.
///
/// ```
/// use shaped_core::{shape, BroadcastShape};
/// fn out<A: BroadcastShape<B>, B: shaped_core::Shape>() -> &'static str {
///     core::any::type_name::<A::Output>()
/// }
/// assert!(out::<shape![32, 10], shape![10]>().ends_with("(shaped_dims::Sz<32>, shaped_dims::Sz<10>)"));
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot broadcast shape `{Self}` with shape `{Rhs}`",
    label = "shapes `{Self}` and `{Rhs}` do not broadcast",
    note = "dims are compared from the right: each pair must be equal, or one of them `One` (a size 1 that stretches)"
)]
pub trait BroadcastShape<Rhs: Shape>: Shape {
    /// The broadcast shape.
    type Output: Shape;
}

/// The shape rule of a dot product: `(..., K) . (K,)` gives `(...)` and
/// `(..., K) . (K, N)` gives `(..., N)`.
#[diagnostic::on_unimplemented(
    message = "cannot take the dot product of shape `{Self}` with shape `{Rhs}`",
    label = "the last dim of `{Self}` must equal the first dim of `{Rhs}`",
    note = "dot takes (..., K) . (K,) or (..., K) . (K, N): the right operand is a vector or a matrix"
)]
pub trait DotShape<Rhs: Shape>: Shape {
    /// The shape of the product.
    type Output: Shape;
    /// Whether the right operand is a vector.
    const RHS_IS_VECTOR: bool;
}

/// The shape with a dim `New` inserted before axis `I` (`I` may equal the
/// rank, to append): the new axis of [`stack`](crate::Tensor::stack).
#[diagnostic::on_unimplemented(
    message = "cannot insert an axis at position {I} of shape `{Self}`",
    label = "position {I} is past the end of this shape",
    note = "a new axis goes at a position from 0 to the rank; ranks stop at 6"
)]
pub trait InsertDim<const I: usize, New: Dim>: Shape {
    /// The shape with the new axis.
    type Output: Shape;
    /// The shape value with the new axis.
    fn insert_dim(&self, new: New) -> Self::Output;
}

/// The shape of `Self` and `Rhs` laid end to end along axis `AXIS`: every
/// other dim agrees, and axis `AXIS` is the sum of both (computed by the
/// compiler when both are static, a run-time [`Dyn`](crate::Dyn) otherwise).
///
/// ```
/// use shaped_core::{shape, ConcatShape};
/// fn out<A: ConcatShape<0, B>, B: shaped_core::Shape>() -> String {
///     shaped_core::shape_name::<A::Output>()
/// }
/// assert_eq!(out::<shape![2, 3], shape![4, 3]>(), "(6, 3)");
/// assert_eq!(out::<shape![_, 784], shape![128, 784]>(), "(_, 784)");
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot concatenate shape `{Self}` with shape `{Rhs}` along axis {AXIS}",
    label = "`{Self}` and `{Rhs}` must agree on every axis but {AXIS}",
    note = "the shapes must have the same rank; static dims are summed up to 8191, from dims of at most 4096"
)]
pub trait ConcatShape<const AXIS: usize, Rhs: Shape>: Shape {
    /// The joined shape.
    type Output: Shape;
}

/// `(B, d1, ..., dk)` to `(B, d1 * ... * dk)`: each sample flattened, the
/// first (batch) axis kept. The product is computed by the compiler when the
/// dims are static (up to 8191), and is a [`Dyn`](crate::Dyn) otherwise.
///
/// ```
/// use shaped_core::{shape, shape_name, FlattenSamples};
/// assert_eq!(shape_name::<<shape![_, 28, 28] as FlattenSamples>::Output>(), "(_, 784)");
/// assert_eq!(shape_name::<<shape![_, 14, 14] as FlattenSamples>::Output>(), "(_, 196)");
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot flatten the samples of shape `{Self}`",
    label = "`flatten_samples` keeps axis 0 and multiplies the others",
    note = "the shape needs at least two axes; static dims are multiplied up to 8191, from dims of at most 4096 (past that, use `flatten_samples_sized`)"
)]
pub trait FlattenSamples: Shape {
    /// The flattened shape.
    type Output: Shape;
}

/// The per-rank impls of the traits above, generated by `build.rs`.
#[allow(clippy::all)]
mod generated {
    use super::*;
    include!(concat!(env!("OUT_DIR"), "/shape_impls.rs"));
}

/// A shape type's dims for messages: static sizes as numbers, run-time ones
/// as `_`, e.g. `(_, 28, 28)`.
///
/// ```
/// use shaped_core::{shape, shape_name};
/// assert_eq!(shape_name::<shape![_, 28, 1]>(), "(_, 28, 1)");
/// assert_eq!(shape_name::<shape![10]>(), "(10,)");
/// ```
pub fn shape_name<S: Shape>() -> String {
    let parts: Vec<String> = S::STATIC_DIMS
        .iter()
        .map(|d| d.map_or("_".to_string(), |n| n.to_string()))
        .collect();
    match parts.len() {
        1 => format!("({},)", parts[0]),
        _ => format!("({})", parts.join(", ")),
    }
}

/// The broadcast of two run-time shapes, or `None` where a pair of dims
/// differs and neither is 1.
pub(crate) fn broadcast_dims(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for (k, o) in out.iter_mut().enumerate() {
        let x = (k + a.len()).checked_sub(n).map(|i| a[i]);
        let y = (k + b.len()).checked_sub(n).map(|j| b[j]);
        *o = match (x, y) {
            (Some(x), Some(y)) if x == y => x,
            (Some(1), Some(y)) => y,
            (Some(x), Some(1)) => x,
            (Some(_), Some(_)) => return None,
            (Some(x), None) => x,
            (None, Some(y)) => y,
            (None, None) => unreachable!(),
        };
    }
    Some(out)
}

/// Writes a shape type with plain numbers: `shape![2, 3]` is
/// `(Sz<2>, Sz<3>)`, `_` is a run-time dim ([`Dyn`](crate::Dyn)), and a
/// literal `1` is [`One`](crate::One), the size 1 that stretches in
/// broadcasting. Const names and expressions work too: `shape![_, {28 * 28}]`.
///
/// ```
/// use shaped_core::{shape, Dyn, One, Sz};
/// let _: shape![] = ();
/// let _: shape![2, 3] = (Sz::<2>, Sz::<3>);
/// let _: shape![_, 784] = (Dyn(128), Sz::<784>);
/// let _: shape![3, 1] = (Sz::<3>, One);
/// const HIDDEN: usize = 512;
/// let _: shape![HIDDEN, { 28 * 28 }] = (Sz::<512>, Sz::<784>);
/// ```
#[macro_export]
macro_rules! shape {
    (@dim _) => { $crate::Dyn };
    (@dim 1) => { $crate::One };
    (@dim $n:literal) => { $crate::Sz<$n> };
    (@dim $n:ident) => { $crate::Sz<$n> };
    (@dim $n:block) => { $crate::Sz<$n> };
    () => { () };
    ($($d:tt),+ $(,)?) => { ($($crate::shape!(@dim $d),)+) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dyn, Sz};

    #[test]
    fn strides_are_row_major() {
        let s: (Sz<2>, Sz<3>, Sz<4>) = Default::default();
        assert_eq!(s.strides(), [12, 4, 1]);
        assert_eq!(().strides(), [0usize; 0]);
        // An element count past usize: no overflow panic.
        let big = (Dyn(0), Dyn(usize::MAX), Dyn(2));
        assert_eq!(big.strides(), [usize::MAX, 2, 1]);
        assert_eq!(big.numel(), 0);
        assert_eq!((Dyn(3), Dyn(usize::MAX)).numel(), usize::MAX);
    }

    #[test]
    fn from_dims_checks_static_sizes() {
        assert_eq!(<(Dyn, Sz<3>)>::from_dims(&[5, 3]), Some((Dyn(5), Sz)));
        assert_eq!(<(Dyn, Sz<3>)>::from_dims(&[5, 4]), None);
        assert_eq!(<(Dyn, Sz<3>)>::from_dims(&[5]), None);
        assert_eq!(<(One,)>::from_dims(&[1]), Some((One,)));
    }

    #[test]
    fn broadcast_dims_follows_numpy() {
        assert_eq!(broadcast_dims(&[32, 10], &[10]), Some(vec![32, 10]));
        assert_eq!(broadcast_dims(&[3, 1], &[1, 4]), Some(vec![3, 4]));
        assert_eq!(broadcast_dims(&[2, 3, 4], &[3, 4]), Some(vec![2, 3, 4]));
        assert_eq!(broadcast_dims(&[32, 10], &[9]), None);
        assert_eq!(broadcast_dims(&[], &[5]), Some(vec![5]));
    }
}
