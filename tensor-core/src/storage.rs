//! Where a tensor's elements live: a heap `Vec` (the default), or inline in
//! the tensor itself for a small static shape ([`Inline`], see
//! [`InlineTensor`]).
//!
//! A `Vec` suits large tensors and run-time sizes. A small tensor of static
//! shape (a 2-D point, a 2 x 2 rotation) pays more for its allocation than
//! for its arithmetic; stored inline it is `Copy`, allocates nothing, and its
//! loops have sizes the compiler sees.
//!
//! ```
//! use shaped_core::{shape, InlineTensor};
//! let (c, s) = (0.0f32, 1.0f32); // a quarter turn
//! let rot = InlineTensor::<shape![2, 2]>::new([[c, -s], [s, c]]);
//! let p = InlineTensor::<shape![2]>::new([1.0, 0.0]);
//! let q = rot.dot(&p);
//! assert_eq!(q.as_slice(), &[0.0, 1.0]);
//! let moved = q + InlineTensor::new([0.5, 0.5]);
//! assert_eq!(moved.as_slice(), &[0.5, 1.5]);
//! let copy = moved; // Copy: `moved` stays usable
//! assert_eq!(copy, moved);
//! ```

use crate::{
    device::Cpu,
    dtype::{Dtype, Num},
    shape::{ConstShape, DotShape, Shape},
    tensor::Tensor,
    Sz,
};
use core::fmt;
use core::ops::{Add, Mul, Sub};

/// Where a [`Tensor`]'s elements live, for shape `S` and element type `E`:
/// [`Heap`] (a `Vec`, the default) or [`Inline`] (the nested array of a small
/// static shape). The tensor holds a [`Buf`](Self::Buf).
///
/// ```
/// use shaped_core::{shape, Heap, Inline, Storage};
/// let v: <Heap as Storage<shape![3], f32>>::Buf = vec![1.0, 2.0, 3.0];
/// assert_eq!(<Heap as Storage<shape![3], f32>>::slice(&v), &[1.0, 2.0, 3.0]);
/// let a: <Inline as Storage<shape![2, 2], i32>>::Buf = [[1, 2], [3, 4]];
/// assert_eq!(<Inline as Storage<shape![2, 2], i32>>::slice(&a), &[1, 2, 3, 4]);
/// ```
pub trait Storage<S, E>: Copy + Default + fmt::Debug + PartialEq + Send + Sync + 'static {
    /// The buffer a tensor holds.
    type Buf: Clone + PartialEq + Send + Sync;
    /// The elements in row-major order.
    fn slice(buf: &Self::Buf) -> &[E];
    /// The elements in row-major order, mutable.
    fn slice_mut(buf: &mut Self::Buf) -> &mut [E];
}

/// Elements in a `Vec` on the heap: any shape, run-time sizes included. The
/// default storage of [`Tensor`].
///
/// ```
/// use shaped_core::{shape, Cpu, Heap, Tensor};
/// let t: Tensor<shape![2], f32, Cpu, Heap> = Tensor::<shape![2]>::zeros();
/// assert_eq!(t.as_slice(), &[0.0, 0.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Heap;

impl<S: Shape, E: Dtype> Storage<S, E> for Heap {
    type Buf = Vec<E>;
    #[inline(always)]
    fn slice(buf: &Vec<E>) -> &[E] {
        buf
    }
    #[inline(always)]
    fn slice_mut(buf: &mut Vec<E>) -> &mut [E] {
        buf
    }
}

/// Elements inside the tensor, as the nested array of its static shape
/// (`[[E; 3]; 2]` for `(2, 3)`): see [`InlineTensor`].
///
/// ```
/// use shaped_core::{shape, Cpu, Inline, InlineTensor, Tensor};
/// let t: Tensor<shape![2], f32, Cpu, Inline> = InlineTensor::new([1.0, 2.0]);
/// assert_eq!(t.as_slice(), &[1.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Inline;

impl<S: InlineShape<E>, E: Dtype> Storage<S, E> for Inline {
    type Buf = S::Array;
    #[inline(always)]
    fn slice(buf: &S::Array) -> &[E] {
        S::flat(buf)
    }
    #[inline(always)]
    fn slice_mut(buf: &mut S::Array) -> &mut [E] {
        S::flat_mut(buf)
    }
}

