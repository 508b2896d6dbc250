//! Messages built at compile time: a `const` assert can only panic with a
//! `&str`, so the numbers (shapes, ranges) are written into a fixed buffer by
//! `const fn`s first. This puts them in the error's headline.

/// A short text assembled in a `const fn`. Text past the capacity is cut.
pub(crate) struct ConstMsg {
    buf: [u8; 240],
    len: usize,
}

impl ConstMsg {
    pub(crate) const fn new() -> Self {
        ConstMsg {
            buf: [0; 240],
            len: 0,
        }
    }

    /// Appends ASCII text.
    pub(crate) const fn str(mut self, s: &str) -> Self {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() && self.len < self.buf.len() {
            self.buf[self.len] = b[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// Appends a number in decimal.
    pub(crate) const fn num(mut self, n: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut k = 0;
        let mut m = n;
        loop {
            digits[k] = b'0' + (m % 10) as u8;
            k += 1;
            m /= 10;
            if m == 0 {
                break;
            }
        }
        while k > 0 && self.len < self.buf.len() {
            k -= 1;
            self.buf[self.len] = digits[k];
            self.len += 1;
        }
        self
    }

    /// Appends a signed number in decimal.
    pub(crate) const fn int(self, n: isize) -> Self {
        if n < 0 {
            self.str("-").num(n.unsigned_abs())
        } else {
            self.num(n as usize)
        }
    }

    /// Appends a shape as numpy prints it, `_` for a run-time dim: `(_, 28)`.
    pub(crate) const fn dims(self, dims: &[Option<usize>]) -> Self {
        let mut m = self.str("(");
        let mut i = 0;
        while i < dims.len() {
            if i > 0 {
                m = m.str(", ");
            }
            m = match dims[i] {
                Some(n) => m.num(n),
                None => m.str("_"),
            };
            i += 1;
        }
        if dims.len() == 1 {
            m = m.str(",");
        }
        m.str(")")
    }

    /// The text. Only ASCII is ever written, so this cannot fail; a cut
    /// inside a character cannot happen either.
    pub(crate) const fn as_str(&self) -> &str {
        let (head, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(head) {
            Ok(s) => s,
            Err(_) => "(message)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ConstMsg;

    #[test]
    fn writes_numbers_and_shapes() {
        const M: ConstMsg = ConstMsg::new()
            .str("x ")
            .num(0)
            .str(" ")
            .num(60000)
            .str(" ")
            .int(-7)
            .str(" ")
            .dims(&[None, Some(28)])
            .str(" ")
            .dims(&[Some(5)]);
        assert_eq!(M.as_str(), "x 0 60000 -7 (_, 28) (5,)");
    }
}
