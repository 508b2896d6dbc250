//! What the entry points of training accept, one trait per role: the
//! model's [`Inputs`], the loss's [`Targets`], and what [`predict`] takes
//! ([`PredictInputs`]).
//!
//! A tensor passes when its shape is a batch of the right samples: a
//! `Tensor<(Dyn, Sz<784>)>` is [`Inputs`] of a model of 784 inputs, a
//! `Tensor<(Dyn, Sz<10>)>` is [`Targets`] of a loss comparing with 10
//! outputs. A [`Data`] of the right sample shape passes too (`u8` pixels
//! scaled as they are read). A wrong shape is a compile error in the
//! user's words, naming both shapes, e.g. "the targets have shape (_, 9)
//! but the model outputs (_, 10)": the impls for tensors of rank 1-3 send
//! the check to a trait over the dims themselves ([`SameTargets`] and
//! friends), implemented only where they agree, so the failing bound is the
//! one whose message names the role.
//!
//! [`predict`]: crate::train::predict

use super::data::Data;
use crate::batch::Batched;
use shaped_core::{Dyn, Float, One, Sz, Tensor};

/// A batch of the model's input samples `S`: what `fit`, `evaluate` and
/// `train_step` take as inputs.
///
/// ```
/// use shaped_nn::train::{Data, Inputs};
/// use shaped_core::{shape, Dyn, Sz, Tensor};
/// fn count<X: Inputs<shape![3]> + ?Sized>(x: &X) -> usize {
///     x.data().len()
/// }
/// let x = Tensor::<shape![_, 3]>::zeros_with((Dyn(5), Sz));
/// assert_eq!(count(&x), 5);
/// assert_eq!(count(&Data::f32(&x)), 5);
/// ```
#[diagnostic::on_unimplemented(
    message = "the inputs `{Self}` are not a batch of the model's input samples `{S}`",
    label = "the model takes a batch of `{S}` samples here",
    note = "inputs are a `Tensor<(Dyn, ...)>` of the model's element type `{E}` whose dims after the batch axis are the model's input shape, or a `Data` of that shape (`Data::u8_scaled` for pixels)"
)]
pub trait Inputs<S: Batched, E: Float = f32>: InputsOf<S, E> {}

/// A batch of target samples `S` (the model's output shape, or one label
/// per sample for the sparse losses): what `fit`, `evaluate` and
/// `train_step` take as targets.
///
/// ```
/// use shaped_nn::train::Targets;
/// use shaped_core::{Dyn, One, Tensor};
/// fn count<Y: Targets<(One,)> + ?Sized>(y: &Y) -> usize {
///     y.data().len()
/// }
/// let labels = Tensor::<(Dyn, One)>::zeros_with((Dyn(4), One));
/// assert_eq!(count(&labels), 4);
/// ```
#[diagnostic::on_unimplemented(
    message = "the targets `{Self}` are not a batch of the loss's target samples `{S}`",
    label = "the loss compares the model's outputs with a batch of `{S}` targets here",
    note = "targets are `{E}`, the model's element type, and have the model's output shape (one-hot for `CategoricalCrossentropy`), or one label per sample, `(Dyn, One)`, for the sparse losses"
)]
pub trait Targets<S: Batched, E: Float = f32>: TargetsOf<S, E> {}

/// A batch of the model's input samples `S`, as [`predict`] takes it: one
/// sample on its own (no batch axis) is refused with a message saying so.
///
/// [`predict`]: crate::train::predict
#[diagnostic::on_unimplemented(
    message = "`predict` takes a batch of `{S}` samples; `{Self}` is not one",
    label = "a batch of `{S}` samples is needed here",
    note = "inputs are a `Tensor<(Dyn, ...)>` of the model's element type `{E}` whose dims after the batch axis are the model's input shape"
)]
pub trait PredictInputs<S: Batched, E: Float = f32>: PredictInputsOf<S, E> {}