/// A static shape whose elements can be stored inline, as the nested array
/// of its dims: `(Sz<2>, Sz<3>)` holds `[[E; 3]; 2]`. Implemented for shapes
/// of rank 0 to 4 whose dims are all [`Sz`].
///
/// ```
/// use shaped_core::{shape, InlineShape};
/// let a: <shape![2, 3] as InlineShape<u8>>::Array = [[1, 2, 3], [4, 5, 6]];
/// assert_eq!(<shape![2, 3] as InlineShape<u8>>::flat(&a), &[1, 2, 3, 4, 5, 6]);
/// ```
pub trait InlineShape<E: Dtype>: ConstShape {
    /// The nested array.
    type Array: Copy + PartialEq + fmt::Debug + Send + Sync + 'static;
    /// The array's elements in row-major order.
    fn flat(a: &Self::Array) -> &[E];
    /// The array's elements in row-major order, mutable.
    fn flat_mut(a: &mut Self::Array) -> &mut [E];
    /// An array of `E::default()`.
    fn default_array() -> Self::Array;
}

macro_rules! arr {
    ($e:ty;) => { [$e; 1] };
    ($e:ty; $a:ident) => { [$e; $a] };
    ($e:ty; $a:ident, $($rest:ident),+) => { [arr!($e; $($rest),+); $a] };
}

macro_rules! flatten {
    ($s:expr;) => { $s };
    ($s:expr; $a:ident) => { $s };
    ($s:expr; $a:ident, $($rest:ident),+) => { flatten!($s.as_flattened(); $($rest),+) };
}

macro_rules! flatten_mut {
    ($s:expr;) => { $s };
    ($s:expr; $a:ident) => { $s };
    ($s:expr; $a:ident, $($rest:ident),+) => { flatten_mut!($s.as_flattened_mut(); $($rest),+) };
}

macro_rules! default_arr {
    ($e:ty;) => { [<$e>::default(); 1] };
    ($e:ty; $a:ident) => { [<$e>::default(); $a] };
    ($e:ty; $a:ident, $($rest:ident),+) => { [default_arr!($e; $($rest),+); $a] };
}

macro_rules! inline_shape {
    ($($a:ident),*) => {
        impl<E: Dtype, $(const $a: usize),*> InlineShape<E> for ($(Sz<$a>,)*) {
            type Array = arr!(E; $($a),*);
            #[inline(always)]
            fn flat(a: &Self::Array) -> &[E] {
                let s: &[_] = &a[..];
                flatten!(s; $($a),*)
            }
            #[inline(always)]
            fn flat_mut(a: &mut Self::Array) -> &mut [E] {
                let s: &mut [_] = &mut a[..];
                flatten_mut!(s; $($a),*)
            }
            fn default_array() -> Self::Array {
                default_arr!(E; $($a),*)
            }
        }
    };
}
inline_shape!();
inline_shape!(A);
inline_shape!(A, B);
inline_shape!(A, B, C);
inline_shape!(A, B, C, D);

/// A tensor of small static shape `S` whose elements live inline: `Copy`,
/// no allocation. `InlineTensor<shape![2]>` is the size of `[f32; 2]`.
///
/// ```
/// use shaped_core::{shape, InlineTensor};
/// assert_eq!(size_of::<InlineTensor<shape![2, 2]>>(), size_of::<[f32; 4]>());
/// let t = InlineTensor::<shape![2, 3], i32>::new([[1, 2, 3], [4, 5, 6]]);
/// assert_eq!(t.dims(), [2, 3]);
/// assert_eq!(t.to_heap().as_slice(), t.as_slice());
/// ```
pub type InlineTensor<S, E = f32> = Tensor<S, E, Cpu, Inline>;

impl<S: InlineShape<E>, E: Dtype> Tensor<S, E, Cpu, Inline> {
    /// A tensor from its nested array: `[[c, -s], [s, c]]` for `shape![2, 2]`.
    ///
    /// ```
    /// use shaped_core::{shape, InlineTensor};
    /// let r = InlineTensor::<shape![2, 2]>::new([[0., -1.], [1., 0.]]);
    /// assert_eq!(r.as_slice(), &[0., -1., 1., 0.]);
    /// ```
    #[inline(always)]
    pub fn new(array: S::Array) -> Self {
        Tensor {
            shape: S::default(),
            data: array,
            device: Cpu,
        }
    }

