//! # shaped-macros
//!
//! Procedural macros of `shaped`. [`model!`] turns a stack of layers into a
//! typed struct whose every intermediate shape the compiler computes; [`s!`]
//! is numpy's selection syntax, typed.
//!
//! The contract: the code `model!` writes names the library by one path,
//! `::shaped` (the facade crate), so use it through `shaped`
//! (`shaped::model!`, or `model!` from `shaped::prelude`); a crate that
//! depends on `shaped-nn` alone adds `extern crate shaped_nn as shaped;` to
//! its root, which makes the same path lead to `shaped-nn`. `s!` writes
//! only method calls, and works with any of the crates.

#![warn(missing_docs)]

use proc_macro::TokenStream;

mod model_codegen;
mod model_syntax;
mod select;

/// Defines a model: a struct holding a stack of layers, each built for the
/// shape the layer before it produces.
///
/// ```text
/// model! {
///     /// Chollet's MNIST network.
///     pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
/// }
/// model! {
///     /// On images: `Flatten` computes the 784.
///     pub struct Images: (28, 28) => [Flatten, Dense<512, Relu>, Dense<10, Softmax>]
/// }
/// ```
///
/// The input is a per-sample shape: a number, a const name, a `{ expr }`,
/// or a parenthesized list of them (`(28, 28)`). Each layer is a type that
/// implements `shaped_nn::LayerSpec` for its input, optionally named (`hidden:
/// Dense<512, Relu>`; by default `dense_0`, `dense_1`, ...).
///
/// No size is written by hand: for each layer the macro emits a `const`
/// holding the layer's output dims, computed by its spec's `OUT` (a
/// `const fn` of the input dims, which `cargo check` evaluates), and feeds
/// the next layer the shape it describes. A layer that cannot take its
/// input is one compile error at that layer: either the spec's message
/// (`Flatten<768> receives shape (28, 28), which holds 784 elements`; a
/// model used as a layer: `Head takes samples of shape (512,); it receives
/// shape (256,)`) or, for a user's spec with no impl for that input,
/// `` layer `MySpec` cannot take an input of shape `(Sz<28>, Sz<28>)` ``.
/// The generated items
/// are named after the model and the field (`Mnist_dense_0_output`, ...).
///
/// The element type: a plain model computes in `f32`. Written with one
/// type parameter, `struct Spiral<E>: 2 => [...]`, the model is generic over
/// it: `Spiral::<f64>::seeded(0)` computes (parameters, gradients, optimizer
/// state, inputs and outputs) in `f64`, and `Spiral` alone is
/// `Spiral<f32>`. Every layer must then compute in `f64` too; one that
/// does not (`Conv2D`, the pools, a tape layer) is one compile error at
/// that layer: `Conv2D<4, 3> computes in f32 only; this model is generic
/// over its element type: declare it without <E>`.
///
/// ```text
/// model! {
///     /// Two spirals, in f32 or f64.
///     pub struct Spiral<E>: 2 => [Dense<32, Tanh>, Dense<32, Relu>, Dense<1, Sigmoid>]
/// }
/// let m = Spiral::<f64>::seeded(7);
/// ```
///
/// The struct gets `new(&mut StdRng)`, `seeded(u64)`, `PARAMS`,
/// `summary()`, and implements `shaped_nn::Layer` (forward, training forward,
/// backward), `shaped_nn::Parameters` and `shaped_nn::LayerSpec` (so a model is a layer
/// of another model). Its gradients are `<Name>Grads`, with one field per
/// layer.
///
/// The generated code names the library as `::shaped::__private::nn`: with
/// the `shaped` facade as the dependency nothing more is needed; with
/// `shaped-nn` alone, put `extern crate shaped_nn as shaped;` in the crate
/// root.
///
/// Runnable examples, compiled and run as doctests, are in `shaped-nn`
/// (`shaped_nn::train::predict`, `shaped_nn::checkpoint::save`,
/// `shaped_nn::Flatten`) and in the `shaped` facade: this crate cannot run
/// them itself, since it does not depend on the crates its code names.
#[proc_macro]
pub fn model(input: TokenStream) -> TokenStream {
    match syn::parse::<model_syntax::ModelDef>(input) {
        Ok(def) => model_codegen::expand(&def).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// numpy's selection syntax for a tensor: `s!(x[.., 7..-7, 7..-7])` is
/// `x[:, 7:-7, 7:-7]`, `s!(x[4])` is `x[4]`. Each selector becomes a typed
/// call (`slice`, `slice_from`, `slice_trim`, `slice_from_end`, `at`,
/// `clamped`) on the axis it refers to, so the compiler computes every
/// length and checks every static range.
///
/// | numpy | `s!` |
/// |---|---|
/// | `x[4]` | `s!(x[4])` (drops axis 0) |
/// | `x[:, 7:-7, 7:-7]` | `s!(x[.., 7..-7, 7..-7])` (or `s!(x[:, 7:-7, 7:-7])`) |
/// | `x[:, 14:, 14:]` | `s!(x[.., 14.., 14..])` |
/// | `x[-2:]` | `s!(x[-2..])` |
/// | `x[128 * n : 128 * (n + 1)]` | `s!(x[128 * n..128 * (n + 1)])` (run-time, clamped) |
///
/// Bounds that are integer literals, `{ blocks }` or upper-case const
/// names are static; any other expression is a run-time bound, and such a
/// range is clamped to the axis as numpy does. Runnable examples are in
/// `shaped_core::numpy` (this crate cannot run them itself).
#[proc_macro]
pub fn s(input: TokenStream) -> TokenStream {
    select::expand(input.into()).into()
}
