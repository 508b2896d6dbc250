//! Moving axes: transpose, swapping two axes, permuting all axes, and
//! inserting or removing size-1 axes. The result's type has the moved dims.

use crate::{
    device::Cpu,
    dtype::Dtype,
    shape::{AxisOf, InsertAxis, RemoveAxis, Shape},
    Dim, One, Sz, Tensor,
};

/// Copies `src` (sizes `dims`) into the layout whose axis `k` is the source's
/// axis `perm[k]`.
pub(crate) fn permute_data<E: Copy>(src: &[E], dims: &[usize], perm: &[usize]) -> Vec<E> {
    let r = dims.len();
    let mut src_strides = vec![1usize; r];
    for k in (0..r.saturating_sub(1)).rev() {
        src_strides[k] = src_strides[k + 1] * dims[k + 1];
    }
    let out_dims: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
    let strides: Vec<usize> = perm.iter().map(|&p| src_strides[p]).collect();
    let mut out = Vec::with_capacity(src.len());
    if src.is_empty() {
        return out;
    }
    if r == 0 {
        out.push(src[0]);
        return out;
    }
    let mut idx = vec![0usize; r];
    let mut off = 0usize;
    loop {
        out.push(src[off]);
        let mut k = r;
        loop {
            if k == 0 {
                return out;
            }
            k -= 1;
            idx[k] += 1;
            off += strides[k];
            if idx[k] < out_dims[k] {
                break;
            }
            off -= strides[k] * out_dims[k];
            idx[k] = 0;
        }
    }
}

impl<E: Dtype, M: Dim, N: Dim> Tensor<(M, N), E, Cpu> {
    /// The transpose of a matrix.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3]>::from_array([[1., 2., 3.], [4., 5., 6.]]);
    /// let y: Tensor<shape![3, 2]> = x.t();
    /// assert_eq!(y.as_slice(), &[1., 4., 2., 5., 3., 6.]);
    /// ```
    pub fn t(&self) -> Tensor<(N, M), E, Cpu> {
        let (m, n) = self.shape;
        Tensor {
            shape: (n, m),
            data: permute_data(&self.data, &[m.size(), n.size()], &[1, 0]),
            device: Cpu,
        }
    }
}

/// The shape `S` with axes `A` and `B` swapped.
pub type Swapped<S, const A: usize, const B: usize> = <S as SwapAxes<A, B>>::Output;

/// Axes `A` and `B` are both axes of the shape, so they can be swapped
/// ([`Tensor::swap_axes`]); the output is [`Swapped`]. Implemented for each
/// rank and pair of axes in range (generated), so that an axis out of range
/// is one error at the call.
///
/// ```
/// use shaped_core::{shape, shape_name, SwapAxes};
/// assert_eq!(shape_name::<<shape![2, 3, 4] as SwapAxes<0, 2>>::Output>(), "(4, 3, 2)");
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot swap axes {A} and {B} of shape `{Self}`: it has no axis {A} or no axis {B}",
    label = "an axis out of range for `{Self}`",
    note = "axes count from 0; a shape of rank R has axes 0 to R-1"
)]
pub trait SwapAxes<const A: usize, const B: usize>: Shape {
    /// The shape with the two axes swapped.
    type Output: Shape;
    /// The shape value with the two axes swapped.
    fn swapped(&self) -> Self::Output;
}

/// Axis `I` of the shape has static size 1 ([`One`] or `Sz<1>`), so
/// [`Tensor::remove_axis`] can drop it.
///
/// ```
/// use shaped_core::{shape, shape_name, RemoveUnitAxis};
/// fn removed<S: RemoveUnitAxis<1>>() -> String { shape_name::<S::Output>() }
/// assert_eq!(removed::<shape![3, 1]>(), "(3,)");
/// ```
#[diagnostic::on_unimplemented(
    message = "remove_axis: axis {I} of shape `{Self}` is not an axis of size 1",
    label = "only an axis of size 1 (`One` or `Sz<1>`) can be removed",
    note = "to drop an axis of another size, index or reduce it (`at::<A>(i)`, `sum::<A>()`)"
)]
pub trait RemoveUnitAxis<const I: usize>: Shape {
    /// The shape without the axis (named through this trait, in the
    /// method's return type, so that a mistake is one error at the call).
    type Output: Shape;
    /// The shape value without the axis.
    fn remove_unit_axis(&self) -> Self::Output;
}

