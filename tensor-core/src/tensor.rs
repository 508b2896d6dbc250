//! The [`Tensor`] type and its attributes.

use crate::{
    device::{Cpu, Device},
    dtype::Dtype,
    error::{fmt_dims, ShapeError},
    print::write_nested,
    shape::{ConstShape, Shape},
    storage::{Heap, Storage},
};
use core::fmt;

/// A dense, row-major tensor whose rank and shape are in its type.
///
/// * `S` is the [`Shape`]: a tuple of dims, each static
///   ([`Sz<N>`](crate::Sz), [`One`](crate::One)) or run-time
///   ([`Dyn`](crate::Dyn)). Write it with [`shape!`](macro@crate::shape).
/// * `E` is the element type (the dtype): `f32` by default.
/// * `D` is the [`Device`]: [`Cpu`] by default.
/// * `B` is the [`Storage`] of the elements: [`Heap`] (a `Vec`) by default; a small
///   static shape can keep them inline instead
///   ([`InlineTensor`](crate::InlineTensor): `Copy`, no allocation).
///
/// ```
/// use shaped_core::{shape, Tensor};
/// let x = Tensor::<shape![3, 5]>::zeros();
/// assert_eq!(x.ndim(), 2);
/// assert_eq!(x.dims(), [3, 5]);
/// assert_eq!(x.numel(), 15);
/// assert_eq!(x.dtype(), "float32");
/// assert_eq!(x.device(), "cpu");
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct Tensor<S: Shape, E: Dtype = f32, D: Device = Cpu, B: Storage<S, E> = Heap> {
    pub(crate) shape: S,
    pub(crate) data: B::Buf,
    pub(crate) device: D,
}

/// A rank-0 tensor: one number.
pub type Scalar<E = f32> = Tensor<(), E>;
/// A rank-1 tensor of static length `N`.
pub type Vector<const N: usize, E = f32> = Tensor<(crate::Sz<N>,), E>;
/// A rank-2 tensor of static size `M` x `N`.
pub type Matrix<const M: usize, const N: usize, E = f32> = Tensor<(crate::Sz<M>, crate::Sz<N>), E>;

