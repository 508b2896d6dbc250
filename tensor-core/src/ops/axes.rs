//! Moving axes: transpose, swapping two axes, permuting all axes, and
//! inserting or removing size-1 axes. The result's type has the moved dims.

use crate::{
    device::Cpu,
    dtype::Dtype,
    shape::{AxisOf, InsertAxis, RemoveAxis, ReplaceAxis, Shape},
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
    /// use tensor_core::{shape, Tensor};
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
pub type Swapped<S, const A: usize, const B: usize> = <<S as ReplaceAxis<
    A,
    <S as AxisOf<B>>::Dim,
>>::Output as ReplaceAxis<B, <S as AxisOf<A>>::Dim>>::Output;

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// Swaps axes `A` and `B`, like `torch.transpose(x, A, B)`.
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3, 4]>::zeros();
    /// let y: Tensor<shape![4, 3, 2]> = x.swap_axes::<0, 2>();
    /// assert_eq!(y.dims(), [4, 3, 2]);
    /// ```
    pub fn swap_axes<const A: usize, const B: usize>(&self) -> Tensor<Swapped<S, A, B>, E, Cpu>
    where
        S: AxisOf<A> + AxisOf<B> + ReplaceAxis<A, <S as AxisOf<B>>::Dim>,
        <S as ReplaceAxis<A, <S as AxisOf<B>>::Dim>>::Output: ReplaceAxis<B, <S as AxisOf<A>>::Dim>,
    {
        let shape = self
            .shape
            .replace_axis(AxisOf::<B>::axis_dim(&self.shape))
            .replace_axis(AxisOf::<A>::axis_dim(&self.shape));
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
    /// use tensor_core::{shape, Tensor};
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
    /// use tensor_core::{shape, Tensor};
    /// let x = Tensor::<shape![3, 1]>::ones();
    /// let v: Tensor<shape![3]> = x.remove_axis::<1>();
    /// assert_eq!(v.dims(), [3]);
    /// ```
    pub fn remove_axis<const I: usize>(self) -> Tensor<<S as RemoveAxis<I>>::Output, E, Cpu>
    where
        S: RemoveAxis<I> + AxisOf<I>,
        <S as AxisOf<I>>::Dim: UnitDim,
    {
        Tensor {
            shape: self.shape.remove_axis(),
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

macro_rules! permute {
    ($name:ident, $n:literal, $($A:ident),+) => {
        impl<S: Shape<Dims = [usize; $n]>, E: Dtype> Tensor<S, E, Cpu> {
            #[doc = concat!("Reorders the ", stringify!($n), " axes: axis `k` of the result is axis `", stringify!($($A),+), "[k]` of `self`, like `torch.permute`.")]
            /// Naming an axis twice fails to build.
            ///
            /// ```
            /// use tensor_core::{shape, Tensor};
            /// let x = Tensor::<shape![2, 3, 4]>::zeros();
            /// let y: Tensor<shape![4, 2, 3]> = x.permute3::<2, 0, 1>();
            /// assert_eq!(y.dims(), [4, 2, 3]);
            /// ```
            pub fn $name<$(const $A: usize),+>(&self) -> Tensor<($(<S as AxisOf<$A>>::Dim,)+), E, Cpu>
            where
                S: $(AxisOf<$A> +)+,
            {
                const {
                    let p = [$($A),+];
                    let mut i = 0;
                    while i < p.len() {
                        let mut j = i + 1;
                        while j < p.len() {
                            assert!(p[i] != p[j], "permute: an axis is named twice; each axis must appear exactly once (the axes are in the note below)");
                            j += 1;
                        }
                        i += 1;
                    }
                };
                Tensor {
                    shape: ($(AxisOf::<$A>::axis_dim(&self.shape),)+),
                    data: permute_data(&self.data, self.shape.dims().as_ref(), &[$($A),+]),
                    device: Cpu,
                }
            }
        }
    };
}
permute!(permute2, 2, A, B);
permute!(permute3, 3, A, B, C);
permute!(permute4, 4, A, B, C, D);
permute!(permute5, 5, A, B, C, D, F);
permute!(permute6, 6, A, B, C, D, F, G);

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
