//! # shaped-core
//!
//! Tensors whose rank and shape are part of their type, so that shape
//! mistakes are compile errors:
//!
//! ```
//! use shaped_core::{shape, Tensor};
//! let x = Tensor::<shape![32, 10]>::ones();
//! let b = Tensor::<shape![10]>::ones();
//! let y: Tensor<shape![32, 10]> = &x + &b; // numpy broadcasting, checked by rustc
//! let w = Tensor::<shape![10, 4]>::ones();
//! let z: Tensor<shape![32, 4]> = y.dot(&w);
//! assert_eq!(z.as_slice()[0], 20.0);
//! ```
//!
//! `&x + &Tensor::<shape![9]>::ones()` or `x.dot(&Tensor::<shape![9, 4]>::ones())`
//! would not compile, and the error names both shapes.
//!
//! * [`dim`]: one axis, static ([`Sz<N>`](Sz), [`One`]) or run-time ([`Dyn`]).
//! * [`shape`](mod@shape): tuples of dims and the rules between them.
//! * [`tensor`]: the [`Tensor`] type and its attributes.
//! * [`storage`]: where the elements live: a `Vec`, or inline for a small
//!   static shape ([`InlineTensor`]).
//! * [`creation`]: zeros, ones, full, eye, arange, linspace, random tensors.
//! * [`op_defs`]: the one definition of each element-wise op, its value
//!   and its derivative side by side, used by tensors, the tape and `nn`.
//! * [`ops`]: element-wise ops, broadcasting, dot, reshape, axes, reductions,
//!   softmax, slicing, indexing.
//! * [`kernels`]: the run-time-sized loops and GEMM that every op calls.
//! * [`view`]: borrowed, possibly strided views ([`TensorView`]): slices,
//!   indexes and reshapes without a copy.
//! * [`numpy`]: every numpy operation of the book's chapter 2 in its shaped
//!   form, with [`s!`](s) for numpy's selection syntax.
//!
//! Only sizes that are truly unknown until run time ([`Dyn`] dims) are
//! checked at run time: the `try_` form of an op returns a [`ShapeError`]
//! naming both shapes, and the plain form panics with the same words.

#![warn(missing_docs)]

pub mod autodiff;
mod const_msg;
pub mod creation;
pub mod device;
pub mod dim;
pub mod dtype;
pub mod error;
mod huge_pages;
pub mod kernels;
pub mod numpy;
pub mod op_defs;
pub mod ops;
pub mod print;
pub mod shape;
pub mod storage;
pub mod tensor;
pub mod view;

pub use autodiff::{Gradients, Tape, Var};
pub use creation::{LiteralLen, NestedArray};
pub use device::{Cpu, Device};
pub use dim::{BroadcastDim, Dim, Dyn, One, SameDim, StaticDim, Sz};
pub use dims::{FromEnd, Ix};
pub use dtype::{Dtype, Float, Num, SameDtype};
pub use error::ShapeError;
pub use ops::axes::{RemoveUnitAxis, SwapAxes, Swapped, UnitDim};
pub use ops::concat::ConcatOnto;
pub use ops::dot::dot;
pub use ops::reshape::ReshapeTo;
pub use ops::slice::{SliceAxis, SliceBy, SliceFrom, SliceFromEnd, SliceRange, SliceTrim};
pub use print::{print_options, set_print_options, PrintOptions};
pub use shape::{
    shape_name, AxisOf, BroadcastShape, ConcatShape, ConstShape, DotShape, FlattenSamples,
    InsertAxis, InsertDim, RemoveAxis, ReplaceAxis, Shape,
};
pub use shaped_macros::s;
pub use storage::{Heap, Inline, InlineShape, InlineTensor, Storage};
pub use tensor::{Matrix, Scalar, Tensor, Vector};
pub use view::TensorView;