    /// All elements `E::default()` (zero for numbers).
    ///
    /// ```
    /// use shaped_core::{shape, InlineTensor};
    /// assert_eq!(InlineTensor::<shape![3], i32>::zeroed().as_slice(), &[0, 0, 0]);
    /// ```
    pub fn zeroed() -> Self {
        Self::new(S::default_array())
    }

    /// The nested array.
    ///
    /// ```
    /// use shaped_core::{shape, InlineTensor};
    /// let t = InlineTensor::<shape![2, 2], i32>::new([[1, 2], [3, 4]]);
    /// assert_eq!(t.to_array(), [[1, 2], [3, 4]]);
    /// ```
    #[inline(always)]
    pub fn to_array(&self) -> S::Array {
        self.data
    }

    /// The same tensor with its elements on the heap.
    ///
    /// ```
    /// use shaped_core::{shape, InlineTensor};
    /// use shaped_core::Tensor;
    /// let heap: Tensor<shape![2], i32> = InlineTensor::<shape![2], i32>::new([1, 2]).to_heap();
    /// assert_eq!(heap.into_vec(), vec![1, 2]);
    /// ```
    pub fn to_heap(&self) -> Tensor<S, E> {
        Tensor::from_shape_vec(S::default(), self.as_slice().to_vec())
            .expect("a static shape holds its own element count")
    }

    /// Applies `f` to each element.
    ///
    /// ```
    /// use shaped_core::{shape, InlineTensor};
    /// let t = InlineTensor::<shape![3], i32>::new([1, 2, 3]).map(|x| x * 10);
    /// assert_eq!(t.to_array(), [10, 20, 30]);
    /// ```
    #[inline(always)]
    pub fn map(mut self, mut f: impl FnMut(E) -> E) -> Self {
        for x in self.as_mut_slice() {
            *x = f(*x);
        }
        self
    }

    #[inline(always)]
    fn zip_with(mut self, rhs: &Self, f: impl Fn(E, E) -> E) -> Self {
        for (x, &y) in self.as_mut_slice().iter_mut().zip(rhs.as_slice()) {
            *x = f(*x, y);
        }
        self
    }
}

impl<S: InlineShape<E>, E: Num> Tensor<S, E, Cpu, Inline> {
    /// The dot product, with the shape rules of [`Tensor::dot`]:
    /// `(..., K) . (K,)` gives `(...)`, `(..., K) . (K, N)` gives `(..., N)`;
    /// a mismatch does not compile.
    ///
    /// ```
    /// use shaped_core::{shape, InlineTensor};
    /// let m = InlineTensor::<shape![2, 3]>::new([[1., 2., 3.], [4., 5., 6.]]);
    /// let v = InlineTensor::<shape![3]>::new([1., 0., -1.]);
    /// assert_eq!(m.dot(&v).as_slice(), &[-2., -2.]);
    /// let id = InlineTensor::<shape![3, 3]>::new([[1., 0., 0.], [0., 1., 0.], [0., 0., 1.]]);
    /// assert_eq!(m.dot(&id), m);
    /// assert_eq!(v.dot(&v).as_slice(), &[2.]);
    /// ```
    #[inline(always)]
    pub fn dot<R>(&self, rhs: &InlineTensor<R, E>) -> InlineTensor<<S as DotShape<R>>::Output, E>
    where
        R: InlineShape<E>,
        S: DotShape<R>,
        <S as DotShape<R>>::Output: InlineShape<E>,
    {
        let a = self.as_slice();
        let b = rhs.as_slice();
        let k = R::STATIC_DIMS[0].unwrap_or(0);
        let mut out = InlineTensor::<<S as DotShape<R>>::Output, E>::zeroed();
        let o = out.as_mut_slice();
        if <S as DotShape<R>>::RHS_IS_VECTOR {
            for (oi, row) in o.iter_mut().zip(a.chunks_exact(k)) {
                let mut acc = E::ZERO;
                for (&x, &y) in row.iter().zip(b) {
                    acc += x * y;
                }
                *oi = acc;
            }
        } else {
            let n = R::STATIC_DIMS[1].unwrap_or(0);
            for (orow, row) in o.chunks_exact_mut(n).zip(a.chunks_exact(k)) {
                for (&x, brow) in row.iter().zip(b.chunks_exact(n)) {
                    for (oj, &y) in orow.iter_mut().zip(brow) {
                        *oj += x * y;
                    }
                }
            }
        }
        out
    }
}

