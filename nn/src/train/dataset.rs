//! A data set as the training loop reads it: samples with their targets,
//! typed by their shapes, gathered a batch at a time into the trainer's
//! buffers.

use super::data::{Data, GatherError};
use crate::batch::Batched;
use shaped_core::{kernels::Parallelism, Float};

/// A source of `len()` samples of shape [`Sample`](Self::Sample), each
/// with a target of shape [`Target`](Self::Target), from which
/// [`Trainer::fit_dataset`] and [`Trainer::evaluate_dataset`] gather
/// batches.
///
/// The shapes are types, so a data set whose samples are not the model's
/// input shape, or whose targets are not the loss's, does not compile. The
/// trainer owns the batch buffers and sizes them before each call: a data
/// set only writes values, so a step allocates nothing. Samples may be
/// stored (a pair of [`Data`] is a data set: that is how `fit(&x, &y)`
/// runs), decoded, or computed on the fly, as here:
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::{losses::BinaryCrossentropy, metrics::BinaryAccuracy, model, optim::Adam};
/// use shaped_nn::train::{Dataset, FitConfig, GatherError, Trainer, Verbosity};
/// use shaped_nn::{Dense, Sigmoid, Tanh};
/// use shaped_core::{shape, Sz};
///
/// /// XOR of the signs of two coordinates, computed from the index.
/// struct Xor(usize);
/// impl Xor {
///     fn point(i: usize) -> [f32; 2] {
///         let h = (i as u32).wrapping_mul(2_654_435_761);
///         [(h & 0xffff) as f32 / 32768.0 - 1.0, (h >> 16) as f32 / 32768.0 - 1.0]
///     }
/// }
/// impl Dataset for Xor {
///     type Sample = shape![2];
///     type Target = (Sz<1>,);
///     fn len(&self) -> usize {
///         self.0
///     }
///     fn gather(&self, indices: &[usize], samples: &mut [f32], targets: &mut [f32]) -> Result<(), GatherError> {
///         for ((&i, s), t) in indices.iter().zip(samples.chunks_mut(2)).zip(targets) {
///             let p = Self::point(i);
///             s.copy_from_slice(&p);
///             *t = ((p[0] > 0.0) != (p[1] > 0.0)) as u8 as f32;
///         }
///         Ok(())
///     }
/// }
///
/// model! { struct Net: 2 => [Dense<16, Tanh>, Dense<1, Sigmoid>] }
/// let mut t = Trainer::new(Net::seeded(1), Adam::new(0.02), BinaryCrossentropy, BinaryAccuracy::default());
/// let before = t.evaluate_dataset(&Xor(512), 128).unwrap().metric;
/// let cfg = FitConfig::new().epochs(40).batch_size(32).verbosity(Verbosity::Silent);
/// t.fit_dataset(&Xor(512), cfg).unwrap();
/// let after = t.evaluate_dataset(&Xor(512), 128).unwrap().metric;
/// assert!(after > 0.9 && after > before, "accuracy {before} -> {after}");
/// ```
///
/// A data set whose shapes are not the model's is refused by `cargo check`
/// ("type mismatch resolving `<Points as Dataset>::Sample == (Sz<2>,)`",
/// pointing at `type Sample = shape![3]`: "expected `(Sz<2>,)`, found
/// `(Sz<3>,)`"):
///
/// ```compile_fail,E0271
/// use shaped_nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::Sgd};
/// use shaped_nn::{train::{Dataset, FitConfig, GatherError, Trainer}, Dense, Linear};
/// use shaped_core::{shape, Sz};
/// struct Points;
/// impl Dataset for Points {
///     type Sample = shape![3];
///     type Target = (Sz<1>,);
///     fn len(&self) -> usize { 4 }
///     fn gather(&self, _: &[usize], _: &mut [f32], _: &mut [f32]) -> Result<(), GatherError> { Ok(()) }
/// }
/// model! { struct Line: 2 => [Dense<1, Linear>] }
/// let mut t = Trainer::new(Line::seeded(0), Sgd::new(0.1), MeanSquaredError, BinaryAccuracy::default());
/// t.fit_dataset(&Points, FitConfig::new());
/// ```
///
/// [`Trainer::fit_dataset`]: super::Trainer::fit_dataset
/// [`Trainer::evaluate_dataset`]: super::Trainer::evaluate_dataset
pub trait Dataset<E: Float = f32> {
    /// The shape of one sample (the model's input shape), e.g. `shape![784]`.
    type Sample: Batched;
    /// The shape of one target (the loss's target shape), e.g. `shape![10]`
    /// for one-hot classes or `(One,)` for a label.
    type Target: Batched;
    /// The number of samples.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Writes the samples at `indices`, in that order, into `samples` and
    /// their targets into `targets`, row-major: `samples` holds exactly
    /// `indices.len() * Sample::NUMEL` values and `targets`
    /// `indices.len() * Target::NUMEL`. Every index is below `len()`.
    /// A data set that cannot produce them (a file that fails to read)
    /// says why with [`GatherError::Failed`]: training stops with it.
    fn gather(
        &self,
        indices: &[usize],
        samples: &mut [E],
        targets: &mut [E],
    ) -> Result<(), GatherError>;
    /// [`gather`](Self::gather) on at most `parallelism`'s threads (the
    /// trainer passes its [`Compute`](crate::Compute)'s; with one thread
    /// nothing may run off the calling thread). The default calls
    /// `gather`, which a data set that does not split its copying may
    /// keep.
    ///
    /// ```
    /// use shaped_core::{kernels::Parallelism, Dyn, Sz, Tensor};
    /// use shaped_nn::train::{Data, Dataset};
    /// let x = Tensor::<(Dyn, Sz<1>)>::from_shape_vec((Dyn(2), Sz), vec![1., 2.]).unwrap();
    /// let set: (Data<(Sz<1>,)>, Data<(Sz<1>,)>) = (Data::f32(&x), Data::f32(&x));
    /// let (mut s, mut t) = ([0.0; 2], [0.0; 2]);
    /// set.gather_with(&[1, 0], &mut s, &mut t, Parallelism::None).unwrap();
    /// assert_eq!((s, t), ([2., 1.], [2., 1.]));
    /// ```
    fn gather_with(
        &self,
        indices: &[usize],
        samples: &mut [E],
        targets: &mut [E],
        parallelism: Parallelism,
    ) -> Result<(), GatherError> {
        let _ = parallelism;
        self.gather(indices, samples, targets)
    }
    /// The numbers of samples and of targets, for a data set that stores
    /// them apart (a pair of [`Data`]): the trainer refuses one where they
    /// differ ([`TrainError::LengthMismatch`]). By default both are
    /// `len()`.
    ///
    /// [`TrainError::LengthMismatch`]: super::TrainError::LengthMismatch
    fn counts(&self) -> (usize, usize) {
        (self.len(), self.len())
    }
}

