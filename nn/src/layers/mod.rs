//! The built-in layers, one a file.

pub mod activation;
pub mod dense;
pub mod dropout;
pub mod flatten;
pub mod tape_layer;