macro_rules! elementwise {
    ($tr:ident $f:ident $op:tt) => {
        /// Element-wise, between tensors of the same static shape.
        impl<S: InlineShape<E>, E: Num> $tr for Tensor<S, E, Cpu, Inline> {
            type Output = Self;
            #[inline(always)]
            fn $f(self, rhs: Self) -> Self {
                self.zip_with(&rhs, |x, y| x $op y)
            }
        }
        /// Element-wise, between tensors of the same static shape.
        impl<S: InlineShape<E>, E: Num> $tr for &Tensor<S, E, Cpu, Inline> {
            type Output = Tensor<S, E, Cpu, Inline>;
            #[inline(always)]
            fn $f(self, rhs: Self) -> Self::Output {
                (*self).zip_with(rhs, |x, y| x $op y)
            }
        }
        /// Each element with a scalar.
        impl<S: InlineShape<E>, E: Num> $tr<E> for Tensor<S, E, Cpu, Inline> {
            type Output = Self;
            #[inline(always)]
            fn $f(self, rhs: E) -> Self {
                self.map(|x| x $op rhs)
            }
        }
    };
}
elementwise!(Add add +);
elementwise!(Sub sub -);
elementwise!(Mul mul *);

#[cfg(test)]
mod tests {
    use crate::{shape, InlineTensor, Tensor};

    #[test]
    fn inline_ops_match_the_heap_ops() {
        let a = [[1.5f64, -2.0, 0.25], [3.0, 0.5, -1.0]];
        let b = [[0.5f64, 1.0], [-1.0, 2.0], [4.0, 0.0]];
        let v = [2.0f64, -3.0, 0.5];
        let (ia, ib, iv) = (
            InlineTensor::<shape![2, 3], f64>::new(a),
            InlineTensor::<shape![3, 2], f64>::new(b),
            InlineTensor::<shape![3], f64>::new(v),
        );
        let (ha, hb, hv) = (
            Tensor::<shape![2, 3], f64>::from_array(a),
            Tensor::<shape![3, 2], f64>::from_array(b),
            Tensor::<shape![3], f64>::from_array(v),
        );
        assert_eq!(ia.dot(&ib).as_slice(), ha.dot(&hb).as_slice());
        assert_eq!(ia.dot(&iv).as_slice(), ha.dot(&hv).as_slice());
        assert_eq!((ia + ia).as_slice(), (&ha + &ha).as_slice());
        assert_eq!((ia * ia).as_slice(), (&ha * &ha).as_slice());
        // By reference, as generic code over `&T: Sub` calls it.
        assert_eq!(core::ops::Sub::sub(&ia, &ia).as_slice(), &[0.0; 6]);
        assert_eq!((ia * 2.0).as_slice(), (&ha + &ha).as_slice());
        assert_eq!(ia.to_heap(), ha);
        assert_eq!(ia.dims(), ha.dims());
        assert_eq!(ia.numel(), 6);
    }

    #[test]
    fn inline_tensors_are_copy_and_unboxed() {
        fn copy<T: Copy>(_: T) {}
        let p = InlineTensor::<shape![2]>::new([1.0, 2.0]);
        copy(p);
        assert_eq!(size_of_val(&p), 8);
        let mut q = p;
        q.as_mut_slice()[0] = 5.0;
        assert_eq!(p.as_slice(), &[1.0, 2.0]);
        assert_eq!(q.to_array(), [5.0, 2.0]);
        let s = InlineTensor::<shape![], i32>::new([7]);
        assert_eq!(s.as_slice(), &[7]);
        assert_eq!(
            format!("{q:?}"),
            "Tensor(shape=(2,), dtype=float32, device=cpu, [5.0, 2.0])"
        );
    }
}