/// Inputs and targets held in memory (what `fit(&x, &y)` trains on).
///
/// ```
/// use shaped_nn::train::{Data, Dataset};
/// use shaped_core::{shape, Dyn, Sz, Tensor};
/// let x = Tensor::<shape![_, 2]>::from_shape_vec((Dyn(3), Sz), vec![0., 1., 2., 3., 4., 5.]).unwrap();
/// let y = Tensor::<(Dyn, Sz<1>)>::from_shape_vec((Dyn(3), Sz), vec![7., 8., 9.]).unwrap();
/// let set: (Data<shape![2]>, Data<(Sz<1>,)>) = (Data::f32(&x), Data::f32(&y));
/// let (mut s, mut t) = ([0.0; 4], [0.0; 2]);
/// set.gather(&[2, 0], &mut s, &mut t).unwrap();
/// assert_eq!((set.len(), s, t), (3, [4., 5., 0., 1.], [9., 7.]));
/// ```
impl<S: Batched, T: Batched, E: Float> Dataset<E> for (Data<'_, S, E>, Data<'_, T, E>) {
    type Sample = S;
    type Target = T;
    /// The smaller of the two counts (see [`counts`](Dataset::counts)).
    fn len(&self) -> usize {
        self.0.len().min(self.1.len())
    }
    #[inline]
    fn gather(
        &self,
        indices: &[usize],
        samples: &mut [E],
        targets: &mut [E],
    ) -> Result<(), GatherError> {
        self.gather_with(indices, samples, targets, Parallelism::Rayon)
    }
    #[inline]
    fn gather_with(
        &self,
        indices: &[usize],
        samples: &mut [E],
        targets: &mut [E],
        parallelism: Parallelism,
    ) -> Result<(), GatherError> {
        self.0.gather_into(indices, samples, parallelism)?;
        self.1.gather_into(indices, targets, parallelism)
    }
    fn counts(&self) -> (usize, usize) {
        (self.0.len(), self.1.len())
    }
}

/// A data set behind a reference is one too.
impl<E: Float, D: Dataset<E> + ?Sized> Dataset<E> for &D {
    type Sample = D::Sample;
    type Target = D::Target;
    fn len(&self) -> usize {
        (**self).len()
    }
    #[inline]
    fn gather(
        &self,
        indices: &[usize],
        samples: &mut [E],
        targets: &mut [E],
    ) -> Result<(), GatherError> {
        (**self).gather(indices, samples, targets)
    }
    #[inline]
    fn gather_with(
        &self,
        indices: &[usize],
        samples: &mut [E],
        targets: &mut [E],
        parallelism: Parallelism,
    ) -> Result<(), GatherError> {
        (**self).gather_with(indices, samples, targets, parallelism)
    }
    fn counts(&self) -> (usize, usize) {
        (**self).counts()
    }
}
