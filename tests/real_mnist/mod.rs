//! Where the end-to-end tests find real MNIST: `$MNIST_DIR`, else the
//! shared copy beside the repository. `None` when neither holds it; the
//! test then prints a SKIPPED line and returns.

use std::path::PathBuf;

/// The first folder holding MNIST's training images, gzipped or not.
pub fn data_dir() -> Option<PathBuf> {
    let env = std::env::var_os("MNIST_DIR").map(PathBuf::from);
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist");
    env.into_iter().chain([beside]).find(|d| {
        d.join("train-images-idx3-ubyte.gz").exists() || d.join("train-images-idx3-ubyte").exists()
    })
}
