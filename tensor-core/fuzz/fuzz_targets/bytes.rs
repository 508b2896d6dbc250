//! The fuzzer's bytes read as small numbers and values (shared by the
//! fuzz targets of this crate).

// Each target uses part of it.
#![allow(dead_code)]

/// Reads the fuzzer's bytes as small numbers; zeros once they run out.
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        self.u8() as usize % n
    }
    /// A value: ordinary numbers mostly, and each special value.
    pub fn value(&mut self, specials: bool) -> f32 {
        let b = self.u8();
        let x = (self.u16() as f32 - 32768.0) / 4096.0;
        match b % 32 {
            0 => 0.0,
            1 => -0.0,
            2 if specials => f32::NAN,
            3 if specials => f32::INFINITY,
            4 if specials => f32::NEG_INFINITY,
            5 => f32::from_bits(1 + self.u16() as u32), // subnormal
            6 => -f32::MIN_POSITIVE / 2.0,
            7..=14 => 0.0, // sparse inputs
            _ => x,
        }
    }
}
