//! # shaped
//!
//! Deep learning in Rust with tensors whose shapes the compiler checks.
//! This facade re-exports the workspace's crates; most programs need only
//! [`prelude`]:
//!
//! ```
//! use shaped::prelude::*;
//!
//! let mut rng = shaped::rng(0);
//! let x: Tensor<shape![2, 3]> = Tensor::randn(&mut rng);
//! let w: Tensor<shape![3, 4]> = Tensor::randn(&mut rng);
//! assert_eq!(dot(&x, &w).dims(), [2, 4]);
//! ```
//!
//! ## A project of your own, whole
//!
//! `Cargo.toml` needs one line, `shaped = "0.1"` (or
//! `shaped = { version = "0.1", default-features = false }` for no
//! downloading, plotting, checkpoints or progress bar). Then a model, a
//! seeded random data set whose label is computed from each point, and a
//! fit:
//!
//! ```
//! use shaped::prelude::*;
//! use shaped::nn::train::{FitConfig, Verbosity};
//!
//! model! {
//!     /// Which of two features is the larger.
//!     pub struct Larger: 2 => [Dense<16, Relu>, Dense<2, Softmax>]
//! }
//!
//! let mut rng = shaped::rng(0);
//! let x = Tensor::<shape![_, 2]>::randn_with((Dyn(512), Sz), &mut rng);
//! let y = Tensor::<shape![_, 2]>::from_fn_with((Dyn(512), Sz), |i| {
//!     let p = x.as_slice();
//!     let first_larger = p[2 * i[0]] > p[2 * i[0] + 1];
//!     if first_larger == (i[1] == 0) { 1.0 } else { 0.0 }
//! });
//! let mut trainer = Trainer::new(
//!     Larger::seeded(0),
//!     RmsProp::default(),
//!     CategoricalCrossentropy,
//!     Accuracy::default(),
//! );
//! let cfg = FitConfig::new().epochs(20).batch_size(32).verbosity(Verbosity::Silent);
//! let history = trainer.fit(&x, &y, cfg).unwrap();
//! assert!(history.epochs.last().unwrap().metric > 0.95);
//! ```
//!
//! Features (all on by default): `download` fetches MNIST over HTTPS when it
//! is missing (ureq + rustls), `plot` draws PNG pictures and training curves
//! (plotters, png, a font), `checkpoint` saves models with their optimizer
//! state (safetensors), `progress` redraws Keras's progress bar in a terminal
//! (indicatif). With `default-features = false` none of these crates
//! is compiled; the tensors, layers and the training loop are all there.

#![warn(missing_docs)]

/// The random number crate shaped's constructors take, re-exported so that a
/// program uses the same major version (`shaped::rand::Rng`).
pub use rand;
pub use shaped_core::*;
/// MNIST and Fashion-MNIST, read from IDX files, checked and fetched: the
/// `shaped-datasets` crate (feature `datasets`, on by default).
#[cfg(feature = "datasets")]
pub use shaped_datasets as datasets;
pub use shaped_macros::*;
/// Layers, losses, metrics, optimizers and the training loop: the
/// `shaped-nn` crate.
pub use shaped_nn as nn;
#[doc(hidden)]
pub use shaped_nn::__private;

/// A seeded random number generator of the type shaped's random
/// constructors and `model!`'s `init` take, so a program needs no `rand`
/// dependency of its own (and cannot pick a mismatched major version).
///
/// ```
/// use shaped::prelude::*;
/// let a: Tensor<shape![4]> = Tensor::rand(&mut shaped::rng(7));
/// let b: Tensor<shape![4]> = Tensor::rand(&mut shaped::rng(7));
/// assert_eq!(a.as_slice(), b.as_slice());
/// ```
pub fn rng(seed: u64) -> rand::rngs::StdRng {
    use rand::SeedableRng;
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// What the README's programs use, in one import: `use shaped::prelude::*;`.
pub mod prelude {
    pub use crate::nn::{
        losses::{BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy},
        metrics::Accuracy,
        model,
        optim::{Adam, RmsProp, Sgd},
        train::Trainer,
        AvgPool2D, Conv2D, Dense, Dropout, Flatten, Layer, Linear, MaxPool2D, Relu, Sigmoid,
        Softmax, Tanh,
    };
    pub use crate::{dot, s, shape, Dyn, One, Sz, Tensor};
}
