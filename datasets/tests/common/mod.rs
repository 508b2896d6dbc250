//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// Says loudly that a test is skipped: straight to the process's stderr, so
/// that the test harness's output capture does not swallow it.
pub fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// The folder of the real MNIST files: `$MNIST_DIR` if set (it must exist),
/// else the first `shared/data/mnist` found beside the crate root or one of
/// its ancestors (the project keeps a copy in `../shared/data/mnist` from the
/// repository root). `None`, after a loud line on stderr, when there is none.
pub fn mnist_dir(test: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MNIST_DIR") {
        let dir = PathBuf::from(dir);
        assert!(dir.is_dir(), "MNIST_DIR={} is not a folder", dir.display());
        return Some(dir);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = root
        .ancestors()
        .map(|a| a.join("shared/data/mnist"))
        .find(|d| d.is_dir());
    if found.is_none() {
        skip(
            test,
            &format!(
                "real MNIST not found in shared/data/mnist beside {} or any of its \
                 ancestors; set MNIST_DIR to a folder holding the four files",
                root.display()
            ),
        );
    }
    found
}

/// A fresh, empty temporary folder for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("datasets-it-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Gunzips when the bytes are gzipped.
pub fn raw(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        bytes.to_vec()
    }
}
