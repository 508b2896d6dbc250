//! Reader for the IDX format of the MNIST files, raw or gzipped.
//!
//! An IDX file is a 4-byte magic number (two zero bytes, an element type
//! code, the rank), then `rank` big-endian `u32` dimensions, then the
//! elements in row-major order. Only `u8` elements are decoded; the other
//! IDX types are recognised and reported by name.
//!
//! Nothing here trusts the header: the data is only ever copied from what is
//! actually present, so a header that claims gigabytes on a tiny file costs
//! nothing, and no input makes the reader panic.

use std::io::{self, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

pub use super::elem_type::ElemType;
use super::error::{DatasetError, IdxError};

/// The first two bytes of every gzip stream.
pub(super) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A decoded IDX array of `u8`: its dimensions and its elements in row-major
/// order. `data().len()` is always the product of `dims()`, which is never 0.
///
/// # Examples
///
/// ```
/// use shaped_datasets::idx;
///
/// // 2 x 3 bytes.
/// let bytes = [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6];
/// let a = idx::parse(&bytes)?;
/// assert_eq!(a.dims(), &[2, 3]);
/// assert_eq!(a.data(), &[1, 2, 3, 4, 5, 6]);
/// # Ok::<(), shaped_datasets::IdxError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    dims: Vec<usize>,
    data: Vec<u8>,
}

impl IdxArray {
    /// The dimensions, outermost first (e.g. `[60000, 28, 28]`).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = shaped_datasets::idx::parse(&[0, 0, 8, 1, 0, 0, 0, 2, 7, 9])?;
    /// assert_eq!(a.dims(), &[2]);
    /// # Ok::<(), shaped_datasets::IdxError>(())
    /// ```
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// The elements in row-major order.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = shaped_datasets::idx::parse(&[0, 0, 8, 1, 0, 0, 0, 2, 7, 9])?;
    /// assert_eq!(a.data(), &[7, 9]);
    /// # Ok::<(), shaped_datasets::IdxError>(())
    /// ```
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Takes the dimensions and the elements apart without copying.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = shaped_datasets::idx::parse(&[0, 0, 8, 1, 0, 0, 0, 2, 7, 9])?;
    /// let (dims, data) = a.into_parts();
    /// assert_eq!((dims, data), (vec![2], vec![7, 9]));
    /// # Ok::<(), shaped_datasets::IdxError>(())
    /// ```
    pub fn into_parts(self) -> (Vec<usize>, Vec<u8>) {
        (self.dims, self.data)
    }
}

/// Parses an IDX file held in memory, raw or gzipped (recognised by the
/// gzip magic bytes `1f 8b`).
///
/// The element type must be `u8` and the rank 1 to 4; the data must be
/// exactly as long as the dimensions say.
///
/// # Errors
///
/// An [`IdxError`] saying what is wrong; never panics.
///
/// # Examples
///
/// ```
/// use shaped_datasets::{idx, IdxError};
///
/// let ok = idx::parse(&[0, 0, 0x08, 1, 0, 0, 0, 3, 5, 0, 4])?;
/// assert_eq!(ok.data(), &[5, 0, 4]);
///
/// // The header claims 3 labels but only 2 follow.
/// let err = idx::parse(&[0, 0, 0x08, 1, 0, 0, 0, 3, 5, 0]).unwrap_err();
/// assert!(matches!(err, IdxError::Truncated { claimed: 3, actual: 2, .. }));
/// # Ok::<(), IdxError>(())
/// ```
pub fn parse(bytes: &[u8]) -> Result<IdxArray, IdxError> {
    if bytes.starts_with(&GZIP_MAGIC) {
        parse_gzip(bytes)
    } else {
        parse_raw(bytes)
    }
}

/// Reads and parses an IDX file, raw or gzipped.
///
/// # Errors
///
/// [`DatasetError::Io`] if the file cannot be read, [`DatasetError::Idx`]
/// if it is not a valid `u8` IDX file; both name the file.
///
/// # Examples
///
/// ```
/// use shaped_datasets::idx;
///
/// let path = std::env::temp_dir().join(format!("idx-doc-{}", std::process::id()));
/// std::fs::write(&path, [0, 0, 0x08, 1, 0, 0, 0, 2, 3, 1])?;
/// let labels = idx::read_file(&path)?;
/// assert_eq!(labels.data(), &[3, 1]);
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_file(path: impl AsRef<Path>) -> Result<IdxArray, DatasetError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        action: "read",
        source,
    })?;
    parse(&bytes).map_err(|source| DatasetError::Idx {
        path: path.to_path_buf(),
        source,
    })
}

