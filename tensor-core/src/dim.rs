//! Dimensions: one axis of a shape, known at compile time ([`Sz`], [`One`]) or
//! only at run time ([`Dyn`]).
//!
//! The dim types themselves live in the `dims` crate (with the typenum
//! bridge that computes sizes from sizes) and are re-exported here; this
//! module holds the traits the shape rules use.
//!
//! ```
//! use shaped_core::{Dim, Dyn, One, Sz};
//! assert_eq!(Sz::<28>.size(), 28);
//! assert_eq!(format!("{:?}", (Sz::<28>, One, Dyn(5))), "(28, 1, 5)");
//! ```

use core::fmt;

/// One axis of a [`Shape`](crate::Shape).
///
/// A dim is either static ([`Sz<N>`], [`One`]): a zero-sized marker whose size
/// is in the type, so mismatches are compile errors; or dynamic ([`Dyn`]):
/// the size is a value, checked when the program runs.
///
/// ```
/// use shaped_core::{Dim, Dyn, One, Sz};
/// assert_eq!(Sz::<28>.size(), 28);
/// assert_eq!(Dyn(60000).size(), 60000);
/// assert_eq!(One.size(), 1);
/// assert_eq!(<Sz<28> as Dim>::STATIC, Some(28));
/// assert_eq!(<Dyn as Dim>::STATIC, None);
/// ```
pub trait Dim: Copy + fmt::Debug + PartialEq + Send + Sync + 'static {
    /// The size when it is known at compile time.
    const STATIC: Option<usize>;
    /// The size of this axis.
    fn size(&self) -> usize;
    /// Builds this dim from a run-time size, or `None` when the size does not
    /// fit the type (for example `Sz<3>` from 4).
    fn from_size(n: usize) -> Option<Self>;
}

/// A dim whose size is known at compile time.
///
/// ```
/// use shaped_core::{StaticDim, Sz};
/// assert_eq!(<Sz<784> as StaticDim>::SIZE, 784);
/// ```
pub trait StaticDim: Dim + Default {
    /// The size.
    const SIZE: usize;
}

pub use dims::{Dyn, One, Sz};

impl<const N: usize> Dim for Sz<N> {
    const STATIC: Option<usize> = Some(N);
    #[inline(always)]
    fn size(&self) -> usize {
        N
    }
    fn from_size(n: usize) -> Option<Self> {
        (n == N).then_some(Sz)
    }
}

impl<const N: usize> StaticDim for Sz<N> {
    const SIZE: usize = N;
}

impl Dim for One {
    const STATIC: Option<usize> = Some(1);
    #[inline(always)]
    fn size(&self) -> usize {
        1
    }
    fn from_size(n: usize) -> Option<Self> {
        (n == 1).then_some(One)
    }
}

impl StaticDim for One {
    const SIZE: usize = 1;
}

impl Dim for Dyn {
    const STATIC: Option<usize> = None;
    #[inline(always)]
    fn size(&self) -> usize {
        self.0
    }
    fn from_size(n: usize) -> Option<Self> {
        Some(Dyn(n))
    }
}

/// Two dims that must be equal: the inner dims of a dot product, or the axes
/// of two operands that do not broadcast. Static sizes are compared by the
/// compiler; a [`Dyn`] side is compared at run time.
#[diagnostic::on_unimplemented(
    message = "dims differ: `{Self}` is not `{Rhs}`",
    label = "this dim is `{Self}`, the other operand's is `{Rhs}`"
)]
pub trait SameDim<Rhs: Dim>: Dim {
    /// The dim both sides agree on (static when either side is static).
    type Output: Dim;
}

#[diagnostic::do_not_recommend]
impl<const N: usize> SameDim<Sz<N>> for Sz<N> {
    type Output = Sz<N>;
}
#[diagnostic::do_not_recommend]
impl SameDim<One> for One {
    type Output = One;
}
#[diagnostic::do_not_recommend]
impl<const N: usize> SameDim<Dyn> for Sz<N> {
    type Output = Sz<N>;
}
#[diagnostic::do_not_recommend]
impl<const N: usize> SameDim<Sz<N>> for Dyn {
    type Output = Sz<N>;
}
#[diagnostic::do_not_recommend]
impl SameDim<Dyn> for One {
    type Output = One;
}
#[diagnostic::do_not_recommend]
impl SameDim<One> for Dyn {
    type Output = One;
}
#[diagnostic::do_not_recommend]
impl SameDim<Dyn> for Dyn {
    type Output = Dyn;
}

/// Two dims that broadcast by numpy's rule: equal, or one of them [`One`].
/// A [`Dyn`] side is checked at run time.
#[diagnostic::on_unimplemented(
    message = "dims do not broadcast: `{Self}` with `{Rhs}`",
    label = "`{Self}` and `{Rhs}` differ and neither is `One`"
)]
pub trait BroadcastDim<Rhs: Dim>: Dim {
    /// The dim of the result.
    type Output: Dim;
}

macro_rules! broadcast_dim {
    ($([$($g:tt)*] $l:ty, $r:ty => $o:ty;)*) => {$(
        #[diagnostic::do_not_recommend]
        impl<$($g)*> BroadcastDim<$r> for $l { type Output = $o; }
    )*};
}
broadcast_dim! {
    [const N: usize] Sz<N>, Sz<N> => Sz<N>;
    [const N: usize] Sz<N>, One => Sz<N>;
    [const N: usize] One, Sz<N> => Sz<N>;
    [const N: usize] Sz<N>, Dyn => Sz<N>;
    [const N: usize] Dyn, Sz<N> => Sz<N>;
    [] One, One => One;
    [] One, Dyn => Dyn;
    [] Dyn, One => Dyn;
    [] Dyn, Dyn => Dyn;
}