/// What makes a type [`Inputs`], and its methods: implemented by the library for tensors of
/// each rank and for [`Data`]. `Inputs` itself has one blanket impl over
/// this trait, so that a rejected shape is reported with the shape check's
/// own message and no list of the types that are inputs. Not for users'
/// types: give `fit` a `Data` of your samples instead.
///
/// ```
/// use shaped_nn::train::InputsOf;
/// use shaped_core::{shape, Dyn, Sz, Tensor};
/// let x = Tensor::<shape![_, 3]>::zeros_with((Dyn(2), Sz));
/// assert_eq!(InputsOf::<shape![3]>::data(&x).len(), 2);
/// ```
#[diagnostic::on_unimplemented(
    message = "the inputs `{Self}` are not a batch of the model's input samples `{S}`",
    label = "the model takes a batch of `{S}` samples here"
)]
pub trait InputsOf<S: Batched, E: Float = f32> {
    /// The samples.
    fn data(&self) -> Data<'_, S, E>;
    /// The samples as one contiguous buffer, when they are stored so.
    fn contiguous(&self) -> Option<&[E]> {
        None
    }
}

/// What makes a type [`Targets`] (as [`InputsOf`] for [`Inputs`]).
///
/// ```
/// use shaped_nn::train::TargetsOf;
/// use shaped_core::{shape, Dyn, Sz, Tensor};
/// let y = Tensor::<shape![_, 10]>::zeros_with((Dyn(4), Sz));
/// assert_eq!(TargetsOf::<shape![10]>::contiguous(&y).map(|s| s.len()), Some(40));
/// ```
#[diagnostic::on_unimplemented(
    message = "the targets `{Self}` are not a batch of the loss's target samples `{S}`",
    label = "the loss compares the model's outputs with a batch of `{S}` targets here"
)]
pub trait TargetsOf<S: Batched, E: Float = f32> {
    /// The samples.
    fn data(&self) -> Data<'_, S, E>;
    /// The samples as one contiguous buffer, when they are stored so.
    fn contiguous(&self) -> Option<&[E]> {
        None
    }
}

/// What makes a type [`PredictInputs`] (as [`InputsOf`] for [`Inputs`]).
///
/// ```
/// use shaped_nn::train::PredictInputsOf;
/// use shaped_core::{shape, Dyn, Sz, Tensor};
/// let x = Tensor::<shape![_, 3]>::zeros_with((Dyn(5), Sz));
/// assert_eq!(PredictInputsOf::<shape![3]>::data(&x).len(), 5);
/// ```
#[diagnostic::on_unimplemented(
    message = "`predict` takes a batch of `{S}` samples; `{Self}` is not one",
    label = "a batch of `{S}` samples is needed here"
)]
pub trait PredictInputsOf<S: Batched, E: Float = f32> {
    /// The samples.
    fn data(&self) -> Data<'_, S, E>;
    /// The samples as one contiguous buffer, when they are stored so.
    fn contiguous(&self) -> Option<&[E]> {
        None
    }
}

impl<X: InputsOf<S, E> + ?Sized, S: Batched, E: Float> Inputs<S, E> for X {}
impl<X: TargetsOf<S, E> + ?Sized, S: Batched, E: Float> Targets<S, E> for X {}
impl<X: PredictInputsOf<S, E> + ?Sized, S: Batched, E: Float> PredictInputs<S, E> for X {}

/// The one type the shape checks below are implemented for, `()`: their
/// impls are blanket impls over this trait, which is what keeps rustc from
/// printing "but `SameTargets<9, 9>` is implemented for `()`" under the
/// check's message.
///
/// ```
/// fn unit<U: shaped_nn::train::Unit>(_: U) {}
/// unit(());
/// ```
pub trait Unit {}
impl Unit for () {}

impl<S: Batched, E: Float> InputsOf<S, E> for Data<'_, S, E> {
    fn data(&self) -> Data<'_, S, E> {
        *self
    }
}

impl<S: Batched, E: Float> TargetsOf<S, E> for Data<'_, S, E> {
    fn data(&self) -> Data<'_, S, E> {
        *self
    }
}

impl<S: Batched, E: Float> PredictInputsOf<S, E> for Data<'_, S, E> {
    fn data(&self) -> Data<'_, S, E> {
        *self
    }
}

/// Implemented only for `T` itself: the check under the shape traits below.
/// (Their impls are generic over both shapes and require this, so that a
/// mismatch is reported with the shape trait's message and no list of
/// impls.)
#[doc(hidden)]
pub trait SameType<T: ?Sized> {}
impl<T: ?Sized> SameType<T> for T {}

