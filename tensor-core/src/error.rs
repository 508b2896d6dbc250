//! Run-time shape errors: raised only where a size is unknown until run time.

use core::fmt;

/// A shape mismatch found at run time (a [`Dyn`](crate::Dyn) size that does
/// not fit), naming the operation and both shapes.
///
/// ```
/// use shaped_core::{shape, Dyn, Sz, Tensor};
/// let a = Tensor::<shape![_, 3]>::zeros_with((Dyn(2), Sz));
/// let b = Tensor::<shape![_, 3]>::zeros_with((Dyn(4), Sz));
/// let err = a.try_add(&b).unwrap_err();
/// assert_eq!(err.to_string(), "add: shapes (2, 3) and (4, 3) do not broadcast");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeError {
    /// The operation.
    pub op: &'static str,
    /// The first operand's shape, as numpy prints it: `(2, 3)`.
    pub lhs: String,
    /// The second operand's shape, or the requested shape type (`_` marks a
    /// run-time dim): `(_, 7)`.
    pub rhs: String,
    /// What is wrong, in words.
    pub reason: String,
    /// Whether `rhs` is an argument (a range, an index) rather than a shape.
    pub rhs_is_argument: bool,
}

impl ShapeError {
    /// A new error.
    ///
    /// ```
    /// use shaped_core::ShapeError;
    /// let e = ShapeError::new("add", &[2, 3], &[4], "do not broadcast");
    /// assert_eq!(e.to_string(), "add: shapes (2, 3) and (4,) do not broadcast");
    /// ```
    pub fn new(op: &'static str, lhs: &[usize], rhs: &[usize], reason: impl Into<String>) -> Self {
        ShapeError {
            op,
            lhs: fmt_dims(lhs),
            rhs: fmt_dims(rhs),
            reason: reason.into(),
            rhs_is_argument: false,
        }
    }

    /// An error between a shape and an argument (a range, an index):
    /// `narrow: shape (1000, 28, 28) and range 896..1024 do not fit: ...`.
    ///
    /// ```
    /// use shaped_core::ShapeError;
    /// let e = ShapeError::with_argument("narrow", &[1000, 28, 28], "range 896..1024", "do not fit");
    /// assert!(e.to_string().starts_with("narrow: shape (1000, 28, 28) and range 896..1024"));
    /// ```
    pub fn with_argument(
        op: &'static str,
        lhs: &[usize],
        argument: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ShapeError {
            op,
            lhs: fmt_dims(lhs),
            rhs: argument.into(),
            reason: reason.into(),
            rhs_is_argument: true,
        }
    }

    /// An error between a value's sizes and a shape type `S`.
    ///
    /// ```
    /// use shaped_core::{shape, ShapeError};
    /// let e = ShapeError::against_type::<shape![_, 2]>("from_dims_vec", &[2, 3], "do not fit");
    /// assert_eq!(e.to_string(), "from_dims_vec: shapes (2, 3) and (_, 2) do not fit");
    /// ```
    pub fn against_type<S: crate::Shape>(
        op: &'static str,
        lhs: &[usize],
        reason: impl Into<String>,
    ) -> Self {
        ShapeError {
            op,
            lhs: fmt_dims(lhs),
            rhs: crate::shape::shape_name::<S>(),
            reason: reason.into(),
            rhs_is_argument: false,
        }
    }
}

/// Formats sizes as numpy does: `(2, 3)`, `(5,)`, `()`.
pub(crate) fn fmt_dims(d: &[usize]) -> String {
    match d {
        [x] => format!("({x},)"),
        _ => format!(
            "({})",
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rhs_is_argument {
            write!(
                f,
                "{}: shape {} and {} {}",
                self.op, self.lhs, self.rhs, self.reason
            )
        } else {
            write!(
                f,
                "{}: shapes {} and {} {}",
                self.op, self.lhs, self.rhs, self.reason
            )
        }
    }
}

impl std::error::Error for ShapeError {}
