//! The element types of the IDX format (`datasets::idx::ElemType`), a file
//! of their own so that the error types can name them without depending on
//! the parser.

use std::fmt;

/// The element types that the IDX format defines.
///
/// # Examples
///
/// ```
/// use shaped_datasets::idx::ElemType;
///
/// assert_eq!(ElemType::from_code(0x0d), Some(ElemType::F32));
/// assert_eq!(ElemType::F32.to_string(), "f32");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElemType {
    /// Unsigned byte, code 0x08.
    U8,
    /// Signed byte, code 0x09.
    I8,
    /// Big-endian `i16`, code 0x0b.
    I16,
    /// Big-endian `i32`, code 0x0c.
    I32,
    /// Big-endian `f32`, code 0x0d.
    F32,
    /// Big-endian `f64`, code 0x0e.
    F64,
}

impl ElemType {
    /// The type for an IDX type code, or `None` for an unknown code.
    ///
    /// # Examples
    ///
    /// ```
    /// use shaped_datasets::idx::ElemType;
    ///
    /// assert_eq!(ElemType::from_code(0x08), Some(ElemType::U8));
    /// assert_eq!(ElemType::from_code(0x0a), None);
    /// ```
    pub fn from_code(code: u8) -> Option<ElemType> {
        Some(match code {
            0x08 => ElemType::U8,
            0x09 => ElemType::I8,
            0x0b => ElemType::I16,
            0x0c => ElemType::I32,
            0x0d => ElemType::F32,
            0x0e => ElemType::F64,
            _ => return None,
        })
    }

    /// The IDX type code of this type.
    ///
    /// # Examples
    ///
    /// ```
    /// use shaped_datasets::idx::ElemType;
    ///
    /// assert_eq!(ElemType::I16.code(), 0x0b);
    /// ```
    pub fn code(self) -> u8 {
        match self {
            ElemType::U8 => 0x08,
            ElemType::I8 => 0x09,
            ElemType::I16 => 0x0b,
            ElemType::I32 => 0x0c,
            ElemType::F32 => 0x0d,
            ElemType::F64 => 0x0e,
        }
    }
}

impl fmt::Display for ElemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ElemType::U8 => "u8",
            ElemType::I8 => "i8",
            ElemType::I16 => "i16",
            ElemType::I32 => "i32",
            ElemType::F32 => "f32",
            ElemType::F64 => "f64",
        })
    }
}