/// Data of element type `GIVEN` for a model computing in `TAKES`:
/// implemented only where they are the same, so that other data is an
/// error saying so (`the data are f64 but the model computes in f32`).
#[diagnostic::on_unimplemented(
    message = "the data are `{GIVEN}` but the model computes in `{TAKES}`",
    label = "`{GIVEN}` values where the model takes `{TAKES}`",
    note = "convert them with `.cast::<{TAKES}>()`, or declare the model generic over its element type (`struct Net<E>: ...`) and train `Net::<{GIVEN}>`"
)]
pub trait SameElem<GIVEN, TAKES> {
    /// The data, as the model's element type.
    fn same(data: &[GIVEN]) -> &[TAKES];
}
#[diagnostic::do_not_recommend]
impl<U: Unit, T> SameElem<T, T> for U {
    fn same(data: &[T]) -> &[T] {
        data
    }
}

/// Inputs of width `GIVEN` for a model of `TAKES` inputs: implemented only
/// when they are equal.
#[diagnostic::on_unimplemented(
    message = "the inputs have shape (_, {GIVEN}) but the model takes (_, {TAKES})",
    label = "these inputs are (_, {GIVEN}); the model's first layer takes (_, {TAKES})"
)]
pub trait SameInputs<const GIVEN: usize, const TAKES: usize> {}
#[diagnostic::do_not_recommend]
impl<U: Unit, const G: usize, const T: usize> SameInputs<G, T> for U where Sz<G>: SameType<Sz<T>> {}

/// Rank-2 inputs `(G0, G1)` for a model of `(T0, T1)` inputs: implemented
/// only when they are equal.
#[diagnostic::on_unimplemented(
    message = "the inputs have shape (_, {G0}, {G1}) but the model takes (_, {T0}, {T1})",
    label = "these inputs are (_, {G0}, {G1}); the model takes (_, {T0}, {T1})"
)]
pub trait SameInputs2<const G0: usize, const G1: usize, const T0: usize, const T1: usize> {}
#[diagnostic::do_not_recommend]
impl<U: Unit, const G0: usize, const G1: usize, const T0: usize, const T1: usize>
    SameInputs2<G0, G1, T0, T1> for U
where
    (Sz<G0>, Sz<G1>): SameType<(Sz<T0>, Sz<T1>)>,
{
}

/// Rank-3 inputs: implemented only when the shapes are equal.
#[diagnostic::on_unimplemented(
    message = "the inputs have shape (_, {G0}, {G1}, {G2}) but the model takes (_, {T0}, {T1}, {T2})",
    label = "these inputs are (_, {G0}, {G1}, {G2}); the model takes (_, {T0}, {T1}, {T2})"
)]
pub trait SameInputs3<
    const G0: usize,
    const G1: usize,
    const G2: usize,
    const T0: usize,
    const T1: usize,
    const T2: usize,
>
{
}
#[diagnostic::do_not_recommend]
impl<
        U: Unit,
        const G0: usize,
        const G1: usize,
        const G2: usize,
        const T0: usize,
        const T1: usize,
        const T2: usize,
    > SameInputs3<G0, G1, G2, T0, T1, T2> for U
where
    (Sz<G0>, Sz<G1>, Sz<G2>): SameType<(Sz<T0>, Sz<T1>, Sz<T2>)>,
{
}

/// Targets of width `GIVEN` for a loss that compares them with `OUTPUTS`
/// model outputs: implemented only when they are equal.
#[diagnostic::on_unimplemented(
    message = "the targets have shape (_, {GIVEN}) but the model outputs (_, {OUTPUTS})",
    label = "these targets are (_, {GIVEN}); the loss compares them with outputs (_, {OUTPUTS})"
)]
pub trait SameTargets<const GIVEN: usize, const OUTPUTS: usize> {}
#[diagnostic::do_not_recommend]
impl<U: Unit, const G: usize, const O: usize> SameTargets<G, O> for U where Sz<G>: SameType<Sz<O>> {}

