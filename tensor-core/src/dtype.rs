//! Element types: the `dtype` of a tensor, in its type.

use core::fmt::Debug;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// An element type a tensor can hold.
///
/// ```
/// use shaped_core::Dtype;
/// assert_eq!(<f32 as Dtype>::NAME, "float32");
/// assert_eq!(<u8 as Dtype>::NAME, "uint8");
/// assert_eq!(<bool as Dtype>::NAME, "bool");
/// ```
pub trait Dtype: Copy + Default + PartialEq + Debug + Send + Sync + 'static {
    /// numpy's name for it.
    const NAME: &'static str;
}

/// A numeric element type: arithmetic, ordering and conversions.
///
/// ```
/// use shaped_core::Num;
/// assert_eq!(<i32 as Num>::from_f64(2.7), 2);
/// assert_eq!(3u8.to_f64(), 3.0);
/// ```
pub trait Num:
    Dtype
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
{
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// Converts from `f64` (truncating towards zero and saturating for integers).
    fn from_f64(x: f64) -> Self;
    /// Converts to `f64`.
    fn to_f64(self) -> f64;
    /// Converts from `usize` (saturating at the type's maximum).
    fn from_usize(x: usize) -> Self {
        Self::from_f64(x as f64)
    }
}

/// A floating-point element type: the element-wise math of neural networks.
///
/// ```
/// use shaped_core::Float;
/// assert_eq!(Float::relu(-2.0f32), 0.0);
/// assert!(Float::relu(f32::NAN).is_nan());
/// assert!((Float::sigmoid(0.0f64) - 0.5).abs() < 1e-12);
/// ```
pub trait Float: Num + Neg<Output = Self> {
    /// e^x.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Integer power.
    fn powi(self, n: i32) -> Self;
    /// Real power.
    fn powf(self, p: Self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// The larger of two values (NaN-ignoring, like `f32::max`).
    fn max(self, other: Self) -> Self;
    /// The smaller of two values.
    fn min(self, other: Self) -> Self;
    /// Whether the value is finite.
    fn is_finite(self) -> bool;
    /// Whether the value is NaN.
    fn is_nan(self) -> bool;
    /// Negative infinity.
    const NEG_INFINITY: Self;
    /// Machine epsilon.
    const EPSILON: Self;
    /// The smallest positive normal value (below it, subnormals).
    const MIN_POSITIVE: Self;
    /// Not a number.
    const NAN: Self;
    /// max(x, 0), with NaN kept as NaN (numpy, PyTorch and TensorFlow do
    /// the same; `x.max(0.0)` would turn NaN into 0 and hide it).
    /// The one definition is [`op_defs::Relu`](crate::op_defs::Relu).
    #[inline(always)]
    fn relu(self) -> Self {
        crate::op_defs::UnaryOp::f(&crate::op_defs::Relu, self)
    }
    /// 1 / (1 + e^-x), computed without overflow; the one definition is
    /// [`op_defs::Sigmoid`](crate::op_defs::Sigmoid).
    #[inline(always)]
    fn sigmoid(self) -> Self {
        crate::op_defs::UnaryOp::f(&crate::op_defs::Sigmoid, self)
    }
}

impl Dtype for bool {
    const NAME: &'static str = "bool";
}

macro_rules! num {
    ($($t:ty => $name:literal),*) => {$(
        impl Dtype for $t {
            const NAME: &'static str = $name;
        }
        impl Num for $t {
            const ZERO: Self = 0 as $t;
            const ONE: Self = 1 as $t;
            #[inline(always)]
            fn from_f64(x: f64) -> Self { x as $t }
            #[inline(always)]
            fn to_f64(self) -> f64 { self as f64 }
        }
    )*};
}
num!(f32 => "float32", f64 => "float64", i8 => "int8", i16 => "int16", i32 => "int32",
     i64 => "int64", u8 => "uint8", u16 => "uint16", u32 => "uint32", u64 => "uint64",
     usize => "uint64");

macro_rules! float {
    ($($t:ident),*) => {$(
        impl Float for $t {
            #[inline(always)]
            fn exp(self) -> Self { $t::exp(self) }
            #[inline(always)]
            fn ln(self) -> Self { $t::ln(self) }
            #[inline(always)]
            fn sqrt(self) -> Self { $t::sqrt(self) }
            #[inline(always)]
            fn powi(self, n: i32) -> Self { $t::powi(self, n) }
            #[inline(always)]
            fn powf(self, p: Self) -> Self { $t::powf(self, p) }
            #[inline(always)]
            fn tanh(self) -> Self { $t::tanh(self) }
            #[inline(always)]
            fn abs(self) -> Self { $t::abs(self) }
            #[inline(always)]
            fn max(self, o: Self) -> Self { $t::max(self, o) }
            #[inline(always)]
            fn min(self, o: Self) -> Self { $t::min(self, o) }
            #[inline(always)]
            fn is_finite(self) -> bool { $t::is_finite(self) }
            #[inline(always)]
            fn is_nan(self) -> bool { $t::is_nan(self) }
            const NEG_INFINITY: Self = $t::NEG_INFINITY;
            const EPSILON: Self = $t::EPSILON;
            const MIN_POSITIVE: Self = $t::MIN_POSITIVE;
            const NAN: Self = $t::NAN;
        }
    )*};
}
float!(f32, f64);

/// Two element types that must be the same: both operands of `+ - * /`.
/// Mixing `f32` and `f64` tensors is a compile error that says to convert
/// one of them with [`cast`](crate::Tensor::cast).
#[diagnostic::on_unimplemented(
    message = "cannot mix element types: one tensor holds `{E}`, the other `{Self}`",
    label = "the right operand holds `{Self}`, the left one `{E}`",
    note = "convert one side first, e.g. `rhs.cast::<{E}>()`"
)]
pub trait SameDtype<E: Dtype>: Dtype {
    /// The value, as the other type (which it is).
    fn same(self) -> E;
}

