//! # shaped
//!
//! Deep learning in Rust with tensors whose shapes the compiler checks.
//! This facade re-exports the workspace's crates.

#![warn(missing_docs)]

pub use nn;
pub use tensor_core;
pub use tensor_core::*;
pub use tensor_macros::*;