/// Rank-2 targets: implemented only when the shapes are equal.
#[diagnostic::on_unimplemented(
    message = "the targets have shape (_, {G0}, {G1}) but the model outputs (_, {O0}, {O1})",
    label = "these targets are (_, {G0}, {G1}); the loss compares them with outputs (_, {O0}, {O1})"
)]
pub trait SameTargets2<const G0: usize, const G1: usize, const O0: usize, const O1: usize> {}
#[diagnostic::do_not_recommend]
impl<U: Unit, const G0: usize, const G1: usize, const O0: usize, const O1: usize>
    SameTargets2<G0, G1, O0, O1> for U
where
    (Sz<G0>, Sz<G1>): SameType<(Sz<O0>, Sz<O1>)>,
{
}

/// One sample of `GIVEN` values given to `predict`, whose model takes a
/// batch of `TAKES`: never implemented, so that the message says what to do.
#[diagnostic::on_unimplemented(
    message = "`predict` takes a batch (_, {TAKES}); this is one sample ({GIVEN},): add a batch axis",
    label = "one sample of shape ({GIVEN},), with no batch axis",
    note = "a batch of one: `Tensor::<(Dyn, Sz<{GIVEN}>)>::from_shape_vec((Dyn(1), Sz), sample.as_slice().to_vec())`"
)]
pub trait BatchOfSamples<const GIVEN: usize, const TAKES: usize> {}
// An impl only so that rustc does not list the other `PredictInputs` impls
// under the message (a zero-width model cannot be built anyway).
#[diagnostic::do_not_recommend]
impl<U: Unit, const G: usize, const T: usize> BatchOfSamples<G, T> for U where
    (Sz<G>, Sz<T>): SameType<(Sz<0>, Sz<0>)>
{
}

/// The methods of a role trait for a tensor whose buffer is its batch of
/// `$S` samples, in order.
macro_rules! flat_tensor_samples {
    ($S:ty) => {
        fn data(&self) -> Data<'_, $S, E> {
            Data::from_flat(<() as SameElem<F, E>>::same(self.as_slice()))
        }
        fn contiguous(&self) -> Option<&[E]> {
            Some(<() as SameElem<F, E>>::same(self.as_slice()))
        }
    };
}

macro_rules! tensor_samples {
    ($Role:ident, $Same:ident; $([$G:ident, $T:ident]),+) => {
        impl<E: Float, F: Float, $(const $G: usize, const $T: usize),+> $Role<($(Sz<$T>,)+), E> for Tensor<(Dyn, $(Sz<$G>,)+), F>
        where
            (): $Same<$($G,)+ $($T),+>,
            (): SameElem<F, E>,
        {
            flat_tensor_samples!(($(Sz<$T>,)+));
        }
    };
}
tensor_samples!(InputsOf, SameInputs; [G0, T0]);
tensor_samples!(InputsOf, SameInputs2; [G0, T0], [G1, T1]);
tensor_samples!(InputsOf, SameInputs3; [G0, T0], [G1, T1], [G2, T2]);
tensor_samples!(TargetsOf, SameTargets; [G0, T0]);
tensor_samples!(TargetsOf, SameTargets2; [G0, T0], [G1, T1]);

/// A last axis written `1` in `shape!` is `One` (the size 1 that stretches);
/// a model's sample written `(28, 28, 1)` or `Dense<1>`'s output ends in
/// `Sz<1>`. Both hold one value per position, so a tensor ending in `One`
/// is a batch of samples ending in `Sz<1>`: `shape![_, 28, 28, 1]` images
/// feed a `(28, 28, 1) => ...` convnet, `shape![_, 1]` targets a `Dense<1>`.
macro_rules! tensor_samples_one {
    ($Role:ident, $Same:ident; $([$G:ident, $T:ident]),*) => {
        impl<E: Float, F: Float, $(const $G: usize, const $T: usize),*> $Role<($(Sz<$T>,)* Sz<1>,), E>
            for Tensor<(Dyn, $(Sz<$G>,)* One,), F>
        where
            (): $Same<$($G,)* 1, $($T,)* 1>,
            (): SameElem<F, E>,
        {
            flat_tensor_samples!(($(Sz<$T>,)* Sz<1>,));
        }
    };
}
tensor_samples_one!(InputsOf, SameInputs;);
tensor_samples_one!(InputsOf, SameInputs2; [G0, T0]);
tensor_samples_one!(InputsOf, SameInputs3; [G0, T0], [G1, T1]);
tensor_samples_one!(TargetsOf, SameTargets;);
tensor_samples_one!(TargetsOf, SameTargets2; [G0, T0]);
tensor_samples_one!(PredictInputsOf, SameInputs;);
tensor_samples_one!(PredictInputsOf, SameInputs2; [G0, T0]);
tensor_samples_one!(PredictInputsOf, SameInputs3; [G0, T0], [G1, T1]);

