//! What the code `model!` generates names to compute each layer's output
//! shape at compile time; not for direct use.
//!
//! For each layer the macro emits a `const` holding the layer's output dims
//! ([`dims`], whose const argument [`rank_or_refuse`] fails to evaluate with
//! the layer's [`Reason`] as the message), the output shape as a type
//! ([`DimsType`] through [`ToShape`]), and the built layer type, whose input
//! passes through [`Guard`]. When a layer refuses its input, that const's
//! evaluation fails once, and everything after it (later layers, the struct's
//! fields, the impls) refers to the failed const, which rustc does not report
//! again: the user sees one error, at the layer.

use crate::{
    batch::Batched,
    layer::Layer,
    sample_dims::{Reason, SampleDims},
};
use shaped_core::{Float, Sz};

/// The rank of a layer's output, or a compile error (in a const) whose
/// headline is the layer's reason. `#[track_caller]` puts the error at the
/// call, which `model!` spans at the layer.
#[track_caller]
pub const fn rank_or_refuse(out: &Result<SampleDims, Reason>) -> usize {
    match out {
        Ok(d) if d.rank() > 0 => d.rank(),
        Ok(_) => panic!("a layer's output needs at least one axis"),
        Err(reason) => panic!("{}", reason.as_str()),
    }
}

/// The dims of an accepted output. `RANK` is only there so that the const
/// holding the result depends, in its type checking, on
/// [`rank_or_refuse`]: a refusal then taints it without a second message.
pub const fn dims<const RANK: usize>(out: Result<SampleDims, Reason>) -> SampleDims {
    match out {
        Ok(d) => d,
        Err(_) => SampleDims::new(&[]),
    }
}

/// A sample shape as const numbers: rank and up to five dims (0 past the
/// rank).
pub struct DimsType<
    const RANK: usize,
    const A: usize,
    const B: usize,
    const C: usize,
    const D: usize,
    const E: usize,
>;

/// The shape type of a [`DimsType`]: `(Sz<A>, Sz<B>)` for rank 2.
pub trait ToShape {
    /// The tuple of dims.
    type Shape: Batched;
}

macro_rules! to_shape {
    ($rank:literal: $($d:ident)*) => {
        impl<const A: usize, const B: usize, const C: usize, const D: usize, const E: usize> ToShape
            for DimsType<$rank, A, B, C, D, E>
        {
            type Shape = ($(Sz<$d>,)*);
        }
    };
}
to_shape!(1: A);
to_shape!(2: A B);
to_shape!(3: A B C);
to_shape!(4: A B C D);
to_shape!(5: A B C D E);

/// Passes a type through when `OK`: the built layer's input goes through
/// this, with `OK` computed from the layer's output const, so that a layer
/// with no `LayerSpec` impl for its input is reported once.
pub trait Guard<const OK: bool> {
    /// The type itself.
    type Passed;
}

impl<S> Guard<true> for S {
    type Passed = S;
}

/// Compiles only when the built layer's output is the shape its spec's
/// `OUT` describes (a contract of [`LayerSpec`](crate::LayerSpec)).
///
/// ```
/// use shaped_nn::{model_support::check_output, DenseLayer};
/// use shaped_core::shape;
/// const _: () = check_output::<DenseLayer<4, 2>, shape![2], f32>();
/// ```
pub const fn check_output<L: Layer<E, Output = O>, O: Batched, E: Float>() {}

/// Compiles only when the built layer takes the input it is given (a
/// contract of [`LayerSpec`](crate::LayerSpec) for every input its `OUT`
/// accepts).
///
/// ```
/// use shaped_nn::{model_support::check_input, DenseLayer};
/// use shaped_core::shape;
/// const _: () = check_input::<DenseLayer<4, 2>, shape![4], f32>();
/// ```
pub const fn check_input<L: Layer<E, Input = I>, I: Batched, E: Float>() {}

/// The `OUT` of a layer that takes one input shape, `I` (a `model!` struct
/// used as a layer, a [`TapeLayer`](crate::TapeLayer)), given input `S`:
/// `out` when `S` is `I`, else the refusal in decimals, headed by `who`:
/// "Head takes samples of shape (512,); it receives shape (256,)".
///
/// ```
/// use shaped_nn::{model_support::takes_only, Reason, SampleDims};
/// use shaped_core::shape;
/// let out = SampleDims::new(&[10]);
/// assert_eq!(takes_only::<shape![512], shape![512]>(Reason::new("Head"), out), Ok(out));
/// assert_eq!(
///     takes_only::<shape![256], shape![512]>(Reason::new("Head"), out).unwrap_err().as_str(),
///     "Head takes samples of shape (512,); it receives shape (256,)"
/// );
/// ```
// Evaluated at compile time, for a `LayerSpec::OUT`, whose type this is:
// the size of a `Reason` (a fixed buffer, as a const cannot allocate)
// costs nothing at run time.
#[allow(clippy::result_large_err)]
pub const fn takes_only<S: Batched, I: Batched>(
    who: Reason,
    out: SampleDims,
) -> Result<SampleDims, Reason> {
    let (got, want) = (SampleDims::of::<S>(), SampleDims::of::<I>());
    if got.same(&want) {
        Ok(out)
    } else {
        Err(who
            .text(" takes samples of shape ")
            .dims(want)
            .text("; it receives shape ")
            .dims(got))
    }
}