/// Checks the 4-byte magic number; returns the rank.
fn check_magic(magic: [u8; 4]) -> Result<usize, IdxError> {
    if magic[0] != 0 || magic[1] != 0 {
        return Err(IdxError::BadMagic {
            first: [magic[0], magic[1]],
        });
    }
    let ty = ElemType::from_code(magic[2]).ok_or(IdxError::UnknownType { code: magic[2] })?;
    if ty != ElemType::U8 {
        return Err(IdxError::UnsupportedType { ty });
    }
    let rank = magic[3];
    if !(1..=4).contains(&rank) {
        return Err(IdxError::BadRank { rank });
    }
    Ok(usize::from(rank))
}

/// Decodes the big-endian dimensions and checks that their product (the
/// number of data bytes) is non-zero and addressable; returns both.
fn decode_dims(raw: &[u8]) -> Result<(Vec<usize>, usize), IdxError> {
    let dims: Vec<usize> = raw
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    if dims.contains(&0) {
        return Err(IdxError::ZeroDim { dims });
    }
    let total = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&t| t <= isize::MAX as usize);
    match total {
        Some(total) => Ok((dims, total)),
        None => Err(IdxError::TooLarge { dims }),
    }
}

/// The length check shared by both paths.
fn check_len(
    dims: &[usize],
    claimed: usize,
    actual: usize,
    header_len: usize,
    gzipped: bool,
) -> Result<(), IdxError> {
    use std::cmp::Ordering;
    match actual.cmp(&claimed) {
        Ordering::Equal => Ok(()),
        Ordering::Less => Err(IdxError::Truncated {
            dims: dims.to_vec(),
            claimed,
            actual,
            header_len,
            gzipped,
        }),
        Ordering::Greater => Err(IdxError::TrailingBytes {
            dims: dims.to_vec(),
            claimed,
            actual,
            header_len,
            gzipped,
        }),
    }
}

fn parse_raw(bytes: &[u8]) -> Result<IdxArray, IdxError> {
    let magic: [u8; 4] = match bytes.get(..4) {
        Some(m) => [m[0], m[1], m[2], m[3]],
        None => {
            return Err(IdxError::TooShort {
                len: bytes.len(),
                gzipped: false,
            })
        }
    };
    let rank = check_magic(magic)?;
    let header_len = 4 + 4 * rank;
    let Some(raw_dims) = bytes.get(4..header_len) else {
        return Err(IdxError::TruncatedHeader {
            rank: rank as u8,
            needed: header_len,
            len: bytes.len(),
            gzipped: false,
        });
    };
    let (dims, claimed) = decode_dims(raw_dims)?;
    let body = &bytes[header_len..];
    check_len(&dims, claimed, body.len(), header_len, false)?;
    Ok(IdxArray {
        dims,
        data: body.to_vec(),
    })
}

fn gzip_error(e: io::Error) -> IdxError {
    IdxError::Gzip {
        message: e.to_string(),
    }
}

/// Reads at most `n` bytes (fewer only at the end of the stream).
fn read_up_to(r: &mut impl Read, n: usize) -> Result<Vec<u8>, IdxError> {
    let mut buf = Vec::new();
    r.take(n as u64).read_to_end(&mut buf).map_err(gzip_error)?;
    Ok(buf)
}