impl<E: Float, F: Float> TargetsOf<(One,), E> for Tensor<(Dyn, One), F>
where
    (): SameElem<F, E>,
{
    flat_tensor_samples!((One,));
}

tensor_samples!(PredictInputsOf, SameInputs; [G0, T0]);
tensor_samples!(PredictInputsOf, SameInputs2; [G0, T0], [G1, T1]);
tensor_samples!(PredictInputsOf, SameInputs3; [G0, T0], [G1, T1], [G2, T2]);

impl<E: Float, const G: usize, const T: usize> PredictInputsOf<(Sz<T>,), E> for Tensor<(Sz<G>,), E>
where
    (): BatchOfSamples<G, T>,
{
    fn data(&self) -> Data<'_, (Sz<T>,), E> {
        // Only for zero-width samples, where there is nothing to read.
        Data::from_flat(&[])
    }
}

/// Samples of rank 2 (images) for a model that takes flat samples: never
/// implemented but for zero sizes, so that the message says what to do.
#[diagnostic::on_unimplemented(
    message = "the inputs have shape (_, {G0}, {G1}) but the model takes (_, {TAKES}): flatten the samples, or start the model with `Flatten`",
    label = "samples of shape ({G0}, {G1}) where the model takes ({TAKES},)"
)]
pub trait FlatSamples2<const G0: usize, const G1: usize, const TAKES: usize> {}
// An impl only so that rustc does not list the other impls under the
// message (a zero-size sample holds nothing to read).
#[diagnostic::do_not_recommend]
impl<U: Unit, const G0: usize, const G1: usize, const T: usize> FlatSamples2<G0, G1, T> for U where
    (Sz<G0>, Sz<G1>, Sz<T>): SameType<(Sz<0>, Sz<0>, Sz<0>)>
{
}

/// Samples of rank 3 for a model that takes flat samples: never
/// implemented but for zero sizes, so that the message says what to do.
#[diagnostic::on_unimplemented(
    message = "the inputs have shape (_, {G0}, {G1}, {G2}) but the model takes (_, {TAKES}): flatten the samples, or start the model with `Flatten`",
    label = "samples of shape ({G0}, {G1}, {G2}) where the model takes ({TAKES},)"
)]
pub trait FlatSamples3<const G0: usize, const G1: usize, const G2: usize, const TAKES: usize> {}
#[diagnostic::do_not_recommend]
impl<U: Unit, const G0: usize, const G1: usize, const G2: usize, const T: usize>
    FlatSamples3<G0, G1, G2, T> for U
where
    (Sz<G0>, Sz<G1>, Sz<G2>, Sz<T>): SameType<(Sz<0>, Sz<0>, Sz<0>, Sz<0>)>,
{
}

macro_rules! unflattened {
    ($Role:ident) => {
        impl<E: Float, const G0: usize, const G1: usize, const T: usize> $Role<(Sz<T>,), E>
            for Tensor<(Dyn, Sz<G0>, Sz<G1>), E>
        where
            (): FlatSamples2<G0, G1, T>,
        {
            fn data(&self) -> Data<'_, (Sz<T>,), E> {
                // Only for zero sizes, where there is nothing to read.
                Data::from_flat(&[])
            }
        }
        impl<E: Float, const G0: usize, const G1: usize, const G2: usize, const T: usize>
            $Role<(Sz<T>,), E> for Tensor<(Dyn, Sz<G0>, Sz<G1>, Sz<G2>), E>
        where
            (): FlatSamples3<G0, G1, G2, T>,
        {
            fn data(&self) -> Data<'_, (Sz<T>,), E> {
                Data::from_flat(&[])
            }
        }
    };
}
unflattened!(InputsOf);
unflattened!(PredictInputsOf);
