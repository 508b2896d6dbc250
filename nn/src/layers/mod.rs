//! The built-in layers, one a file.

pub mod activation;
pub mod avg_pool2d;
pub mod conv2d;
pub mod dense;
pub mod dropout;
pub mod flatten;
pub mod max_pool2d;
pub mod refused;
pub mod tape_layer;
