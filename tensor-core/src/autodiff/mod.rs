//! Reverse-mode automatic differentiation for typed tensors.
//!
//! Write a loss with [`Var`]s, the differentiable twin of [`Tensor`](crate::Tensor),
//! call [`backward`](Var::backward), and read each parameter's gradient, typed by
//! that parameter's own shape:
//!
//! ```
//! use shaped_core::autodiff::Tape;
//! use shaped_core::{shape, Tensor};
//!
//! let tape = Tape::<f64>::new();
//! // Data and targets are constants; the weights need gradients.
//! let x = tape.constant(Tensor::<shape![4, 3], f64>::from_array([
//!     [1.0, 2.0, 0.5], [0.0, -1.0, 2.0], [1.5, 0.5, -0.5], [-1.0, 1.0, 1.0],
//! ]));
//! let y = tape.constant(Tensor::<shape![4, 2], f64>::from_array([
//!     [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.0],
//! ]));
//! let w = tape.var(Tensor::<shape![3, 2], f64>::from_array([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]]));
//! let b = tape.var(Tensor::<shape![2], f64>::from_array([0.1, 0.1]));
//!
//! // A user-written squared-error loss through a dot and a relu; no backward
//! // code is written anywhere.
//! let pred = (&x.dot(&w) + &b).relu(); // Var<shape![4, 2], f64>
//! let loss = (&pred - &y).square().mean_all(); // Var<(), f64>
//! let grads = loss.backward();
//!
//! let gw: Tensor<shape![3, 2], f64> = grads.get(&w).unwrap();
//! let gb: Tensor<shape![2], f64> = grads.get(&b).unwrap();
//!
//! // The same gradients by hand: d loss / d pred = 2 (pred - y) / 8, masked
//! // by the relu, then xᵀ for w and a column sum for the broadcast b.
//! let z = &x.value().dot(w.value()) + b.value();
//! let mask = z.map(|v| if v > 0.0 { 1.0 } else { 0.0 });
//! let dz = &(&(pred.value() - y.value()) * (2.0 / 8.0)) * &mask;
//! let want_w = x.value().t().dot(&dz);
//! let want_b = dz.sum::<0>();
//! let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
//! assert!(close(gw.as_slice(), want_w.as_slice()));
//! assert!(close(gb.as_slice(), want_b.as_slice()));
//! ```
//!
//! # Design
//!
//! * A [`Tape`] is a dynamic record shared by `Rc<RefCell<..>>`. Each op on
//!   `Var`s computes its value eagerly with the ordinary [`Tensor`](crate::Tensor)
//!   op, and appends one node: the value's element count, whether it needs a
//!   gradient, and, when it does, **one boxed backward closure**. The closure
//!   captures what its derivative reads (the inputs' or the output's value,
//!   shared by `Rc`, never copied) and the inputs' node ids.
//! * A [`Var<S, E>`](Var) is a typed handle: the value (`Rc<Tensor<S, E>>`),
//!   its node id and its tape. Every differentiable op of `Tensor` has a `Var`
//!   method or operator with the same trait bounds (`S: BroadcastShape<S2>`,
//!   `S: DotShape<S2>`, `S: RemoveAxis<A>`, ...) and the same result shape, so
//!   shape errors between `Var`s are the same compile errors as between
//!   tensors.
//! * [`Var::backward`] (on a scalar `Var<(), E>`) walks the tape once, from
//!   the loss down: node ids increase in recording order, so every op comes
//!   after its inputs and no sort is needed. Each closure adds into its
//!   inputs' gradient buffers, which is how a `Var` used twice accumulates
//!   both contributions. Broadcasting ops sum the gradient over the axes
//!   they stretched ([`sum_to`]); `dot` runs two GEMMs on transposed views.
//! * [`Gradients::get`] returns a gradient as a `Tensor<S, E>` of the `Var`'s
//!   own shape type `S`: it cannot be applied to a parameter of another
//!   shape. Constants (and values the loss does not depend on) have none.
//!
//! # Cost
//!
//! Recording costs one boxed closure per op (none for ops on constants only),
//! and the backward pass allocates one gradient buffer per node that needs a
//! gradient, all kept until the [`Gradients`] is dropped. Values are kept
//! alive by the tape until it is dropped, so use one tape per training step.
//! This is the convenient path, for losses and layers written once and for
//! checking gradients. For the allocation-free fast path, the `nn` crate's
//! layers do not record on a tape: they have hand-written, fused backward
//! passes into preallocated buffers, checked against this module with the
//! [`gradcheck`] harness.
//!
//! What does not compile, exactly as with tensors:
//!
//! ```compile_fail
//! use shaped_core::{autodiff::Tape, shape, Tensor};
//! let tape = Tape::<f64>::new();
//! let a = tape.var(Tensor::<shape![32, 10], f64>::zeros());
//! let b = tape.var(Tensor::<shape![9], f64>::zeros());
//! let _ = &a + &b; // (32, 10) and (9,) do not broadcast
//! ```
//!
//! ```compile_fail
//! use shaped_core::{autodiff::Tape, shape, Tensor};
//! let tape = Tape::<f64>::new();
//! let w = tape.var(Tensor::<shape![3, 2], f64>::zeros());
//! let grads = w.sum_all().backward();
//! let g: Tensor<shape![2, 3], f64> = grads.get(&w).unwrap(); // the gradient is (3, 2)
//! ```

#![warn(missing_docs)]

mod axes;
mod binary;
mod broadcast;
mod concat;
mod custom;
mod dot;
mod elementwise;
pub mod gradcheck;
mod gradients;
mod reduce;
mod reshape;
mod slice;
mod softmax;
mod softmax_crossentropy;
mod tape;
mod var;

pub use broadcast::sum_to;
pub use custom::{CustomOp1, CustomOp2};
pub use gradients::Gradients;
pub use tape::Tape;
pub use var::Var;
