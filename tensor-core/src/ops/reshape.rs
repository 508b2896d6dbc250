//! Reshape and flatten: the same elements under another shape.

use crate::{device::Cpu, dtype::Dtype, error::ShapeError, shape::Shape, Dyn, Tensor};

/// Whether two element counts can agree: `None` (a run-time dim) fits
/// anything until run time.
const fn counts_fit(a: Option<usize>, b: Option<usize>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// Reinterprets the elements under shape `S2` (row-major order is kept;
    /// nothing is copied). One `Dyn` dim of `S2` is inferred from the element
    /// count, like numpy's `-1`. An error names both shapes when the counts
    /// differ.
    ///
    /// ```
    /// use tensor_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(3), Sz, Sz));
    /// let y = x.try_reshape::<shape![_, 784]>().unwrap();
    /// assert_eq!(y.dims(), [3, 784]);
    /// assert!(y.try_reshape::<shape![5, 784]>().is_err());
    /// ```
    pub fn try_reshape<S2: Shape>(self) -> Result<Tensor<S2, E, Cpu>, ShapeError> {
        let n = self.data.len();
        let from = self.shape.dims();
        let err = |why: &str| ShapeError::against_type::<S2>("reshape", from.as_ref(), why);
        let known: usize = S2::STATIC_DIMS.iter().flatten().product();
        let n_dyn = S2::STATIC_DIMS.iter().filter(|d| d.is_none()).count();
        let dims: Vec<usize> = match n_dyn {
            0 => S2::STATIC_DIMS.iter().map(|d| d.unwrap()).collect(),
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
        self.try_reshape_with(shape)
    }

    /// Reshape to a shape value, for several run-time dims.
    ///
    /// ```
    /// use tensor_core::{shape, Dyn, Tensor};
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

    /// Reshape to `S2`. When both shapes are fully static, a different element
    /// count fails to build (`cargo build`; `cargo check` does not evaluate
    /// it); otherwise the count is checked at run time and a mismatch panics
    /// with both shapes.
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3]>::from_array([[1., 2., 3.], [4., 5., 6.]]);
    /// let y = x.reshape::<shape![3, 2]>();
    /// assert_eq!(y.as_slice(), &[1., 2., 3., 4., 5., 6.]);
    /// let z = y.reshape::<shape![6, 1]>();
    /// assert_eq!(z.dims(), [6, 1]);
    /// ```
    pub fn reshape<S2: Shape>(self) -> Tensor<S2, E, Cpu> {
        const {
            assert!(
                counts_fit(S::STATIC_NUMEL, S2::STATIC_NUMEL),
                "reshape: the new shape holds a different number of elements than the tensor (both shapes are in the note below)"
            )
        };
        self.try_reshape().unwrap_or_else(|e| panic!("{e}"))
    }

    /// All elements as one axis of run-time length.
    ///
    /// ```
    /// use tensor_core::{shape, Tensor};
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
}
