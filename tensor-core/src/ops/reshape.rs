//! Reshape and flatten: the same elements under another shape.
//!
//! Between static shapes the element counts are compared by the compiler
//! (through the typenum bridge of the `dims` crate, for dims up to 4096):
//! a wrong count fails at `cargo check`. With a run-time dim on either
//! side, the count is checked when the program runs.

use crate::{
    const_msg::ConstMsg,
    device::Cpu,
    dtype::Dtype,
    error::ShapeError,
    shape::{FlattenSamples, Shape},
    Dyn, Tensor, TensorView,
};

/// Two shapes that may hold the same number of elements: equal counts when
/// both are static (compared by the compiler), or a run-time dim on either
/// side (compared when the program runs).
///
/// ```
/// use shaped_core::{shape, ReshapeTo};
/// fn fits<A: ReshapeTo<B>, B: shaped_core::Shape>() {}
/// fits::<shape![28, 28], shape![784]>();
/// fits::<shape![_, 28, 28], shape![_, 784]>();
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot reshape `{Self}` to `{S2}`: they hold different numbers of elements",
    label = "`{Self}` and `{S2}` hold different numbers of elements",
    note = "static element counts are compared up to 8191 per product, from dims of at most 4096 (past that, use `reshape_sized`)"
)]
pub trait ReshapeTo<S2: Shape>: Shape {
    /// The new shape, `S2` itself (named through this trait so that a
    /// mismatch is reported once, at the call).
    type Output: Shape;
}

#[diagnostic::do_not_recommend]
impl<S: Shape, S2: Shape> ReshapeTo<S2> for S
where
    S: dims::DimProduct,
    S2: dims::DimProduct,
    <S as dims::DimProduct>::Count: dims::SameCount<<S2 as dims::DimProduct>::Count>,
{
    type Output = S2;
}

/// The headline of a failed static reshape: both shapes and their counts.
const fn reshape_msg(from: &[Option<usize>], to: &[Option<usize>]) -> ConstMsg {
    let m = ConstMsg::new()
        .str("cannot reshape ")
        .dims(from)
        .str(" to ")
        .dims(to);
    m.str(": they hold different numbers of elements")
}

