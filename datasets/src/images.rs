//! A split of MNIST or Fashion-MNIST as a [`Dataset`] the trainer reads.

use core::marker::PhantomData;
use std::path::PathBuf;

use super::catalog::{CLASSES, SIDE};
use super::error::DatasetError;
use super::mnist::Split;
use shaped_core::{kernels::Parallelism, One, Sz};
use shaped_nn::train::{Data, Dataset, GatherError};

/// The values of one image: 28 x 28.
pub const PIXELS: usize = SIDE * SIDE;

/// A [`Split`] of 28 x 28 images as a [`Dataset`]: samples of
/// `shape![784]` (the pixels row-major, scaled to 0..=1 as they are
/// gathered: the bytes stay bytes in memory), targets of `shape![10]`
/// (one-hot, from [`Split::one_hot`]) or `(One,)` (the label, for the
/// sparse losses, from [`Split::sparse`]).
///
/// ```
/// use shaped_datasets::Split;
/// use shaped_nn::train::Dataset;
/// let s = Split::new(vec![255; 2 * 784], vec![3, 8], 28, 28)?;
/// let set = s.one_hot()?;
/// let (mut x, mut y) = (vec![0.0; 784], [0.0; 10]);
/// set.gather(&[1], &mut x, &mut y).unwrap();
/// assert_eq!((set.len(), x[0], y[8], y.iter().sum::<f32>()), (2, 1.0, 1.0, 1.0));
/// # Ok::<(), shaped_datasets::DatasetError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Images<'a, T> {
    pixels: Data<'a, (Sz<PIXELS>,)>,
    labels: &'a [u8],
    _t: PhantomData<T>,
}

impl Split {
    /// This split as a [`Dataset`] of flat images with one-hot targets (for
    /// `CategoricalCrossentropy`).
    ///
    /// # Errors
    ///
    /// [`DatasetError::Shape`] if the images are not 28 x 28.
    ///
    /// ```
    /// let s = shaped_datasets::Split::new(vec![0; 4], vec![1], 2, 2)?;
    /// assert!(s.one_hot().is_err());
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn one_hot(&self) -> Result<Images<'_, (Sz<{ CLASSES as usize }>,)>, DatasetError> {
        self.images_as()
    }
    /// This split as a [`Dataset`] of flat images with one label per image
    /// (for `SparseCategoricalCrossentropy`).
    ///
    /// # Errors
    ///
    /// [`DatasetError::Shape`] if the images are not 28 x 28.
    ///
    /// ```
    /// use shaped_nn::train::Dataset;
    /// let s = shaped_datasets::Split::new(vec![0; 784], vec![7], 28, 28)?;
    /// let (mut x, mut y) = (vec![1.0; 784], [0.0]);
    /// s.sparse()?.gather(&[0], &mut x, &mut y).unwrap();
    /// assert_eq!((x[0], y[0]), (0.0, 7.0));
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn sparse(&self) -> Result<Images<'_, (One,)>, DatasetError> {
        self.images_as()
    }
    fn images_as<T>(&self) -> Result<Images<'_, T>, DatasetError> {
        if (self.rows(), self.cols()) != (SIDE, SIDE) {
            return Err(DatasetError::Shape {
                path: PathBuf::from("<images in memory>"),
                expected: format!("images of {SIDE} x {SIDE} pixels"),
                found: format!("images of {} x {} pixels", self.rows(), self.cols()),
            });
        }
        Ok(Images {
            pixels: Data::u8_flat(self.images(), 1.0 / 255.0),
            labels: self.labels(),
            _t: PhantomData,
        })
    }
}

impl Dataset for Images<'_, (Sz<{ CLASSES as usize }>,)> {
    type Sample = (Sz<PIXELS>,);
    type Target = (Sz<{ CLASSES as usize }>,);
    fn len(&self) -> usize {
        self.labels.len()
    }
    fn gather(
        &self,
        indices: &[usize],
        samples: &mut [f32],
        targets: &mut [f32],
    ) -> Result<(), GatherError> {
        self.gather_with(indices, samples, targets, Parallelism::Rayon)
    }
    fn gather_with(
        &self,
        indices: &[usize],
        samples: &mut [f32],
        targets: &mut [f32],
        parallelism: Parallelism,
    ) -> Result<(), GatherError> {
        self.pixels.gather_into(indices, samples, parallelism)?;
        targets.fill(0.0);
        for (t, &i) in targets.chunks_mut(CLASSES as usize).zip(indices) {
            // Labels were checked below 10 when the split was made, and
            // there are as many as images (the indices were checked
            // against those).
            t[self.labels[i] as usize] = 1.0;
        }
        Ok(())
    }
}

impl Dataset for Images<'_, (One,)> {
    type Sample = (Sz<PIXELS>,);
    type Target = (One,);
    fn len(&self) -> usize {
        self.labels.len()
    }
    fn gather(
        &self,
        indices: &[usize],
        samples: &mut [f32],
        targets: &mut [f32],
    ) -> Result<(), GatherError> {
        self.gather_with(indices, samples, targets, Parallelism::Rayon)
    }
    fn gather_with(
        &self,
        indices: &[usize],
        samples: &mut [f32],
        targets: &mut [f32],
        parallelism: Parallelism,
    ) -> Result<(), GatherError> {
        self.pixels.gather_into(indices, samples, parallelism)?;
        for (t, &i) in targets.iter_mut().zip(indices) {
            *t = self.labels[i] as f32;
        }
        Ok(())
    }
}
