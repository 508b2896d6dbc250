//! Slicing: static ranges whose length the compiler computes, run-time
//! ranges along any axis, and gathering rows by index.
//!
//! Python's `x[a:b]`, `x[a:]`, `x[a:-b]` and `x[-a:]` on a static axis are
//! [`slice`](Tensor::slice), [`slice_from`](Tensor::slice_from),
//! [`slice_trim`](Tensor::slice_trim) and
//! [`slice_by`](Tensor::slice_by)`::<AXIS, FromEnd<a>, FromEnd<0>>`; the
//! [`s!`](crate::s) macro writes them from Python's spelling. A range that
//! does not fit a static axis fails at `cargo check` with the range and the
//! shape in the message; on a [`Dyn`] axis it is checked when the program
//! runs (the `try_` forms return the error). Every length the compiler
//! computes that comes out as 1 is [`One`](crate::One).

use crate::{
    const_msg::ConstMsg,
    device::Cpu,
    dtype::Dtype,
    error::ShapeError,
    ops::reduce::split_at_axis,
    shape::{AxisOf, ReplaceAxis, Shape},
    Dim, Dyn, Sz, Tensor,
};
use dims::{Bound, FromEnd, Ix, SliceDim};

/// The shape of the static slice `Lo..Hi` ([`Ix`] / [`FromEnd`] ends) of
/// axis `AXIS`: that axis becomes the slice's length, computed. This is the
/// trait a failed static slice reports (the method-level traits below
/// forward to it).
#[diagnostic::on_unimplemented(
    message = "slice `{Lo}..{Hi}` does not fit axis {AXIS} of shape `{Self}`",
    label = "this range is not within axis {AXIS} of `{Self}`, start before end",
    note = "`Ix<N>` counts from the start, `FromEnd<N>` from the end (Python's -N); axes past 4096 need `slice_sized`"
)]
pub trait SliceAxis<const AXIS: usize, Lo, Hi>: Shape {
    /// The shape of the slice.
    type Output: Shape;
    /// The slice's shape, given its length (`None` if it does not fit a
    /// static dim, which the bounds rule out).
    fn with_len(&self, len: usize) -> Option<Self::Output>;
}

#[diagnostic::do_not_recommend]
impl<S, const AXIS: usize, Lo, Hi> SliceAxis<AXIS, Lo, Hi> for S
where
    S: AxisOf<AXIS>,
    <S as AxisOf<AXIS>>::Dim: SliceDim<Lo, Hi>,
    <<S as AxisOf<AXIS>>::Dim as SliceDim<Lo, Hi>>::Output: Dim,
    S: ReplaceAxis<AXIS, <<S as AxisOf<AXIS>>::Dim as SliceDim<Lo, Hi>>::Output>,
{
    type Output =
        <S as ReplaceAxis<AXIS, <<S as AxisOf<AXIS>>::Dim as SliceDim<Lo, Hi>>::Output>>::Output;
    fn with_len(&self, len: usize) -> Option<Self::Output> {
        Some(self.replace_axis(Dim::from_size(len)?))
    }
}

