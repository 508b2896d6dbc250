//! Which form of a dataset file a folder holds: raw or gzipped.

use std::path::{Path, PathBuf};

use super::error::DatasetError;

/// The path of `name` in `dir`: raw if present, else gzipped.
pub(super) fn locate(dir: &Path, name: &'static str) -> Result<PathBuf, DatasetError> {
    let raw = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    for path in [&raw, &gz] {
        if path.exists() && !path.is_file() {
            return Err(DatasetError::NotAFile {
                path: path.clone(),
                name,
            });
        }
    }
    if raw.is_file() {
        return Ok(raw);
    }
    if gz.is_file() {
        return Ok(gz);
    }
    Err(DatasetError::Missing {
        dir: dir.to_path_buf(),
        name,
    })
}
