//! The operands of the products: [`MatRef`], a strided read-only matrix
//! view that carries its rows, columns and strides, and [`MatMut`], a
//! row-major output. A view is checked when it is made: its last element
//! lies inside its buffer (computed with checked arithmetic) and its
//! strides fit in an `isize`. The kernels rely on that and do not check
//! again.

use super::matmul::MatmulError;

/// A `rows x cols` matrix read from `data`: element `(i, j)` is
/// `data[i * rs + j * cs]`. A transposed view swaps the strides; no copy is
/// made.
///
/// ```
/// use shaped_core::kernels::MatRef;
/// let data = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let a = MatRef::row_major(&data, 2, 3).unwrap();
/// assert_eq!((a.rows(), a.cols(), a.get(1, 2)), (2, 3, 6.0));
/// assert_eq!(a.t().get(2, 1), 6.0);
/// assert!(MatRef::row_major(&data, 3, 3).is_err());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, E> {
    pub(crate) data: &'a [E],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

/// Rows this many floats (4 KiB) apart or more are copied side by side
/// before a kernel reads a block of them again and again, where it would
/// otherwise read them in place. A cache keeps a line in a set chosen by
/// its address's low bits, so rows a multiple of 4 KiB apart (a layer 1024
/// or 2048 wide) share a few sets, and a block of a few hundred of them
/// evicts itself from the L1 and L2 caches. (Widths between the multiples
/// alias less; the rule copies them too, for one threshold.)
pub(crate) const FAR_ROWS: usize = 1024;

/// Whether a `rows x cols` matrix with strides `rs`, `cs` lies inside a
/// buffer of `len` elements, computed without overflow.
pub(crate) fn fits(len: usize, rows: usize, cols: usize, rs: usize, cs: usize) -> bool {
    if rows == 0 || cols == 0 {
        return true;
    }
    let last = (rows - 1)
        .checked_mul(rs)
        .and_then(|r| r.checked_add((cols - 1).checked_mul(cs)?));
    let strides_fit = rs <= isize::MAX as usize && cs <= isize::MAX as usize;
    strides_fit && last.is_some_and(|last| last < len)
}

impl<'a, E: Copy> MatRef<'a, E> {
    /// A view with any strides; an error if it does not lie inside `data`
    /// (or a stride exceeds `isize::MAX`).
    ///
    /// ```
    /// use shaped_core::kernels::MatRef;
    /// let data = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// // Every other column of a 2 x 3 matrix: a 2 x 2 view.
    /// let a = MatRef::new(&data, 2, 2, 3, 2).unwrap();
    /// assert_eq!((a.get(0, 1), a.get(1, 1), a.row_stride(), a.col_stride()), (3.0, 6.0, 3, 2));
    /// // A view whose last element lies past the buffer is refused.
    /// assert!(MatRef::new(&data, 2, 3, 3, 2).is_err());
    /// assert!(MatRef::new(&data, 2, 2, usize::MAX, 1).is_err());
    /// ```
    pub fn new(
        data: &'a [E],
        rows: usize,
        cols: usize,
        rs: usize,
        cs: usize,
    ) -> Result<Self, MatmulError> {
        if !fits(data.len(), rows, cols, rs, cs) {
            return Err(MatmulError::OutOfBounds {
                rows,
                cols,
                rs,
                cs,
                len: data.len(),
            });
        }
        Ok(MatRef {
            data,
            rows,
            cols,
            rs,
            cs,
        })
    }
    /// The row-major `rows x cols` matrix at the start of `data`.
    pub fn row_major(data: &'a [E], rows: usize, cols: usize) -> Result<Self, MatmulError> {
        Self::new(data, rows, cols, cols, 1)
    }
    /// Whether the rows are contiguous and one after another, as
    /// [`row_major`](Self::row_major) makes them (a single row needs no
    /// row stride).
    pub(crate) fn is_row_major(&self) -> bool {
        self.cs == 1 && (self.rs == self.cols || self.rows <= 1)
    }
    /// The transpose: `cols x rows`, no copy.
    pub fn t(self) -> Self {
        MatRef {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }
    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Distance between rows.
    pub fn row_stride(&self) -> usize {
        self.rs
    }
    /// Distance between columns.
    pub fn col_stride(&self) -> usize {
        self.cs
    }
    /// The buffer viewed.
    pub fn data(&self) -> &'a [E] {
        self.data
    }
    /// Element `(i, j)`; panics outside the matrix.
    pub fn get(&self, i: usize, j: usize) -> E {
        assert!(
            i < self.rows && j < self.cols,
            "MatRef: ({i}, {j}) is outside"
        );
        self.data[i * self.rs + j * self.cs]
    }
}

/// A row-major `rows x cols` output, contiguous (rows `cols` apart).
///
/// ```
/// use shaped_core::kernels::MatMut;
/// let mut c = vec![0.0f32; 6];
/// let v = MatMut::row_major(&mut c, 2, 3).unwrap();
/// assert_eq!((v.rows(), v.cols()), (2, 3));
/// assert!(MatMut::row_major(&mut c, 4, 3).is_err());
/// ```
#[derive(Debug)]
pub struct MatMut<'a, E> {
    pub(crate) data: &'a mut [E],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
}

impl<'a, E> MatMut<'a, E> {
    /// The first `rows x cols` elements of `data`, row-major; an error if
    /// `data` is shorter (or `rows x cols` overflows).
    pub fn row_major(data: &'a mut [E], rows: usize, cols: usize) -> Result<Self, MatmulError> {
        let len = data.len();
        match rows.checked_mul(cols) {
            Some(need) if need <= len => Ok(MatMut {
                data: &mut data[..need],
                rows,
                cols,
            }),
            _ => Err(MatmulError::OutOfBounds {
                rows,
                cols,
                rs: cols,
                cs: 1,
                len,
            }),
        }
    }
    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
}