macro_rules! slice_trait {
    ($(#[$doc:meta])* $name:ident [$($c:ident),*] $lo:ty, $hi:ty, $msg:literal) => {
        $(#[$doc])*
        #[diagnostic::on_unimplemented(
            message = $msg,
            label = "this range does not fit axis {AXIS} of `{Self}`",
            note = "the range must lie within the axis, its start not after its end; static lengths are computed for axes of at most 4096 (past that, use `slice_sized`)"
        )]
        pub trait $name<const AXIS: usize, $(const $c: usize),*>: Shape {
            /// The shape of the slice.
            type Output: Shape;
            /// The slice's shape, given its length.
            fn with_len(&self, len: usize) -> Option<Self::Output>;
        }
        // The bounds of `SliceAxis` written out (not `S: SliceAxis<..>`), so
        // that a failed slice is reported as this trait, whose message has
        // the bounds in decimals.
        #[diagnostic::do_not_recommend]
        impl<S, const AXIS: usize, $(const $c: usize),*> $name<AXIS, $($c),*> for S
        where
            S: AxisOf<AXIS>,
            <S as AxisOf<AXIS>>::Dim: SliceDim<$lo, $hi>,
            <<S as AxisOf<AXIS>>::Dim as SliceDim<$lo, $hi>>::Output: Dim,
            S: ReplaceAxis<AXIS, <<S as AxisOf<AXIS>>::Dim as SliceDim<$lo, $hi>>::Output>,
        {
            type Output =
                <S as ReplaceAxis<AXIS, <<S as AxisOf<AXIS>>::Dim as SliceDim<$lo, $hi>>::Output>>::Output;
            fn with_len(&self, len: usize) -> Option<Self::Output> {
                Some(self.replace_axis(Dim::from_size(len)?))
            }
        }
    };
}
slice_trait!(
    /// Python's `x[START:END]` fits axis `AXIS` of the shape.
    SliceRange [START, END] Ix<START>, Ix<END>,
    "slice {START}..{END} does not fit axis {AXIS} of shape `{Self}`"
);
slice_trait!(
    /// Python's `x[START:]` fits axis `AXIS` of the shape.
    SliceFrom [START] Ix<START>, FromEnd<0>,
    "slice {START}.. does not fit axis {AXIS} of shape `{Self}`"
);
slice_trait!(
    /// Python's `x[FRONT:-BACK]` fits axis `AXIS` of the shape.
    SliceTrim [FRONT, BACK] Ix<FRONT>, FromEnd<BACK>,
    "slice {FRONT}..-{BACK} does not fit axis {AXIS} of shape `{Self}`"
);
slice_trait!(
    /// Python's `x[-FROM:-TO]` (`TO` = 0: `x[-FROM:]`) fits axis `AXIS` of
    /// the shape.
    SliceFromEnd [FROM, TO] FromEnd<FROM>, FromEnd<TO>,
    "slice -{FROM}..-{TO} (counted from the end) does not fit axis {AXIS} of shape `{Self}`"
);

/// The slice `Lo..Hi` (each end an [`Ix`] or a [`FromEnd`]) fits axis
/// `AXIS` of the shape: the general form that [`s!`](crate::s) writes.
#[diagnostic::on_unimplemented(
    message = "slice `{Lo}..{Hi}` does not fit axis {AXIS} of shape `{Self}`",
    label = "this range does not fit axis {AXIS} of `{Self}`",
    note = "`Ix<N>` counts from the start, `FromEnd<N>` from the end (Python's -N); static lengths are computed for axes of at most 4096"
)]
pub trait SliceBy<const AXIS: usize, Lo, Hi>: Shape {
    /// The shape of the slice.
    type Output: Shape;
    /// The slice's shape, given its length.
    fn with_len(&self, len: usize) -> Option<Self::Output>;
}
#[diagnostic::do_not_recommend]
impl<S: SliceAxis<AXIS, Lo, Hi>, const AXIS: usize, Lo, Hi> SliceBy<AXIS, Lo, Hi> for S {
    type Output = <S as SliceAxis<AXIS, Lo, Hi>>::Output;
    fn with_len(&self, len: usize) -> Option<Self::Output> {
        SliceAxis::<AXIS, Lo, Hi>::with_len(self, len)
    }
}

/// The tensor [`Tensor::try_slice_by`] returns.
pub type Sliced<S, E, const AXIS: usize, Lo, Hi> =
    Tensor<<S as SliceBy<AXIS, Lo, Hi>>::Output, E, Cpu>;

