//! Tensor operations, one kind a file.

pub mod axes;
pub mod binary;
pub mod compare;
pub mod concat;
pub mod dot;
pub mod index;
pub mod reduce;
pub mod reshape;
pub mod scalar;
pub mod slice;
pub mod softmax;
pub mod unary;
