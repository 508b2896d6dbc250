//! SHA-256 of the uncompressed content of a file, raw or gzipped.

use std::io;
use std::path::Path;

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

use super::catalog::FileSpec;
use super::error::{DatasetError, IdxError};
use super::idx::GZIP_MAGIC;

/// Lower-case hex SHA-256 of the bytes, gunzipped first (streaming, without
/// holding the uncompressed data) when they start with the gzip magic.
pub(super) fn raw_sha256(bytes: &[u8]) -> Result<String, IdxError> {
    let mut hasher = Sha256::new();
    if bytes.starts_with(&GZIP_MAGIC) {
        io::copy(&mut MultiGzDecoder::new(bytes), &mut hasher).map_err(|e| IdxError::Gzip {
            message: e.to_string(),
        })?;
    } else {
        hasher.update(bytes);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

impl FileSpec {
    /// Checks that `bytes` (raw or gzipped) uncompress to exactly this file;
    /// `path` only names the bytes in the error.
    ///
    /// # Errors
    ///
    /// [`DatasetError::Checksum`] if the SHA-256 differs,
    /// [`DatasetError::Idx`] if gzipped bytes do not decompress.
    ///
    /// # Examples
    ///
    /// ```
    /// use shaped_datasets::{DatasetError, Which};
    ///
    /// let spec = &Which::Mnist.files()[3];
    /// let err = spec.verify_bytes(spec.name.as_ref(), b"not the labels").unwrap_err();
    /// assert!(matches!(err, DatasetError::Checksum { .. }));
    /// ```
    pub fn verify_bytes(&self, path: &Path, bytes: &[u8]) -> Result<(), DatasetError> {
        let actual = raw_sha256(bytes).map_err(|source| DatasetError::Idx {
            path: path.to_path_buf(),
            source,
        })?;
        if actual == self.sha256 {
            Ok(())
        } else {
            Err(DatasetError::Checksum {
                path: path.to_path_buf(),
                expected: self.sha256,
                actual,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    #[test]
    fn known_digests_raw_and_gzipped() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(raw_sha256(b"").unwrap(), empty);
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(raw_sha256(b"abc").unwrap(), abc);
        let mut e = GzEncoder::new(Vec::new(), Compression::best());
        e.write_all(b"abc").unwrap();
        assert_eq!(raw_sha256(&e.finish().unwrap()).unwrap(), abc);
        assert!(matches!(
            raw_sha256(&[0x1f, 0x8b, 0, 0]),
            Err(IdxError::Gzip { .. })
        ));
    }
}