/// The headline of a failed written-size slice: the range, the length and
/// the shape.
const fn slice_msg(
    dims: &[Option<usize>],
    axis: usize,
    start: isize,
    end: isize,
    len: usize,
) -> ConstMsg {
    ConstMsg::new()
        .str("slice_sized: ")
        .int(start)
        .str("..")
        .int(end)
        .str(" of axis ")
        .num(axis)
        .str(" of shape ")
        .dims(dims)
        .str(" does not hold ")
        .num(len)
        .str(" elements within the axis")
}

/// Resolves a possibly negative index against a length, like Python.
const fn resolve(i: isize, n: usize) -> isize {
    if i < 0 {
        n as isize + i
    } else {
        i
    }
}

/// Whether `START..END` (Python rules) over an axis of size `n` holds `len`
/// elements and lies within the axis.
const fn range_fits(start: isize, end: isize, n: usize, len: usize) -> bool {
    let (s, e) = (resolve(start, n), resolve(end, n));
    s >= 0 && e <= n as isize && s <= e && (e - s) as usize == len
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    pub(crate) fn copy_range(&self, axis: usize, start: usize, len: usize) -> Vec<E> {
        let (outer, n, inner) = split_at_axis(self.shape.dims().as_ref(), axis);
        let mut out = Vec::with_capacity(outer * len * inner);
        let data = self.as_slice();
        for o in 0..outer {
            let base = (o * n + start) * inner;
            out.extend_from_slice(&data[base..base + len * inner]);
        }
        out
    }

    /// Runs a static slice whose shape `make` builds from the length.
    fn run_slice<const AXIS: usize, Lo: Bound, Hi: Bound, S2: Shape>(
        &self,
        make: impl FnOnce(&S, usize) -> Option<S2>,
    ) -> Result<Tensor<S2, E, Cpu>, ShapeError> {
        let dims = self.shape.dims();
        let n = dims.as_ref()[AXIS];
        let err = || {
            ShapeError::with_argument(
                "slice",
                dims.as_ref(),
                format!("range {}..{}", bound_name::<Lo>(), bound_name::<Hi>()),
                format!("do not fit: the range runs past axis {AXIS}"),
            )
        };
        let (start, end) = match (Lo::resolve(n), Hi::resolve(n)) {
            (Some(a), Some(b)) if a <= b => (a, b),
            _ => return Err(err()),
        };
        let shape = make(&self.shape, end - start).ok_or_else(err)?;
        Ok(
            Tensor::from_shape_vec(shape, self.copy_range(AXIS, start, end - start))
                .expect("the slice's shape holds its elements"),
        )
    }

    /// The static slice `Lo..Hi` of axis `AXIS`, the ends given as types
    /// ([`Ix<N>`](Ix) from the start, [`FromEnd<N>`](FromEnd) from the end),
    /// or an error when it does not fit a run-time axis. A range that does
    /// not fit a static axis does not compile.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, FromEnd, Ix, Sz, Tensor};
    /// let x = Tensor::<shape![_, 5], i32>::from_dims_vec(&[2, 5], (0..10).collect()).unwrap();
    /// // x[:, -2:]
    /// let last2: Tensor<shape![_, 2], i32> = x.try_slice_by::<1, FromEnd<2>, FromEnd<0>>().unwrap();
    /// assert_eq!(last2.as_slice(), &[3, 4, 8, 9]);
    /// // x[-3:] along the run-time axis of length 2 does not fit.
    /// assert!(x.try_slice_by::<0, FromEnd<3>, FromEnd<0>>().is_err());
    /// ```
    pub fn try_slice_by<const AXIS: usize, Lo: Bound, Hi: Bound>(
        &self,
    ) -> Result<Sliced<S, E, AXIS, Lo, Hi>, ShapeError>
    where
        S: SliceBy<AXIS, Lo, Hi>,
    {
        self.run_slice::<AXIS, Lo, Hi, _>(|s, len| SliceBy::<AXIS, Lo, Hi>::with_len(s, len))
    }

    /// [`try_slice_by`](Self::try_slice_by) that panics with the same words.
    ///
    /// ```
    /// use shaped_core::{shape, FromEnd, Ix, Tensor};
    /// let x = Tensor::<shape![5], i32>::from_vec((0..5).collect()).unwrap();
    /// // x[-3:-1]
    /// let y: Tensor<shape![2], i32> = x.slice_by::<0, FromEnd<3>, FromEnd<1>>();
    /// assert_eq!(y.as_slice(), &[2, 3]);
    /// ```
    pub fn slice_by<const AXIS: usize, Lo: Bound, Hi: Bound>(
        &self,
    ) -> Tensor<<S as SliceBy<AXIS, Lo, Hi>>::Output, E, Cpu>
    where
        S: SliceBy<AXIS, Lo, Hi>,
    {
        self.try_slice_by::<AXIS, Lo, Hi>()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Python's `x[START:END]` along axis `AXIS`, its length computed by the
    /// compiler. On a static axis a range that does not fit fails at
    /// `cargo check`, naming the range and the shape; on a run-time axis
    /// the plain form panics and the `try_` form returns the error.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let digit = Tensor::<shape![28, 28], u8>::zeros();
    /// let rows: Tensor<shape![10, 28], u8> = digit.slice::<0, 10, 20>();
    /// let one_row: Tensor<shape![1, 28], u8> = digit.slice::<0, 3, 4>(); // `One`, as shape![1, 28] writes it
    /// assert_eq!(rows.dims(), [10, 28]);
    /// assert_eq!(one_row.dims(), [1, 28]);
    /// ```
    pub fn slice<const AXIS: usize, const START: usize, const END: usize>(
        &self,
    ) -> Tensor<<S as SliceRange<AXIS, START, END>>::Output, E, Cpu>
    where
        S: SliceRange<AXIS, START, END>,
    {
        self.try_slice::<AXIS, START, END>()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`slice`](Self::slice) that returns an error when the range does not
    /// fit a run-time axis.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 4], u8>::zeros_with((Dyn(3), Sz));
    /// assert_eq!(x.try_slice::<0, 1, 3>().unwrap().dims(), [2, 4]);
    /// let e = x.try_slice::<0, 2, 5>().unwrap_err();
    /// assert_eq!(e.to_string(), "slice: shape (3, 4) and range 2..5 do not fit: the range runs past axis 0");
    /// ```
    pub fn try_slice<const AXIS: usize, const START: usize, const END: usize>(
        &self,
    ) -> Result<Tensor<<S as SliceRange<AXIS, START, END>>::Output, E, Cpu>, ShapeError>
    where
        S: SliceRange<AXIS, START, END>,
    {
        self.run_slice::<AXIS, Ix<START>, Ix<END>, _>(|s, len| {
            SliceRange::<AXIS, START, END>::with_len(s, len)
        })
    }

    /// Python's `x[START:]` along axis `AXIS`, its length computed.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let digit = Tensor::<shape![28, 28], u8>::zeros();
    /// let corner: Tensor<shape![14, 14], u8> = digit.slice_from::<0, 14>().slice_from::<1, 14>();
    /// assert_eq!(corner.dims(), [14, 14]);
    /// ```
    pub fn slice_from<const AXIS: usize, const START: usize>(
        &self,
    ) -> Tensor<<S as SliceFrom<AXIS, START>>::Output, E, Cpu>
    where
        S: SliceFrom<AXIS, START>,
    {
        self.run_slice::<AXIS, Ix<START>, FromEnd<0>, _>(|s, len| {
            SliceFrom::<AXIS, START>::with_len(s, len)
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Python's `x[FRONT:-BACK]` along axis `AXIS`: `FRONT` elements dropped
    /// at the start and `BACK` at the end, the length computed.
    ///
    /// The chapter's crop `images[:, 7:-7, 7:-7]`:
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(10), Sz, Sz));
    /// let crop: Tensor<shape![_, 14, 14], u8> = images.slice_trim::<1, 7, 7>().slice_trim::<2, 7, 7>();
    /// assert_eq!(crop.dims(), [10, 14, 14]);
    /// ```
    pub fn slice_trim<const AXIS: usize, const FRONT: usize, const BACK: usize>(
        &self,
    ) -> Tensor<<S as SliceTrim<AXIS, FRONT, BACK>>::Output, E, Cpu>
    where
        S: SliceTrim<AXIS, FRONT, BACK>,
    {
        self.run_slice::<AXIS, Ix<FRONT>, FromEnd<BACK>, _>(|s, len| {
            SliceTrim::<AXIS, FRONT, BACK>::with_len(s, len)
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Python's `x[-FROM:-TO]` along axis `AXIS`, both ends counted from
    /// the end (`TO` = 0 is the open end: `x[-FROM:]`), the length computed.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![6], i32>::from_vec((0..6).collect()).unwrap();
    /// let last2: Tensor<shape![2], i32> = x.slice_from_end::<0, 2, 0>();
    /// assert_eq!(last2.as_slice(), &[4, 5]);
    /// assert_eq!(x.slice_from_end::<0, 4, 1>().as_slice(), &[2, 3, 4]);
    /// ```
    pub fn slice_from_end<const AXIS: usize, const FROM: usize, const TO: usize>(
        &self,
    ) -> Tensor<<S as SliceFromEnd<AXIS, FROM, TO>>::Output, E, Cpu>
    where
        S: SliceFromEnd<AXIS, FROM, TO>,
    {
        self.run_slice::<AXIS, FromEnd<FROM>, FromEnd<TO>, _>(|s, len| {
            SliceFromEnd::<AXIS, FROM, TO>::with_len(s, len)
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The static slice `START..END` of axis `AXIS` with its length `LEN`
    /// written, for axes past the compiler's range (4096); negative
    /// `START`/`END` count from the end, as in Python. On a static axis a
    /// range that does not hold `LEN` elements fails when the program is
    /// built (`cargo build`, not `cargo check`), with the numbers in the
    /// message; on a `Dyn` axis it panics at run time.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![10000], u8>::zeros();
    /// let tail: Tensor<shape![100], u8> = x.slice_sized::<0, -100, 10000, 100>();
    /// assert_eq!(tail.dims(), [100]);
    /// ```
    pub fn slice_sized<const AXIS: usize, const START: isize, const END: isize, const LEN: usize>(
        &self,
    ) -> Tensor<<S as ReplaceAxis<AXIS, Sz<LEN>>>::Output, E, Cpu>
    where
        S: AxisOf<AXIS> + ReplaceAxis<AXIS, Sz<LEN>>,
    {
        const {
            if let Some(n) = <<S as AxisOf<AXIS>>::Dim as Dim>::STATIC {
                if !range_fits(START, END, n, LEN) {
                    panic!(
                        "{}",
                        slice_msg(S::STATIC_DIMS, AXIS, START, END, LEN).as_str()
                    )
                }
            }
        };
        let n = self.shape.dims().as_ref()[AXIS];
        assert!(
            range_fits(START, END, n, LEN),
            "slice_sized: {START}..{END} of an axis of size {n} does not hold {LEN} elements"
        );
        Tensor::from_shape_vec(
            self.shape.replace_axis(Sz::<LEN>),
            self.copy_range(AXIS, resolve(START, n) as usize, LEN),
        )
        .expect("the slice's shape holds its elements")
    }

    /// The run-time range `start..start + len` of axis `AXIS`, which becomes a
    /// `Dyn` axis; an error when it runs past the axis.
    ///
    /// Batch 469 of MNIST's 60000 images is the last, of 96:
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 784], u8>::zeros_with((Dyn(60000), Sz));
    /// let b = x.try_narrow::<0>(468 * 128, 96).unwrap();
    /// assert_eq!(b.dims(), [96, 784]);
    /// assert!(x.try_narrow::<0>(468 * 128, 128).is_err());
    /// ```
    pub fn try_narrow<const AXIS: usize>(
        &self,
        start: usize,
        len: usize,
    ) -> Result<Tensor<<S as ReplaceAxis<AXIS, Dyn>>::Output, E, Cpu>, ShapeError>
    where
        S: ReplaceAxis<AXIS, Dyn>,
    {
        let dims = self.shape.dims();
        let n = dims.as_ref()[AXIS];
        if start.checked_add(len).is_none_or(|e| e > n) {
            return Err(ShapeError::with_argument(
                "narrow",
                dims.as_ref(),
                format!("range {start}..{}", start.saturating_add(len)),
                format!("do not fit: the range runs past axis {AXIS}"),
            ));
        }
        Ok(Tensor {
            shape: self.shape.replace_axis(Dyn(len)),
            data: self.copy_range(AXIS, start, len),
            device: Cpu,
        })
    }

    /// [`try_narrow`](Self::try_narrow) that panics with the same words.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![4, 2], i32>::from_array([[0, 1], [2, 3], [4, 5], [6, 7]]);
    /// assert_eq!(x.narrow::<0>(1, 2).as_slice(), &[2, 3, 4, 5]);
    /// ```
    pub fn narrow<const AXIS: usize>(
        &self,
        start: usize,
        len: usize,
    ) -> Tensor<<S as ReplaceAxis<AXIS, Dyn>>::Output, E, Cpu>
    where
        S: ReplaceAxis<AXIS, Dyn>,
    {
        self.try_narrow::<AXIS>(start, len)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Numpy's `x[start:end]` along axis `AXIS` with run-time bounds:
    /// both are clamped to the axis, so a range past the end gives what is
    /// there (numpy's `x[59904:60032]` of 60000 rows is the last 96) and an
    /// empty range gives an empty axis. Never fails.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 784], u8>::zeros_with((Dyn(60000), Sz));
    /// let n = 468;
    /// assert_eq!(x.clamped::<0>(128 * n, 128 * (n + 1)).dims(), [96, 784]);
    /// assert_eq!(x.clamped::<0>(70000, 80000).dims(), [0, 784]);
    /// assert_eq!(x.clamped::<0>(10, 5).dims(), [0, 784]);
    /// ```
    pub fn clamped<const AXIS: usize>(
        &self,
        start: usize,
        end: usize,
    ) -> Tensor<<S as ReplaceAxis<AXIS, Dyn>>::Output, E, Cpu>
    where
        S: ReplaceAxis<AXIS, Dyn>,
    {
        let n = self.shape.dims().as_ref()[AXIS];
        let start = start.min(n);
        let end = end.clamp(start, n);
        self.narrow::<AXIS>(start, end - start)
    }

    /// The rows (entries of axis 0) at `indices`, in that order, like
    /// `x[indices]` in numpy; an error names the first index out of range.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![3, 2], i32>::from_array([[0, 1], [2, 3], [4, 5]]);
    /// assert_eq!(x.try_gather_rows(&[2, 0]).unwrap().as_slice(), &[4, 5, 0, 1]);
    /// assert!(x.try_gather_rows(&[3]).is_err());
    /// ```
    pub fn try_gather_rows(
        &self,
        indices: &[usize],
    ) -> Result<Tensor<<S as ReplaceAxis<0, Dyn>>::Output, E, Cpu>, ShapeError>
    where
        S: ReplaceAxis<0, Dyn>,
    {
        let dims = self.shape.dims();
        let n = dims.as_ref()[0];
        let inner: usize = dims.as_ref()[1..].iter().product();
        let mut data = Vec::with_capacity(indices.len() * inner);
        for &i in indices {
            if i >= n {
                return Err(ShapeError::with_argument(
                    "gather_rows",
                    dims.as_ref(),
                    format!("index {i}"),
                    "do not fit: the index is past axis 0",
                ));
            }
            data.extend_from_slice(&self.data[i * inner..(i + 1) * inner]);
        }
        Ok(Tensor {
            shape: self.shape.replace_axis(Dyn(indices.len())),
            data,
            device: Cpu,
        })
    }

    /// [`try_gather_rows`](Self::try_gather_rows) that panics with the same words.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 2]>::from_array([[1., 2.], [3., 4.]]);
    /// assert_eq!(x.gather_rows(&[1, 1]).as_slice(), &[3., 4., 3., 4.]);
    /// ```
    pub fn gather_rows(
        &self,
        indices: &[usize],
    ) -> Tensor<<S as ReplaceAxis<0, Dyn>>::Output, E, Cpu>
    where
        S: ReplaceAxis<0, Dyn>,
    {
        self.try_gather_rows(indices)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

/// A bound's Python spelling: `7`, `-7`, or nothing for the open end.
pub(crate) fn bound_name<B: Bound>() -> String {
    match (B::FROM_END, B::OFFSET) {
        (true, 0) => String::new(),
        (true, n) => format!("-{n}"),
        (false, n) => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::{shape, Dyn, FromEnd, Ix, Sz, Tensor};

    impl Tensor<(Dyn, Sz<2>), i32> {
        fn try_slice_trim_by_name(&self) -> Result<Tensor<(Dyn, Sz<2>), i32>, crate::ShapeError> {
            self.try_slice_by::<0, Ix<2>, FromEnd<2>>()
        }
    }

    #[test]
    fn static_slices_match_python_ranges() {
        let x = Tensor::<shape![4, 5], i32>::from_fn(|i| (i[0] * 10 + i[1]) as i32);
        let a = x.slice_trim::<1, 1, 1>();
        assert_eq!(a.dims(), [4, 3]);
        assert_eq!(a.as_slice(), &[1, 2, 3, 11, 12, 13, 21, 22, 23, 31, 32, 33]);
        let b = x.slice_by::<0, FromEnd<2>, Ix<4>>();
        assert_eq!(b.as_slice(), &[20, 21, 22, 23, 24, 30, 31, 32, 33, 34]);
        assert_eq!(x.slice::<0, 2, 4>().as_slice(), b.as_slice());
        assert_eq!(x.slice_from::<0, 2>().as_slice(), b.as_slice());
        let c = x.slice_sized::<1, 1, -1, 3>();
        assert_eq!(c.as_slice(), a.as_slice());
        let empty = x.slice::<1, 2, 2>();
        assert_eq!(empty.dims(), [4, 0]);
    }

    #[test]
    fn length_one_slices_are_one() {
        let x = Tensor::<shape![4, 5], i32>::from_fn(|i| (i[0] * 10 + i[1]) as i32);
        let row: Tensor<shape![1, 5], i32> = x.slice::<0, 2, 3>();
        assert_eq!(row.as_slice(), &[20, 21, 22, 23, 24]);
        let col: Tensor<(crate::Sz<4>, crate::One), i32> =
            x.slice_by::<1, FromEnd<1>, FromEnd<0>>();
        assert_eq!(col.as_slice(), &[4, 14, 24, 34]);
    }

    #[test]
    fn run_time_axes_are_checked_when_the_program_runs() {
        let x = Tensor::<(Dyn, Sz<2>), i32>::from_dims_vec(&[3, 2], (0..6).collect()).unwrap();
        // Both ends from the start: the length is static even on a `Dyn` axis.
        let a: Tensor<shape![2, 2], i32> = x.slice::<0, 1, 3>();
        assert_eq!(a.as_slice(), &[2, 3, 4, 5]);
        let b: Tensor<shape![_, 2], i32> = x.slice_trim::<0, 1, 1>();
        assert_eq!(b.as_slice(), &[2, 3]);
        assert_eq!(
            x.try_slice_trim_by_name().unwrap_err().to_string(),
            "slice: shape (3, 2) and range 2..-2 do not fit: the range runs past axis 0"
        );
        assert!(x.try_slice::<0, 2, 4>().is_err());
    }
}