fn parse_gzip(bytes: &[u8]) -> Result<IdxArray, IdxError> {
    // MultiGzDecoder, so that bytes after the first gzip member are decoded
    // (and checked) too rather than silently ignored.
    let mut dec = MultiGzDecoder::new(bytes);
    let head = read_up_to(&mut dec, 4)?;
    let magic: [u8; 4] = match head[..] {
        [a, b, c, d] => [a, b, c, d],
        _ => {
            return Err(IdxError::TooShort {
                len: head.len(),
                gzipped: true,
            })
        }
    };
    let rank = check_magic(magic)?;
    let header_len = 4 + 4 * rank;
    let raw_dims = read_up_to(&mut dec, 4 * rank)?;
    if raw_dims.len() < 4 * rank {
        return Err(IdxError::TruncatedHeader {
            rank: rank as u8,
            needed: header_len,
            len: 4 + raw_dims.len(),
            gzipped: true,
        });
    }
    let (dims, claimed) = decode_dims(&raw_dims)?;
    // The vector grows with what the stream really yields: a header that
    // lies about the size cannot make us reserve memory up front. One byte
    // past the claim is enough to tell that there are trailing bytes.
    let mut data = Vec::new();
    (&mut dec)
        .take(claimed as u64 + 1)
        .read_to_end(&mut data)
        .map_err(gzip_error)?;
    let mut actual = data.len();
    if actual > claimed {
        // Count (and CRC-check) the rest without keeping it.
        let rest = io::copy(&mut dec, &mut io::sink()).map_err(gzip_error)?;
        actual = actual.saturating_add(usize::try_from(rest).unwrap_or(usize::MAX));
    }
    check_len(&dims, claimed, actual, header_len, true)?;
    data.shrink_to_fit();
    Ok(IdxArray { dims, data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    /// A raw IDX file of `u8` with the given dims and body.
    fn idx(dims: &[u32], body: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 0x08, dims.len() as u8];
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend_from_slice(body);
        v
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn parses_each_rank_raw_and_gzipped() {
        let cases: [(&[u32], usize); 4] = [
            (&[5], 5),
            (&[2, 3], 6),
            (&[2, 2, 3], 12),
            (&[1, 2, 2, 2], 8),
        ];
        for (dims, n) in cases {
            let body: Vec<u8> = (0..n as u8).collect();
            let raw = idx(dims, &body);
            let want: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
            for bytes in [raw.clone(), gz(&raw)] {
                let a = parse(&bytes).unwrap();
                assert_eq!(a.dims(), &want[..]);
                assert_eq!(a.data(), &body[..]);
            }
        }
    }

    #[test]
    fn empty_and_short_inputs() {
        for len in 0..4 {
            let bytes = &[0u8, 0, 8][..len.min(3)];
            assert_eq!(
                parse(bytes),
                Err(IdxError::TooShort {
                    len: bytes.len(),
                    gzipped: false
                })
            );
        }
        assert_eq!(
            parse(&gz(&[0, 0])),
            Err(IdxError::TooShort {
                len: 2,
                gzipped: true
            })
        );
    }

    #[test]
    fn wrong_magic() {
        let err = parse(&[0, 1, 8, 1, 0, 0, 0, 1, 0]).unwrap_err();
        assert_eq!(err, IdxError::BadMagic { first: [0, 1] });
        assert!(err.to_string().contains("0x00 0x01"), "{err}");
        // Text is not IDX either.
        assert!(matches!(
            parse(b"hello world"),
            Err(IdxError::BadMagic { .. })
        ));
    }

    #[test]
    fn unknown_and_unsupported_types() {
        let err = parse(&[0, 0, 0x0a, 1, 0, 0, 0, 1, 0]).unwrap_err();
        assert_eq!(err, IdxError::UnknownType { code: 0x0a });
        for (code, name) in [
            (0x09, "i8"),
            (0x0b, "i16"),
            (0x0c, "i32"),
            (0x0d, "f32"),
            (0x0e, "f64"),
        ] {
            let err = parse(&[0, 0, code, 1, 0, 0, 0, 1, 0]).unwrap_err();
            assert!(matches!(err, IdxError::UnsupportedType { .. }));
            let msg = err.to_string();
            assert!(msg.contains(&format!("element type {name} ")), "{msg}");
        }
    }

    #[test]
    fn bad_rank() {
        for rank in [0u8, 5, 255] {
            let err = parse(&[0, 0, 8, rank, 0, 0, 0, 1, 0]).unwrap_err();
            assert_eq!(err, IdxError::BadRank { rank });
        }
    }

    #[test]
    fn truncated_header() {
        let err = parse(&[0, 0, 8, 3, 0, 0, 0, 1, 0, 0]).unwrap_err();
        assert_eq!(
            err,
            IdxError::TruncatedHeader {
                rank: 3,
                needed: 16,
                len: 10,
                gzipped: false
            }
        );
        let err = parse(&gz(&[0, 0, 8, 3, 0, 0, 0, 1, 0, 0])).unwrap_err();
        assert!(matches!(
            err,
            IdxError::TruncatedHeader { gzipped: true, .. }
        ));
    }

    #[test]
    fn zero_dimension() {
        let err = parse(&idx(&[3, 0, 2], &[])).unwrap_err();
        assert_eq!(
            err,
            IdxError::ZeroDim {
                dims: vec![3, 0, 2]
            }
        );
        assert_eq!(
            err.to_string(),
            "header dimensions 3 x 0 x 2 contain a zero"
        );
    }

    #[test]
    fn dimensions_overflow() {
        let max = u32::MAX;
        let err = parse(&idx(&[max, max, max, max], &[1, 2, 3])).unwrap_err();
        assert!(matches!(err, IdxError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn truncated_body() {
        let bytes = idx(&[3, 2, 2], &[1; 11]);
        let err = parse(&bytes).unwrap_err();
        assert_eq!(
            err.to_string(),
            "header claims 3 x 2 x 2 = 12 bytes but the file holds only 11 after its 16-byte header"
        );
        let err = parse(&gz(&bytes)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "header claims 3 x 2 x 2 = 12 bytes but the file holds only 11 after its \
             16-byte header once decompressed"
        );
    }

    #[test]
    fn trailing_bytes() {
        let bytes = idx(&[4], &[1; 7]);
        let err = parse(&bytes).unwrap_err();
        assert_eq!(
            err,
            IdxError::TrailingBytes {
                dims: vec![4],
                claimed: 4,
                actual: 7,
                header_len: 8,
                gzipped: false
            }
        );
        assert!(err.to_string().ends_with("(3 trailing bytes)"), "{err}");
        // Gzipped, the trailing count is exact too.
        let err = parse(&gz(&idx(&[4], &[1; 1000]))).unwrap_err();
        assert!(
            matches!(
                err,
                IdxError::TrailingBytes {
                    actual: 1000,
                    gzipped: true,
                    ..
                }
            ),
            "{err}"
        );
        // A second gzip member is data too, not something to ignore.
        let mut two = gz(&idx(&[4], &[1; 4]));
        two.extend(gz(&[9, 9]));
        assert!(matches!(
            parse(&two),
            Err(IdxError::TrailingBytes { actual: 6, .. })
        ));
    }

    #[test]
    fn lying_header_is_cheap() {
        // Claims 4294967295 x 65535 / 65535^3 bytes on a body of 10.
        let started = std::time::Instant::now();
        for dims in [&[u32::MAX, 65_535][..], &[65_535, 65_535, 65_535][..]] {
            let bytes = idx(dims, &[7; 10]);
            assert!(matches!(
                parse(&bytes),
                Err(IdxError::Truncated { actual: 10, .. })
            ));
            assert!(matches!(
                parse(&gz(&bytes)),
                Err(IdxError::Truncated { actual: 10, .. })
            ));
        }
        assert!(started.elapsed().as_secs() < 2);
    }

    #[test]
    fn corrupt_gzip() {
        let good = gz(&idx(&[3, 10], &[42; 30]));
        assert!(parse(&good).is_ok());
        // Only the gzip magic.
        assert!(matches!(parse(&GZIP_MAGIC), Err(IdxError::Gzip { .. })));
        // Garbage after a valid-looking gzip header.
        let mut garbage = good[..10].to_vec();
        garbage.extend_from_slice(&[0xff; 40]);
        assert!(matches!(parse(&garbage), Err(IdxError::Gzip { .. })));
        // Wrong CRC in the trailer.
        let mut bad_crc = good.clone();
        let n = bad_crc.len();
        bad_crc[n - 8] ^= 1;
        assert!(matches!(parse(&bad_crc), Err(IdxError::Gzip { .. })));
        // Wrong length in the trailer.
        let mut bad_len = good.clone();
        bad_len[n - 1] ^= 1;
        assert!(matches!(parse(&bad_len), Err(IdxError::Gzip { .. })));
        // Cut anywhere.
        for cut in 0..n {
            assert!(parse(&good[..cut]).is_err(), "cut at {cut}");
        }
    }
}
