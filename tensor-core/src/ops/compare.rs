//! Comparisons giving `bool` masks, with broadcasting, and selection by mask.

use crate::{
    device::Cpu,
    dtype::{Dtype, Num},
    shape::{BroadcastShape, Shape},
    Tensor,
};

macro_rules! compare {
    ($($name:ident, $scalar:ident, $op:tt, $word:literal;)*) => {
        impl<S: Shape, E: Num> Tensor<S, E, Cpu> {$(
            #[doc = concat!("A mask of where `self ", stringify!($op), " rhs`, broadcasting the operands.")]
            ///
            /// ```
            /// use shaped_core::{shape, Tensor};
            /// let a = Tensor::<shape![3]>::from_array([1., 2., 3.]);
            /// let b = Tensor::<shape![3]>::from_array([2., 2., 2.]);
            #[doc = concat!("let m = a.", stringify!($name), "(&b);")]
            #[doc = concat!("assert_eq!(m.as_slice(), &[1. ", stringify!($op), " 2., 2. ", stringify!($op), " 2., 3. ", stringify!($op), " 2.]);")]
            /// ```
            pub fn $name<S2: Shape>(&self, rhs: &Tensor<S2, E, Cpu>) -> Tensor<<S as BroadcastShape<S2>>::Output, bool, Cpu>
            where
                S: BroadcastShape<S2>,
            {
                self.try_zip_with(rhs, $word, |x, y| x $op y).unwrap_or_else(|e| panic!("{e}"))
            }
            #[doc = concat!("A mask of where `self ", stringify!($op), " value`.")]
            ///
            /// ```
            /// use shaped_core::{shape, Tensor};
            /// let a = Tensor::<shape![3], i32>::from_array([1, 2, 3]);
            #[doc = concat!("assert_eq!(a.", stringify!($scalar), "(2).as_slice(), &[1 ", stringify!($op), " 2, 2 ", stringify!($op), " 2, 3 ", stringify!($op), " 2]);")]
            /// ```
            pub fn $scalar(&self, value: E) -> Tensor<S, bool, Cpu> {
                self.map(|x| x $op value)
            }
        )*}
    };
}
compare! {
    gt, gt_scalar, >, "gt";
    ge, ge_scalar, >=, "ge";
    lt, lt_scalar, <, "lt";
    le, le_scalar, <=, "le";
    eq_elem, eq_scalar, ==, "eq";
    ne_elem, ne_scalar, !=, "ne";
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// Picks `self` where `mask` is true and `other` elsewhere (numpy's
    /// `where`), with the mask and `other` of this tensor's shape.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![3]>::from_array([-1., 2., -3.]);
    /// let y = x.select(&x.gt_scalar(0.), &x.zeros_like());
    /// assert_eq!(y.as_slice(), &[0., 2., 0.]);
    /// ```
    pub fn select(&self, mask: &Tensor<S, bool, Cpu>, other: &Self) -> Self {
        assert_eq!(self.shape, mask.shape, "select: mask shape differs");
        assert_eq!(self.shape, other.shape, "select: other shape differs");
        Tensor {
            shape: self.shape,
            data: (0..self.data.len())
                .map(|i| {
                    if mask.data[i] {
                        self.data[i]
                    } else {
                        other.data[i]
                    }
                })
                .collect(),
            device: Cpu,
        }
    }
}

impl<S: Shape> Tensor<S, bool, Cpu> {
    /// How many elements are true.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![3], bool>::from_array([true, false, true]).count_true(), 2);
    /// ```
    pub fn count_true(&self) -> usize {
        self.data.iter().filter(|&&b| b).count()
    }
}