impl<S: Shape, E: Dtype, D: Device, B: Storage<S, E>> Tensor<S, E, D, B> {
    /// The number of axes (numpy's `ndim`).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2, 3, 4]>::zeros().ndim(), 3);
    /// assert_eq!(Tensor::<shape![]>::zeros().ndim(), 0);
    /// ```
    pub fn ndim(&self) -> usize {
        S::RANK
    }
    /// The shape value (its `Dyn` dims hold their run-time sizes).
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let t = Tensor::<shape![_, 3]>::zeros_with((Dyn(5), Sz));
    /// let (batch, _) = t.shape();
    /// assert_eq!(batch, Dyn(5));
    /// ```
    pub fn shape(&self) -> S {
        self.shape
    }
    /// The size of every axis.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// assert_eq!(Tensor::<shape![_, 3]>::zeros_with((Dyn(5), Sz)).dims(), [5, 3]);
    /// ```
    pub fn dims(&self) -> S::Dims {
        self.shape.dims()
    }
    /// The number of elements.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2, 3, 4]>::zeros().numel(), 24);
    /// ```
    pub fn numel(&self) -> usize {
        B::slice(&self.data).len()
    }
    /// The element type's name, as numpy names it.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2]>::zeros().dtype(), "float32");
    /// assert_eq!(Tensor::<shape![2], u8>::zeros().dtype(), "uint8");
    /// ```
    pub fn dtype(&self) -> &'static str {
        E::NAME
    }
    /// The device's name.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2]>::zeros().device(), "cpu");
    /// ```
    pub fn device(&self) -> &'static str {
        D::NAME
    }
    /// The elements in row-major order.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![2, 2], i32>::from_array([[1, 2], [3, 4]]);
    /// assert_eq!(t.as_slice(), &[1, 2, 3, 4]);
    /// ```
    pub fn as_slice(&self) -> &[E] {
        B::slice(&self.data)
    }
    /// The elements in row-major order, mutable.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let mut t = Tensor::<shape![2, 2], i32>::zeros();
    /// t.as_mut_slice()[1] = 7; // row 0, column 1
    /// assert_eq!(t.as_slice(), &[0, 7, 0, 0]);
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [E] {
        B::slice_mut(&mut self.data)
    }
}

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// The elements, consuming the tensor.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![3], i32>::from_array([1, 2, 3]);
    /// assert_eq!(t.into_vec(), vec![1, 2, 3]);
    /// ```
    pub fn into_vec(self) -> Vec<E> {
        self.data
    }
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// A tensor from a shape value and its elements in row-major order.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let t = Tensor::<shape![_, 2]>::from_shape_vec((Dyn(2), Sz), vec![1., 2., 3., 4.]).unwrap();
    /// assert_eq!(t.dims(), [2, 2]);
    /// assert!(Tensor::<shape![_, 2]>::from_shape_vec((Dyn(3), Sz), vec![1.]).is_err());
    /// ```
    pub fn from_shape_vec(shape: S, data: Vec<E>) -> Result<Self, ShapeError> {
        if shape.numel() != data.len() {
            return Err(ShapeError::new(
                "from_shape_vec",
                shape.dims().as_ref(),
                &[data.len()],
                "disagree: the shape's element count is not the data's length",
            ));
        }
        Ok(Tensor {
            shape,
            data,
            device: Cpu,
        })
    }

    /// A tensor from run-time sizes and elements: the sizes must fit the
    /// type's static dims.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![_, 2], u8>::from_dims_vec(&[3, 2], vec![0; 6]).unwrap();
    /// assert_eq!(t.dims(), [3, 2]);
    /// let err = Tensor::<shape![_, 2], u8>::from_dims_vec(&[2, 3], vec![0; 6]).unwrap_err();
    /// assert_eq!(err.to_string(), "from_dims_vec: shapes (2, 3) and (_, 2) do not fit: a static dim differs");
    /// ```
    pub fn from_dims_vec(dims: &[usize], data: Vec<E>) -> Result<Self, ShapeError> {
        let shape = S::from_dims(dims).ok_or_else(|| {
            ShapeError::against_type::<S>("from_dims_vec", dims, "do not fit: a static dim differs")
        })?;
        Self::from_shape_vec(shape, data)
    }

    /// Changes the run-time dims (for example the batch length of a reused
    /// buffer), resizing the data without giving back its capacity. New
    /// elements are `E::default()`.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let mut t = Tensor::<shape![_, 2], i32>::from_shape_vec((Dyn(1), Sz), vec![1, 2]).unwrap();
    /// t.set_shape((Dyn(2), Sz));
    /// assert_eq!((t.dims(), t.as_slice()), ([2, 2], &[1, 2, 0, 0][..]));
    /// ```
    pub fn set_shape(&mut self, shape: S) {
        self.data.resize(shape.numel(), E::default());
        self.shape = shape;
    }
}

impl<S: ConstShape, E: Dtype> Tensor<S, E, Cpu> {
    /// A tensor of a fully static shape from its elements in row-major order.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![2, 2], i32>::from_vec(vec![1, 2, 3, 4]).unwrap();
    /// assert_eq!(t.as_slice(), &[1, 2, 3, 4]);
    /// ```
    pub fn from_vec(data: Vec<E>) -> Result<Self, ShapeError> {
        Self::from_shape_vec(S::default(), data)
    }
}

impl<S: Shape, E: Dtype, D: Device, B: Storage<S, E>> fmt::Debug for Tensor<S, E, D, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Tensor(shape={}, dtype={}, device={}, ",
            fmt_dims(self.shape.dims().as_ref()),
            E::NAME,
            D::NAME
        )?;
        write_nested(f, self.shape.dims().as_ref(), self.as_slice())?;
        f.write_str(")")
    }
}

/// Prints like numpy: `[[1.0, 2.0], [3.0, 4.0]]`; a tensor of more than
/// 1000 elements is summarised ([`crate::print`]).
impl<S: Shape, E: Dtype, D: Device, B: Storage<S, E>> fmt::Display for Tensor<S, E, D, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_nested(f, self.shape.dims().as_ref(), self.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use crate::{shape, Tensor};

    #[test]
    fn display_nests_like_numpy() {
        let t = Tensor::<shape![2, 2], i32>::from_vec(vec![1, 2, 3, 4]).unwrap();
        assert_eq!(t.to_string(), "[[1, 2], [3, 4]]");
        let v = Tensor::<shape![10], i32>::from_vec((0..10).collect()).unwrap();
        assert_eq!(v.to_string(), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
        let s = Tensor::<shape![], f32>::from_vec(vec![1.5]).unwrap();
        assert_eq!(
            format!("{s:?}"),
            "Tensor(shape=(), dtype=float32, device=cpu, 1.5)"
        );
    }
}
