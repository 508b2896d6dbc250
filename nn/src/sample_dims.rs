//! [`SampleDims`], the dims of one sample as a [`LayerSpec`](crate::LayerSpec)
//! computes them in a `const fn`, and [`Reason`], the message a layer gives
//! when it cannot take its input: both built at compile time, so that
//! `model!` can compute every size and print refusals with plain numbers.

use shaped_core::Shape;

/// The largest sample rank a layer can compute (a batch adds one axis).
pub const MAX_RANK: usize = 5;

/// The dims of one sample (no batch axis), computed at compile time.
///
/// ```
/// use shaped_nn::SampleDims;
/// use shaped_core::shape;
/// const D: SampleDims = SampleDims::of::<shape![28, 28]>();
/// assert_eq!(D.as_slice(), &[28, 28]);
/// assert_eq!(D.numel(), 784);
/// assert_eq!(SampleDims::new(&[26, 26, 32]).dim(2), 32);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleDims {
    rank: usize,
    dims: [usize; MAX_RANK],
}

impl SampleDims {
    /// The dims given. In a `const`, more than [`MAX_RANK`] dims is a
    /// compile error.
    pub const fn new(dims: &[usize]) -> SampleDims {
        assert!(
            dims.len() <= MAX_RANK,
            "a sample has at most 5 axes (6 with the batch)"
        );
        let mut out = [0; MAX_RANK];
        let mut i = 0;
        while i < dims.len() {
            out[i] = dims[i];
            i += 1;
        }
        SampleDims {
            rank: dims.len(),
            dims: out,
        }
    }

    /// The dims of a static shape type. A run-time (`Dyn`) dim counts as 0:
    /// layers only meet static sample shapes.
    pub const fn of<S: Shape>() -> SampleDims {
        let st = S::STATIC_DIMS;
        assert!(
            st.len() <= MAX_RANK,
            "a sample has at most 5 axes (6 with the batch)"
        );
        let mut out = [0; MAX_RANK];
        let mut i = 0;
        while i < st.len() {
            out[i] = match st[i] {
                Some(d) => d,
                None => 0,
            };
            i += 1;
        }
        SampleDims {
            rank: st.len(),
            dims: out,
        }
    }

    /// The number of axes.
    pub const fn rank(&self) -> usize {
        self.rank
    }

    /// The size of axis `i`; 0 past the rank.
    pub const fn dim(&self, i: usize) -> usize {
        if i < self.rank {
            self.dims[i]
        } else {
            0
        }
    }

    /// The dims as a slice.
    pub const fn as_slice(&self) -> &[usize] {
        self.dims.split_at(self.rank).0
    }

    /// The number of elements, or `None` when it overflows `usize`.
    pub const fn checked_numel(&self) -> Option<usize> {
        let mut n: usize = 1;
        let mut i = 0;
        while i < self.rank {
            n = match n.checked_mul(self.dims[i]) {
                Some(n) => n,
                None => return None,
            };
            i += 1;
        }
        Some(n)
    }

    /// The number of elements (saturating at `usize::MAX`).
    pub const fn numel(&self) -> usize {
        match self.checked_numel() {
            Some(n) => n,
            None => usize::MAX,
        }
    }

    /// Whether `other` has the same rank and dims: `==` in a `const fn`.
    ///
    /// ```
    /// use shaped_nn::SampleDims;
    /// const SAME: bool = SampleDims::new(&[512]).same(&SampleDims::new(&[512]));
    /// assert!(SAME);
    /// assert!(!SampleDims::new(&[512]).same(&SampleDims::new(&[500])));
    /// assert!(!SampleDims::new(&[4]).same(&SampleDims::new(&[4, 1])));
    /// ```
    pub const fn same(&self, other: &SampleDims) -> bool {
        if self.rank != other.rank {
            return false;
        }
        let mut i = 0;
        while i < self.rank {
            if self.dims[i] != other.dims[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}

/// Why a layer cannot take its input: a message of up to 240 bytes built in
/// a `const fn` (longer text is cut), which `model!` prints as the error's
/// headline.
///
/// ```
/// use shaped_nn::{Reason, SampleDims};
/// const R: Reason = Reason::new("Flatten<")
///     .num(768)
///     .text("> receives shape ")
///     .dims(SampleDims::new(&[28, 28]));
/// assert_eq!(R.as_str(), "Flatten<768> receives shape (28, 28)");
/// ```
#[derive(Clone, Copy)]
pub struct Reason {
    buf: [u8; Reason::CAPACITY],
    len: usize,
}

impl Reason {
    const CAPACITY: usize = 240;

    /// A message starting with `text`.
    pub const fn new(text: &str) -> Reason {
        Reason {
            buf: [0; Reason::CAPACITY],
            len: 0,
        }
        .text(text)
    }

    /// Appends `text` (whole characters only, so the message stays UTF-8).
    pub const fn text(mut self, text: &str) -> Reason {
        let b = text.as_bytes();
        if self.len + b.len() > Reason::CAPACITY {
            return self;
        }
        let mut i = 0;
        while i < b.len() {
            self.buf[self.len] = b[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// Appends `n` in decimal.
    pub const fn num(mut self, mut n: usize) -> Reason {
        let mut digits = [0u8; 20];
        let mut k = 0;
        loop {
            digits[k] = b'0' + (n % 10) as u8;
            k += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if self.len + k > Reason::CAPACITY {
            return self;
        }
        while k > 0 {
            k -= 1;
            self.buf[self.len] = digits[k];
            self.len += 1;
        }
        self
    }

    /// Appends a shape as numpy prints it: `(28, 28)`, `(784,)`.
    pub const fn dims(self, d: SampleDims) -> Reason {
        let mut r = self.text("(");
        let mut i = 0;
        while i < d.rank() {
            if i > 0 {
                r = r.text(", ");
            }
            r = r.num(d.dim(i));
            i += 1;
        }
        if d.rank() == 1 {
            r = r.text(",");
        }
        r.text(")")
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "(a layer's message was not UTF-8)",
        }
    }
}

impl core::fmt::Debug for Reason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Reason {
    fn eq(&self, other: &Reason) -> bool {
        self.as_str() == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_shapes_print_in_decimal() {
        const R: Reason = Reason::new("a ")
            .num(0)
            .text(" ")
            .num(usize::MAX)
            .text(" ")
            .dims(SampleDims::new(&[5408]))
            .text(" ")
            .dims(SampleDims::new(&[]));
        assert_eq!(R.as_str(), "a 0 18446744073709551615 (5408,) ()");
    }

    #[test]
    fn long_messages_are_cut_whole() {
        let mut r = Reason::new("");
        for _ in 0..100 {
            r = r.text("é").num(12345);
        }
        assert!(r.as_str().len() <= 240);
        assert!(r.as_str().starts_with("é12345é"));
    }

    #[test]
    fn numel_overflow_is_seen() {
        let d = SampleDims::new(&[usize::MAX, 2]);
        assert_eq!(d.checked_numel(), None);
        assert_eq!(d.numel(), usize::MAX);
        assert_eq!(SampleDims::new(&[13, 13, 32]).checked_numel(), Some(5408));
        assert_eq!(d.dim(7), 0);
    }
}
