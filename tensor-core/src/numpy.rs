//! # For numpy users
//!
//! Every operation of "Deep Learning with Python", ch. 2, in its shaped
//! form. The compiler computes every size below: no number in these
//! examples was worked out by hand, and each annotated type is checked.
//!
//! | numpy | shaped | result type |
//! |---|---|---|
//! | `x[4]` | `x.at::<0>(4)` or `s!(x[4])` | axis 0 dropped |
//! | `video[1, 10]` | `s!(video[1, 10])` | two axes dropped |
//! | `x[:, 7:-7, 7:-7]` | `s!(x[.., 7..-7, 7..-7])` | `(_, 14, 14)` from `(_, 28, 28)` |
//! | `x[:, 14:, 14:]` | `s!(x[.., 14.., 14..])` | `(_, 14, 14)` |
//! | `x[10:100]` | `s!(x[10..100])` | `(90, 28, 28)`: static bounds, static length |
//! | `x[128*n:128*(n+1)]` | `s!(x[128 * n..128 * (n + 1)])` | `(_, 28, 28)`, clamped like numpy |
//! | `np.concatenate([a, b], axis=1)` | `a.concat::<1, _>(&b)` | the axis sum |
//! | `np.stack([a, b])` | `Tensor::stack::<0, 2>([&a, &b])` | a new axis of 2 |
//! | `x.reshape(-1, 784)` | `x.flatten_samples()` (or `x.reshape::<shape![_, 784]>()`) | `(_, 784)` |
//! | `x.reshape((6, 1))` | `x.reshape::<shape![6, 1]>()` | counts compared by the compiler |
//! | `np.transpose(x)` | `x.t()` | `(N, M)` from `(M, N)` |
//! | `x[4]` as a view | `x.view().at::<0>(4)` or `s!(x.view()[4])` | a borrowed [`TensorView`](crate::TensorView), contiguous |
//! | `x[:, 7:-7, 7:-7]` as a view | `s!(x.view()[.., 7..-7, 7..-7])` | a strided view, no copy |
//! | `x[128*n:128*(n+1)]` as a view | `x.view().narrow::<0>(128 * n, 128)` | contiguous: `.as_slice()` is the batch |
//! | `x.reshape(-1, 784)` as a view | `x.reshape_ref::<shape![_, 784]>()` | `x` kept |
//! | `y.copy()` of a view | `view.to_owned()` | a `Tensor` |
//!
//! ## Views and copies
//!
//! numpy's slices, indexes and reshapes are views of the array's memory.
//! Here the forms on a [`Tensor`](crate::Tensor) (`x.slice::<..>()`,
//! `x.at::<0>(4)`, `s!(x[..])`) return a new `Tensor`, a copy, which every
//! op takes as it is; the same calls on `x.view()` return a
//! [`TensorView`](crate::TensorView) that borrows `x`, as numpy does. A view
//! of whole entries of the first axis (`at::<0>`, a batch) is one run of
//! memory, read through `as_slice()` with no copy; a slice of a later axis is
//! strided. Views read in place (`get`, `v[[i, j]]`, `iter`, `sum_all`,
//! `mean_all`); for other ops, `to_owned()` copies once.
//!
//! ```
//! use shaped_core::{s, shape, Dyn, Sz, Tensor};
//! let train_images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(60000), Sz, Sz));
//! let digit = train_images.view().at::<0>(4); // borrowed
//! assert_eq!(digit.as_slice().map(<[u8]>::len), Some(784));
//! let n = 3;
//! let batch = train_images.view().narrow::<0>(128 * n, 128);
//! assert_eq!(batch.as_slice(), Some(&train_images.as_slice()[128 * n * 784..][..128 * 784]));
//! let crop = s!(train_images.view()[.., 7..-7, 7..-7]); // strided
//! assert!(crop.as_slice().is_none());
//! let owned: Tensor<shape![_, 14, 14], u8> = crop.to_owned();
//! assert_eq!(owned, s!(train_images[.., 7..-7, 7..-7]));
//! ```
//!
//! ## Indexing: `x[4]`
//!
//! An index drops its axis; `at` takes the axis and a run-time index (an
//! index past the axis panics, `try_at` returns the error).
//!
//! ```
//! use shaped_core::{s, shape, Dyn, Sz, Tensor};
//! let train_images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(60000), Sz, Sz));
//! let digit: Tensor<shape![28, 28], u8> = s!(train_images[4]);
//! assert_eq!(digit.as_slice(), train_images.at::<0>(4).as_slice());
//! let video = Tensor::<shape![4, 240, 8, 8], u8>::zeros();
//! let frame: Tensor<shape![8, 8], u8> = s!(video[1, 10]);
//! assert_eq!(frame.dims(), [8, 8]);
//! ```
//!
//! ## Slicing: `x[:, 7:-7, 7:-7]`, `x[:, 14:, 14:]`, `x[10:100]`
//!
//! Static bounds (literals, `{ blocks }`, upper-case consts) give a static
//! length; a range that does not fit a static axis fails at `cargo check`.
//!
//! ```
//! use shaped_core::{s, shape, Dyn, Sz, Tensor};
//! let train_images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(60000), Sz, Sz));
//! let centre: Tensor<shape![_, 14, 14], u8> = s!(train_images[.., 7..-7, 7..-7]);
//! let corner: Tensor<shape![_, 14, 14], u8> = s!(train_images[.., 14.., 14..]);
//! let my_slice: Tensor<shape![90, 28, 28], u8> = s!(train_images[10..100]);
//! assert_eq!(centre.dims(), [60000, 14, 14]);
//! assert_eq!(corner.dims(), [60000, 14, 14]);
//! assert_eq!(my_slice.dims(), [90, 28, 28]);
//! // The same in Python's spelling, and as the method calls `s!` writes:
//! let same: Tensor<shape![_, 14, 14], u8> = s!(train_images[:, 7:-7, 7:-7]);
//! let calls = train_images.slice_trim::<1, 7, 7>().slice_trim::<2, 7, 7>();
//! assert_eq!(same.as_slice(), calls.as_slice());
//! ```
//!
//! ## Batches: `x[128 * n:128 * (n + 1)]`
//!
//! Run-time bounds give a run-time length and are clamped to the axis as
//! numpy does: the last batch of 60000 images holds 96.
//!
//! ```
//! use shaped_core::{s, shape, Dyn, Sz, Tensor};
//! let train_images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(60000), Sz, Sz));
//! let n = 3;
//! let batch = s!(train_images[128 * n..128 * (n + 1)]);
//! assert_eq!(batch.dims(), [128, 28, 28]);
//! let n = 468;
//! let last = s!(train_images[128 * n..128 * (n + 1)]);
//! assert_eq!(last.dims(), [96, 28, 28]);
//! ```
//!
//! ## Joining: `np.concatenate`, `np.stack`
//!
//! ```
//! use shaped_core::{shape, Tensor};
//! let a = Tensor::<shape![2, 3]>::ones();
//! let b = Tensor::<shape![2, 4]>::zeros();
//! let ab: Tensor<shape![2, 7]> = a.concat::<1, _>(&b);
//! let aa: Tensor<shape![4, 3]> = a.concat::<0, _>(&a);
//! let pair: Tensor<shape![2, 2, 3]> = Tensor::stack::<0, 2>([&a, &a]);
//! assert_eq!((ab.dims(), aa.dims(), pair.dims()), ([2, 7], [4, 3], [2, 2, 3]));
//! ```
//!
//! ## Reshaping: `x.reshape(-1, 784)`, `x.reshape((6, 1))`
//!
//! `flatten_samples` keeps the first axis and multiplies the others, so a
//! crop of 14 x 14 flattens to 196 without anyone writing 196.
//!
//! ```
//! use shaped_core::{s, shape, Dyn, Sz, Tensor};
//! let train_images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(1000), Sz, Sz));
//! let crops = s!(train_images[.., 7..-7, 7..-7]);
//! let x: Tensor<shape![_, 196], u8> = crops.flatten_samples();
//! assert_eq!(x.dims(), [1000, 196]);
//! let y: Tensor<shape![_, 784], u8> = train_images.flatten_samples();
//! assert_eq!(y.dims(), [1000, 784]);
//! let m = Tensor::<shape![3, 2]>::from_array([[0., 1.], [2., 3.], [4., 5.]]);
//! let col: Tensor<shape![6, 1]> = m.reshape();
//! assert_eq!(col.dims(), [6, 1]);
//! ```
//!
//! ## Transposing: `np.transpose(x)`
//!
//! ```
//! use shaped_core::{shape, Tensor};
//! let x = Tensor::<shape![300, 20]>::zeros();
//! let xt: Tensor<shape![20, 300]> = x.t();
//! assert_eq!(xt.dims(), [20, 300]);
//! ```
//!
//! ## What the compiler rejects
//!
//! Each of these fails at `cargo check`, naming the shapes in decimals:
//!
//! ```compile_fail
//! use shaped_core::{shape, Tensor};
//! let digit = Tensor::<shape![28, 28], u8>::zeros();
//! let _ = digit.slice::<0, 20, 30>(); // slice 20..30 does not fit axis 0 of shape `(Sz<28>, Sz<28>)`
//! ```
//!
//! ```compile_fail
//! use shaped_core::{shape, Tensor};
//! let x = Tensor::<shape![3, 2]>::ones();
//! let _ = x.reshape::<shape![4, 2]>(); // cannot reshape `(Sz<3>, Sz<2>)` to `(Sz<4>, Sz<2>)`
//! ```
//!
//! **Size 1.** A computed size of 1 is `One`, which is also what
//! `shape![n, 1]` writes: `s!(x[.., 3..4])` of a `(5, 28)` tensor is
//! `(Sz<5>, One)`. `Sz<1>` appears only where it is written out.
//!
//! **Limits.** The compiler computes with dims up to 4096 and results up to
//! 8191; past that, the `_sized` forms (`slice_sized`, `reshape_sized`,
//! `flatten_samples_sized`) take the size written and check it when the
//! program is built.