impl<E: Dtype> SameDtype<E> for E {
    #[inline(always)]
    fn same(self) -> E {
        self
    }
}

/// `s` as a slice of `T`, when the element type `E` is `T` (`None` when it
/// is another): the safe way for generic code to take a path written for
/// one element type, such as an `f32` SIMD kernel.
///
/// ```
/// use shaped_core::dtype::downcast_slice;
/// assert_eq!(downcast_slice::<f32, f32>(&[1.0, 2.0]), Some(&[1.0f32, 2.0][..]));
/// assert_eq!(downcast_slice::<f64, f32>(&[1.0]), None);
/// ```
pub fn downcast_slice<E: 'static, T: 'static>(s: &[E]) -> Option<&[T]> {
    (core::any::TypeId::of::<E>() == core::any::TypeId::of::<T>()).then(|| {
        // SAFETY: `E` and `T` are the same type (their `TypeId`s agree), so
        // the slice's layout, length and validity are those of `[T]`.
        unsafe { &*(s as *const [E] as *const [T]) }
    })
}

/// [`downcast_slice`] for a mutable slice.
///
/// ```
/// use shaped_core::dtype::downcast_slice_mut;
/// let mut v = [1.0f32];
/// downcast_slice_mut::<f32, f32>(&mut v).unwrap()[0] = 3.0;
/// assert_eq!(v, [3.0]);
/// assert!(downcast_slice_mut::<f32, f64>(&mut v).is_none());
/// ```
pub fn downcast_slice_mut<E: 'static, T: 'static>(s: &mut [E]) -> Option<&mut [T]> {
    (core::any::TypeId::of::<E>() == core::any::TypeId::of::<T>()).then(|| {
        // SAFETY: as in `downcast_slice`.
        unsafe { &mut *(s as *mut [E] as *mut [T]) }
    })
}