/// Whether two element counts can agree: `None` (a run-time dim) fits
/// anything until run time.
const fn counts_fit(a: Option<usize>, b: Option<usize>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// The shape `S2` for `n` elements of shape `from`, its one `Dyn` dim (if
/// any) inferred from the count, like numpy's `-1`; an error names both
/// shapes when the counts cannot agree.
pub(crate) fn infer_shape<S2: Shape>(from: &[usize], n: usize) -> Result<S2, ShapeError> {
    let err = |why: &str| ShapeError::against_type::<S2>("reshape", from, why);
    let known: usize = S2::STATIC_DIMS.iter().flatten().product();
    let n_dyn = S2::STATIC_DIMS.iter().filter(|d| d.is_none()).count();
    let dims: Vec<usize> = match n_dyn {
        0 => S2::STATIC_DIMS.iter().map(|d| d.unwrap_or(0)).collect(),
        1 if known > 0 && n.is_multiple_of(known) => S2::STATIC_DIMS
            .iter()
            .map(|d| d.unwrap_or(n / known))
            .collect(),
        1 => {
            return Err(err(
                "do not fit: the element count is not a multiple of the static dims",
            ))
        }
        _ => {
            return Err(err(
                "do not fit: more than one run-time dim to infer; use reshape_with",
            ))
        }
    };
    let shape = S2::from_dims(&dims).ok_or_else(|| err("do not fit"))?;
    if shape.numel() != n {
        return Err(ShapeError::new(
            "reshape",
            from,
            shape.dims().as_ref(),
            "hold different element counts",
        ));
    }
    Ok(shape)
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// Reinterprets the elements under shape `S2` (row-major order is kept;
    /// nothing is copied). One `Dyn` dim of `S2` is inferred from the element
    /// count, like numpy's `-1`. An error names both shapes when the counts
    /// differ.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(3), Sz, Sz));
    /// let y = x.try_reshape::<shape![_, 784]>().unwrap();
    /// assert_eq!(y.dims(), [3, 784]);
    /// assert!(y.try_reshape::<shape![5, 784]>().is_err());
    /// ```
    pub fn try_reshape<S2: Shape>(self) -> Result<Tensor<S2, E, Cpu>, ShapeError> {
        let shape = infer_shape::<S2>(self.shape.dims().as_ref(), self.data.len())?;
        self.try_reshape_with(shape)
    }

    /// Reshape to a shape value, for several run-time dims.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Tensor};
    /// let x = Tensor::<shape![12]>::zeros();
    /// let y = x.try_reshape_with((Dyn(3), Dyn(4))).unwrap();
    /// assert_eq!(y.dims(), [3, 4]);
    /// ```
    pub fn try_reshape_with<S2: Shape>(self, shape: S2) -> Result<Tensor<S2, E, Cpu>, ShapeError> {
        if shape.numel() != self.data.len() {
            return Err(ShapeError::new(
                "reshape",
                self.shape.dims().as_ref(),
                shape.dims().as_ref(),
                "hold different element counts",
            ));
        }
        Ok(Tensor {
            shape,
            data: self.data,
            device: Cpu,
        })
    }

    /// Reshape to `S2`. When both shapes are static, a different element
    /// count fails at `cargo check`, naming both shapes; with a run-time dim
    /// the count is checked when the program runs, and a mismatch panics
    /// with both shapes ([`try_reshape`](Self::try_reshape) returns it as an
    /// error).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3]>::from_array([[1., 2., 3.], [4., 5., 6.]]);
    /// let y = x.reshape::<shape![3, 2]>();
    /// assert_eq!(y.as_slice(), &[1., 2., 3., 4., 5., 6.]);
    /// let z = y.reshape::<shape![6, 1]>();
    /// assert_eq!(z.dims(), [6, 1]);
    /// ```
    ///
    /// `x.reshape::<shape![4, 2]>()` of a `(3, 2)` tensor does not compile:
    /// ``cannot reshape `(Sz<3>, Sz<2>)` to `(Sz<4>, Sz<2>)`: they hold
    /// different numbers of elements``.
    pub fn reshape<S2: Shape>(self) -> Tensor<<S as ReshapeTo<S2>>::Output, E, Cpu>
    where
        S: ReshapeTo<S2>,
    {
        self.try_reshape().unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`reshape`](Self::reshape) by reference: a borrowed
    /// [`TensorView`] of the same elements under shape `S2`, the tensor
    /// kept (numpy's `x.reshape(...)` is a view too). Between static shapes
    /// a different count fails at `cargo check`.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor, TensorView};
    /// let images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(3), Sz, Sz));
    /// let flat: TensorView<shape![_, 784], u8> = images.reshape_ref();
    /// assert_eq!(flat.dims(), [3, 784]);
    /// assert_eq!(images.dims(), [3, 28, 28]); // still here, nothing copied
    /// ```
    pub fn reshape_ref<S2: Shape>(&self) -> TensorView<'_, <S as ReshapeTo<S2>>::Output, E>
    where
        S: ReshapeTo<S2>,
    {
        self.view().reshape::<S2>()
    }

    /// [`reshape_ref`](Self::reshape_ref) that returns an error when the
    /// counts differ (with a run-time dim on either side).
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 10]>::zeros_with((Dyn(3), Sz));
    /// assert_eq!(x.try_reshape_ref::<shape![_, 5]>().unwrap().dims(), [6, 5]);
    /// assert!(x.try_reshape_ref::<shape![_, 7]>().is_err());
    /// ```
    pub fn try_reshape_ref<S2: Shape>(&self) -> Result<TensorView<'_, S2, E>, ShapeError> {
        self.view().try_reshape::<S2>()
    }

    /// [`reshape`](Self::reshape) for shapes with a dim past the compiler's
    /// range (4096): the static counts are compared when the program is
    /// built (`cargo build`, not `cargo check`), with both shapes in the
    /// message.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 5000], u8>::zeros();
    /// let y = x.reshape_sized::<shape![10000]>();
    /// assert_eq!(y.dims(), [10000]);
    /// ```
    pub fn reshape_sized<S2: Shape>(self) -> Tensor<S2, E, Cpu> {
        const {
            if !counts_fit(S::STATIC_NUMEL, S2::STATIC_NUMEL) {
                panic!("{}", reshape_msg(S::STATIC_DIMS, S2::STATIC_DIMS).as_str())
            }
        };
        self.try_reshape().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Flattens each sample: `(B, d1, ..., dk)` becomes `(B, d1 * ... * dk)`,
    /// the product computed by the compiler (numpy's `x.reshape(len(x), -1)`).
    /// Nothing is copied.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let crops = Tensor::<shape![_, 14, 14], u8>::zeros_with((Dyn(128), Sz, Sz));
    /// let x: Tensor<shape![_, 196], u8> = crops.flatten_samples();
    /// assert_eq!(x.dims(), [128, 196]);
    /// ```
    pub fn flatten_samples(self) -> Tensor<<S as FlattenSamples>::Output, E, Cpu>
    where
        S: FlattenSamples,
    {
        let dims = self.shape.dims();
        let d = dims.as_ref();
        let flat = [d[0], d[1..].iter().product()];
        let shape = <S as FlattenSamples>::Output::from_dims(&flat)
            .expect("the flattened shape's static dims are the products of the input's");
        self.try_reshape_with(shape)
            .expect("flattening keeps the element count")
    }

    /// [`flatten_samples`](Self::flatten_samples) with the flattened size
    /// `N` written, for dims past the compiler's range: a wrong `N` fails
    /// when the program is built, and on run-time dims panics.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 3, 5000], u8>::zeros_with((Dyn(2), Sz, Sz));
    /// let y = x.flatten_samples_sized::<15000>();
    /// assert_eq!(y.dims(), [2, 15000]);
    /// ```
    pub fn flatten_samples_sized<const N: usize>(
        self,
    ) -> Tensor<(<S as crate::AxisOf<0>>::Dim, crate::Sz<N>), E, Cpu>
    where
        S: crate::AxisOf<0>,
    {
        const {
            let d = S::STATIC_DIMS;
            let mut p = Some(1usize);
            let mut i = 1;
            while i < d.len() {
                p = match (p, d[i]) {
                    (Some(a), Some(b)) => a.checked_mul(b),
                    _ => None,
                };
                i += 1;
            }
            if let Some(p) = p {
                if p != N {
                    let m = ConstMsg::new()
                        .str("flatten_samples_sized::<")
                        .num(N)
                        .str(">: the samples of shape ")
                        .dims(d)
                        .str(" hold ")
                        .num(p)
                        .str(" elements");
                    panic!("{}", m.as_str())
                }
            }
        };
        let dims = self.shape.dims();
        let inner: usize = dims.as_ref()[1..].iter().product();
        assert!(
            inner == N,
            "flatten_samples_sized::<{N}>: the samples of shape {} hold {inner} elements",
            crate::error::fmt_dims(dims.as_ref())
        );
        let shape = (crate::AxisOf::<0>::axis_dim(&self.shape), crate::Sz::<N>);
        self.try_reshape_with(shape)
            .expect("the element count was checked")
    }

    /// All elements as one axis of run-time length.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 2]>::ones().flatten();
    /// assert_eq!(x.dims(), [4]);
    /// ```
    pub fn flatten(self) -> Tensor<(Dyn,), E, Cpu> {
        let n = self.data.len();
        Tensor {
            shape: (Dyn(n),),
            data: self.data,
            device: Cpu,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{shape, Dyn, Sz, Tensor};

    #[test]
    fn reshape_infers_one_run_time_dim() {
        let x = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(5), Sz, Sz));
        let y: Tensor<shape![_, 784], u8> = x.reshape();
        assert_eq!(y.dims(), [5, 784]);
        let back: Tensor<shape![5, 28, 28], u8> = y.reshape();
        assert_eq!(back.dims(), [5, 28, 28]);
    }

    #[test]
    fn reshape_errors_name_both_shapes() {
        let x = Tensor::<shape![_, 10]>::zeros_with((Dyn(3), Sz));
        let e = x.try_reshape::<shape![_, 7]>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "reshape: shapes (3, 10) and (_, 7) do not fit: the element count is not a multiple of the static dims"
        );
    }

    #[test]
    fn flatten_samples_keeps_the_batch_axis() {
        let x =
            Tensor::<shape![_, 2, 3], i32>::from_dims_vec(&[2, 2, 3], (0..12).collect()).unwrap();
        let y: Tensor<shape![_, 6], i32> = x.clone().flatten_samples();
        assert_eq!(y.dims(), [2, 6]);
        assert_eq!(y.as_slice(), x.as_slice());
        let z: Tensor<(Dyn, Dyn), i32> =
            Tensor::<(Dyn, Sz<2>, Dyn), i32>::zeros_with((Dyn(4), Sz, Dyn(5))).flatten_samples();
        assert_eq!(z.dims(), [4, 10]);
    }

    #[test]
    fn const_message_names_both_shapes() {
        const M: crate::const_msg::ConstMsg =
            super::reshape_msg(&[Some(28), Some(28)], &[Some(785)]);
        assert_eq!(
            M.as_str(),
            "cannot reshape (28, 28) to (785,): they hold different numbers of elements"
        );
    }
}
