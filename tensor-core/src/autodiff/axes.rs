//! Moving axes of [`Var`]s: transpose, swapping two axes, permuting all
//! axes, inserting or removing size-1 axes. The backward moves the gradient's
//! axes back with the inverse permutation.

use crate::{
    autodiff::var::Var,
    dtype::Float,
    ops::axes::{permute_data, SwapAxes, Swapped, UnitDim},
    shape::{AxisOf, InsertAxis, RemoveAxis, Shape},
    Dim,
};

/// Adds the gradient `g` of a permuted value (sizes `out_dims`, whose axis
/// `k` is the input's axis `perm[k]`) into the input's gradient `gx`.
fn unpermute<E: Float>(g: &[E], out_dims: &[usize], perm: &[usize], gx: &mut [E]) {
    let mut inv = vec![0; perm.len()];
    for (k, &p) in perm.iter().enumerate() {
        inv[p] = k;
    }
    let back = permute_data(g, out_dims, &inv);
    gx.iter_mut().zip(back).for_each(|(gx, g)| *gx += g);
}

impl<S: Shape, E: Float> Var<S, E> {
    /// Records `value`, the input with its axes permuted by `perm`.
    fn record_permuted<S2: Shape>(
        &self,
        value: crate::Tensor<S2, E>,
        perm: Vec<usize>,
    ) -> Var<S2, E> {
        let out_dims = value.dims().as_ref().to_vec();
        self.record1(value, move |g, gx| unpermute(g, &out_dims, &perm, gx))
    }

    /// Swaps axes `A` and `B`, like [`Tensor::swap_axes`](crate::Tensor::swap_axes).
    pub fn swap_axes<const A: usize, const B: usize>(&self) -> Var<Swapped<S, A, B>, E>
    where
        S: SwapAxes<A, B>,
    {
        let mut perm: Vec<usize> = (0..S::RANK).collect();
        perm.swap(A, B);
        self.record_permuted(self.value.swap_axes::<A, B>(), perm)
    }

    /// Inserts a size-1 axis ([`One`](crate::One)) before axis `I`.
    pub fn insert_axis<const I: usize>(&self) -> Var<<S as InsertAxis<I>>::Output, E>
    where
        S: InsertAxis<I>,
    {
        self.relabel((*self.value).clone().insert_axis::<I>())
    }

    /// Removes axis `I`, which must be of static size 1.
    pub fn remove_axis<const I: usize>(&self) -> Var<<S as RemoveAxis<I>>::Output, E>
    where
        S: RemoveAxis<I> + AxisOf<I>,
        <S as AxisOf<I>>::Dim: UnitDim,
    {
        self.relabel((*self.value).clone().remove_axis::<I>())
    }
}

impl<E: Float, M: Dim, N: Dim> Var<(M, N), E> {
    /// The transpose of a matrix.
    pub fn t(&self) -> Var<(N, M), E> {
        self.record_permuted(self.value.t(), vec![1, 0])
    }
}

macro_rules! permute {
    ($name:ident, $perm:ident, $n:literal, $($A:ident),+) => {
        impl<S: Shape<Dims = [usize; $n]>, E: Float> Var<S, E> {
            #[doc = concat!("Reorders the ", stringify!($n), " axes: axis `k` of the result is axis `", stringify!($($A),+), "[k]` of `self`, like [`Tensor::", stringify!($name), "`](crate::Tensor::", stringify!($name), ").")]
            pub fn $name<$(const $A: usize),+>(&self) -> Var<<S as crate::ops::axes::$perm<$($A),+>>::Output, E>
            where
                S: crate::ops::axes::$perm<$($A),+>,
            {
                self.record_permuted(self.value.$name::<$($A),+>(), vec![$($A),+])
            }
        }
    };
}
permute!(permute2, Permutation2, 2, A, B);
permute!(permute3, Permutation3, 3, A, B, C);
permute!(permute4, Permutation4, 4, A, B, C, D);
permute!(permute5, Permutation5, 5, A, B, C, D, F);
permute!(permute6, Permutation6, 6, A, B, C, D, F, G);