#[diagnostic::do_not_recommend]
impl<S, const I: usize> RemoveUnitAxis<I> for S
where
    S: RemoveAxis<I> + AxisOf<I>,
    <S as AxisOf<I>>::Dim: UnitDim,
{
    type Output = <S as RemoveAxis<I>>::Output;
    fn remove_unit_axis(&self) -> Self::Output {
        self.remove_axis()
    }
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// Swaps axes `A` and `B`, like `torch.transpose(x, A, B)`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3, 4]>::zeros();
    /// let y: Tensor<shape![4, 3, 2]> = x.swap_axes::<0, 2>();
    /// assert_eq!(y.dims(), [4, 3, 2]);
    /// ```
    pub fn swap_axes<const A: usize, const B: usize>(
        &self,
    ) -> Tensor<<S as SwapAxes<A, B>>::Output, E, Cpu>
    where
        S: SwapAxes<A, B>,
    {
        let shape = self.shape.swapped();
        let mut perm: Vec<usize> = (0..S::RANK).collect();
        perm.swap(A, B);
        Tensor {
            shape,
            data: permute_data(&self.data, self.shape.dims().as_ref(), &perm),
            device: Cpu,
        }
    }

    /// Inserts a size-1 axis ([`One`], which stretches in broadcasting) before
    /// axis `I`, like `unsqueeze`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let v = Tensor::<shape![3]>::ones();
    /// let col: Tensor<shape![3, 1]> = v.insert_axis::<1>();
    /// assert_eq!(col.dims(), [3, 1]);
    /// ```
    pub fn insert_axis<const I: usize>(self) -> Tensor<<S as InsertAxis<I>>::Output, E, Cpu>
    where
        S: InsertAxis<I>,
    {
        Tensor {
            shape: self.shape.insert_axis(),
            data: self.data,
            device: Cpu,
        }
    }

    /// Removes axis `I`, which must be of static size 1, like `squeeze`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![3, 1]>::ones();
    /// let v: Tensor<shape![3]> = x.remove_axis::<1>();
    /// assert_eq!(v.dims(), [3]);
    /// ```
    pub fn remove_axis<const I: usize>(self) -> Tensor<<S as RemoveUnitAxis<I>>::Output, E, Cpu>
    where
        S: RemoveUnitAxis<I>,
    {
        Tensor {
            shape: self.shape.remove_unit_axis(),
            data: self.data,
            device: Cpu,
        }
    }
}

/// A dim of static size 1: the only kind [`Tensor::remove_axis`] removes.
#[diagnostic::on_unimplemented(
    message = "remove_axis: the axis has size `{Self}`, but only an axis of size 1 can be removed",
    label = "this axis is `{Self}`, not `One` or `Sz<1>`",
    note = "to drop an axis of another size, index or reduce it (`sum::<A>()`, `narrow`)"
)]
pub trait UnitDim: Dim {}
impl UnitDim for One {}
impl UnitDim for Sz<1> {}

/// The axes `A, B` name each axis of a rank-2 shape once (a
/// permutation). Implemented for each of the 2 permutations (generated),
/// so that a repeated or missing axis is one error at the call.
#[diagnostic::on_unimplemented(
    message = "permute2::<{A}, {B}>: not a permutation of the axes of `{Self}`",
    label = "each axis from 0 to 1 must be named exactly once",
    note = "axis `k` of the result is the axis named `k`-th"
)]
pub trait Permutation2<const A: usize, const B: usize>: Shape {
    /// The permuted shape.
    type Output: Shape;
    /// The permuted shape value.
    fn permuted(&self) -> Self::Output;
}

/// The axes `A, B, C` name each axis of a rank-3 shape once (a
/// permutation). Implemented for each of the 6 permutations (generated),
/// so that a repeated or missing axis is one error at the call.
#[diagnostic::on_unimplemented(
    message = "permute3::<{A}, {B}, {C}>: not a permutation of the axes of `{Self}`",
    label = "each axis from 0 to 2 must be named exactly once",
    note = "axis `k` of the result is the axis named `k`-th"
)]
pub trait Permutation3<const A: usize, const B: usize, const C: usize>: Shape {
    /// The permuted shape.
    type Output: Shape;
    /// The permuted shape value.
    fn permuted(&self) -> Self::Output;
}

/// The axes `A, B, C, D` name each axis of a rank-4 shape once (a
/// permutation). Implemented for each of the 24 permutations (generated),
/// so that a repeated or missing axis is one error at the call.
#[diagnostic::on_unimplemented(
    message = "permute4::<{A}, {B}, {C}, {D}>: not a permutation of the axes of `{Self}`",
    label = "each axis from 0 to 3 must be named exactly once",
    note = "axis `k` of the result is the axis named `k`-th"
)]
pub trait Permutation4<const A: usize, const B: usize, const C: usize, const D: usize>:
    Shape
{
    /// The permuted shape.
    type Output: Shape;
    /// The permuted shape value.
    fn permuted(&self) -> Self::Output;
}

/// The axes `A, B, C, D, F` name each axis of a rank-5 shape once (a
/// permutation). Implemented for each of the 120 permutations (generated),
/// so that a repeated or missing axis is one error at the call.
#[diagnostic::on_unimplemented(
    message = "permute5::<{A}, {B}, {C}, {D}, {F}>: not a permutation of the axes of `{Self}`",
    label = "each axis from 0 to 4 must be named exactly once",
    note = "axis `k` of the result is the axis named `k`-th"
)]
pub trait Permutation5<
    const A: usize,
    const B: usize,
    const C: usize,
    const D: usize,
    const F: usize,
>: Shape
{
    /// The permuted shape.
    type Output: Shape;
    /// The permuted shape value.
    fn permuted(&self) -> Self::Output;
}

/// The axes `A, B, C, D, F, G` name each axis of a rank-6 shape once (a
/// permutation). Implemented for each of the 720 permutations (generated),
/// so that a repeated or missing axis is one error at the call.
#[diagnostic::on_unimplemented(
    message = "permute6::<{A}, {B}, {C}, {D}, {F}, {G}>: not a permutation of the axes of `{Self}`",
    label = "each axis from 0 to 5 must be named exactly once",
    note = "axis `k` of the result is the axis named `k`-th"
)]
pub trait Permutation6<
    const A: usize,
    const B: usize,
    const C: usize,
    const D: usize,
    const F: usize,
    const G: usize,
>: Shape
{
    /// The permuted shape.
    type Output: Shape;
    /// The permuted shape value.
    fn permuted(&self) -> Self::Output;
}

macro_rules! permute {
    ($name:ident, $perm:ident, $n:literal, $($A:ident),+) => {
        impl<S: Shape<Dims = [usize; $n]>, E: Dtype> Tensor<S, E, Cpu> {
            #[doc = concat!("Reorders the ", stringify!($n), " axes: axis `k` of the result is axis `", stringify!($($A),+), "[k]` of `self`, like `torch.permute`.")]
            /// Naming an axis twice fails at `cargo check`.
            ///
            /// ```
            /// use shaped_core::{shape, Tensor};
            /// let x = Tensor::<shape![2, 3, 4]>::zeros();
            /// let y: Tensor<shape![4, 2, 3]> = x.permute3::<2, 0, 1>();
            /// assert_eq!(y.dims(), [4, 2, 3]);
            /// ```
            pub fn $name<$(const $A: usize),+>(&self) -> Tensor<<S as $perm<$($A),+>>::Output, E, Cpu>
            where
                S: $perm<$($A),+>,
            {
                Tensor {
                    shape: self.shape.permuted(),
                    data: permute_data(&self.data, self.shape.dims().as_ref(), &[$($A),+]),
                    device: Cpu,
                }
            }
        }
    };
}
permute!(permute2, Permutation2, 2, A, B);
permute!(permute3, Permutation3, 3, A, B, C);
permute!(permute4, Permutation4, 4, A, B, C, D);
permute!(permute5, Permutation5, 5, A, B, C, D, F);
permute!(permute6, Permutation6, 6, A, B, C, D, F, G);

#[cfg(test)]
mod tests {
    use crate::{shape, Tensor};

    #[test]
    fn permute_matches_index_arithmetic() {
        let x = Tensor::<shape![2, 3, 4], usize>::from_fn(|i| i[0] * 100 + i[1] * 10 + i[2]);
        let y = x.permute3::<2, 0, 1>();
        for a in 0..4 {
            for b in 0..2 {
                for c in 0..3 {
                    assert_eq!(y.as_slice()[(a * 2 + b) * 3 + c], b * 100 + c * 10 + a);
                }
            }
        }
        let z = x.swap_axes::<1, 2>();
        assert_eq!(z.dims(), [2, 4, 3]);
        // z[1][1][2] (offset 12 + 3 + 2) is x[1][2][1].
        assert_eq!(z.as_slice()[17], 121);
    }
}
