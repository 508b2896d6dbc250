//! Training data: a batch source typed by its per-sample shape.

use crate::batch::Batched;
use core::marker::PhantomData;
use rayon::prelude::*;
use shaped_core::{dtype::downcast_slice_mut, kernels::Parallelism, Float, Tensor};

/// Why a gather wrote no batch: arguments that do not fit the data
/// ([`Data::gather_into`]), or a data set that could not produce its
/// samples (a [`Dataset`](super::Dataset) of the user's, e.g. reading
/// them from a file).
///
/// ```
/// use shaped_core::{kernels::Parallelism, shape, Dyn, Sz, Tensor};
/// use shaped_nn::train::{Data, GatherError};
/// let t = Tensor::<shape![_, 2]>::zeros_with((Dyn(2), Sz));
/// let mut out = [0.0; 2];
/// let err = Data::<shape![2]>::f32(&t).gather_into(&[2], &mut out, Parallelism::None);
/// assert_eq!(err, Err(GatherError::Index { index: 2, len: 2 }));
/// assert_eq!(err.unwrap_err().to_string(), "sample 2 asked for, but the data holds 2");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GatherError {
    /// The output buffer does not hold exactly the samples asked for.
    OutputLen {
        /// Values the buffer holds.
        values: usize,
        /// Samples asked for.
        samples: usize,
        /// Values in one sample.
        per_sample: usize,
    },
    /// An index is not below the number of samples.
    Index {
        /// The index.
        index: usize,
        /// The number of samples.
        len: usize,
    },
    /// A data set could not produce its samples (its own words).
    Failed(String),
}

impl std::fmt::Display for GatherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GatherError::OutputLen {
                values,
                samples,
                per_sample,
            } => write!(
                f,
                "the output holds {values} values, not {samples} samples of {per_sample}"
            ),
            GatherError::Index { index, len } => {
                write!(f, "sample {index} asked for, but the data holds {len}")
            }
            GatherError::Failed(why) => write!(f, "the data set could not gather: {why}"),
        }
    }
}

impl std::error::Error for GatherError {}

#[derive(Clone, Copy)]
enum Source<'a, E> {
    Elems(&'a [E]),
    U8 { data: &'a [u8], scale: f32 },
}

/// Borrowed samples of shape `S` (with a run-time count) for a model
/// computing in `E` (`f32` unless named), from which the training loop
/// gathers batches. `u8` data (pixels) stays `u8` in memory and is scaled
/// to `E` per batch.
///
/// ```
/// use shaped_nn::train::Data;
/// use shaped_core::{shape, Dyn, Sz, Tensor};
/// let images = Tensor::<shape![_, 784], u8>::zeros_with((Dyn(10), Sz));
/// let x: Data<shape![784]> = Data::u8_scaled(&images, 1.0 / 255.0);
/// assert_eq!(x.len(), 10);
/// ```
pub struct Data<'a, S: Batched, E: Float = f32> {
    src: Source<'a, E>,
    n: usize,
    _s: PhantomData<S>,
}

impl<S: Batched, E: Float> Clone for Data<'_, S, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S: Batched, E: Float> Copy for Data<'_, S, E> {}

impl<'a, S: Batched> Data<'a, S> {
    /// `f32` samples.
    pub fn f32(t: &'a Tensor<S::Batch, f32>) -> Self {
        Data::tensor(t)
    }
}

impl<'a, S: Batched, E: Float> Data<'a, S, E> {
    /// The samples of a tensor of the model's element type (`f32` or
    /// `f64`).
    ///
    /// ```
    /// use shaped_nn::train::Data;
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let x = Tensor::<shape![_, 2], f64>::ones_with((Dyn(3), Sz));
    /// assert_eq!(Data::<shape![2], f64>::tensor(&x).len(), 3);
    /// ```
    pub fn tensor(t: &'a Tensor<S::Batch, E>) -> Self {
        Data {
            src: Source::Elems(t.as_slice()),
            n: t.numel() / S::NUMEL.max(1),
            _s: PhantomData,
        }
    }
    /// Samples in a flat row-major buffer (a whole number of samples:
    /// a partial last one is left out).
    pub(crate) fn from_flat(d: &'a [E]) -> Self {
        let n = d.len() / S::NUMEL.max(1);
        Data {
            src: Source::Elems(&d[..n * S::NUMEL]),
            n,
            _s: PhantomData,
        }
    }
    /// `u8` samples in a flat row-major buffer (a whole number of samples:
    /// a partial last one is left out), each value multiplied by `scale` as
    /// it is gathered: a data set that keeps its pixels as bytes (an MNIST
    /// split) gathers through it.
    ///
    /// ```
    /// use shaped_core::{kernels::Parallelism, shape};
    /// use shaped_nn::train::Data;
    /// // Two samples of two pixels (the fifth byte is no whole sample).
    /// let pixels = [0u8, 255, 4, 6, 7];
    /// let d = Data::<shape![2]>::u8_flat(&pixels, 0.5);
    /// let mut out = [0.0; 2];
    /// d.gather_into(&[1], &mut out, Parallelism::None).unwrap();
    /// assert_eq!((d.len(), out), (2, [2.0, 3.0]));
    /// ```
    pub fn u8_flat(d: &'a [u8], scale: f32) -> Self {
        let n = d.len() / S::NUMEL.max(1);
        Data {
            src: Source::U8 {
                data: &d[..n * S::NUMEL],
                scale,
            },
            n,
            _s: PhantomData,
        }
    }
    /// `u8` samples, each value multiplied by `scale` as it is gathered.
    pub fn u8_scaled(t: &'a Tensor<S::Batch, u8>, scale: f32) -> Self {
        Data {
            src: Source::U8 {
                data: t.as_slice(),
                scale,
            },
            n: t.numel() / S::NUMEL.max(1),
            _s: PhantomData,
        }
    }
    /// The number of samples.
    pub fn len(&self) -> usize {
        self.n
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// Copies the samples at `indices` into `out` (resized, capacity kept),
    /// sharing the rows among the kernel threads; an index past the
    /// samples is an error ([`GatherError::Index`]).
    pub fn gather(&self, indices: &[usize], out: &mut Vec<E>) -> Result<(), GatherError> {
        self.gather_with(indices, out, Parallelism::Rayon)
    }
    /// [`gather`](Self::gather) on at most `parallelism`'s threads: with
    /// one, the rows are copied in turn on the calling thread (the same
    /// values).
    ///
    /// ```
    /// use shaped_core::{kernels::Parallelism, shape, Dyn, Sz, Tensor};
    /// use shaped_nn::train::Data;
    /// let t = Tensor::<shape![_, 2]>::from_shape_vec((Dyn(2), Sz), vec![1., 2., 3., 4.]).unwrap();
    /// let mut out = Vec::new();
    /// Data::<shape![2]>::f32(&t).gather_with(&[1, 0], &mut out, Parallelism::None).unwrap();
    /// assert_eq!(out, [3., 4., 1., 2.]);
    /// ```
    pub fn gather_with(
        &self,
        indices: &[usize],
        out: &mut Vec<E>,
        parallelism: Parallelism,
    ) -> Result<(), GatherError> {
        let len = indices
            .len()
            .checked_mul(S::NUMEL)
            .ok_or(GatherError::OutputLen {
                values: out.len(),
                samples: indices.len(),
                per_sample: S::NUMEL,
            })?;
        out.resize(len, E::ZERO);
        self.gather_into(indices, out, parallelism)
    }
    /// Copies the samples at `indices` into `out`, sharing the rows among
    /// (at most `par`'s) kernel threads: what [`Dataset::gather`](super::Dataset::gather)
    /// does for a pair of `Data` and for an MNIST split, into the buffers
    /// the trainer sized to exactly `indices.len()` samples.
    ///
    /// Refused, with nothing written, when `out` does not hold exactly
    /// `indices.len()` samples ([`GatherError::OutputLen`];
    /// [`gather`](Self::gather) sizes its `Vec` itself) or an index is not
    /// below [`len`](Self::len) ([`GatherError::Index`]).
    ///
    /// ```
    /// use shaped_core::{kernels::Parallelism, shape, Dyn, Sz, Tensor};
    /// use shaped_nn::train::Data;
    /// let t = Tensor::<shape![_, 2]>::from_shape_vec((Dyn(2), Sz), vec![1., 2., 3., 4.]).unwrap();
    /// let mut out = [0.0; 4];
    /// Data::<shape![2]>::f32(&t).gather_into(&[1, 1], &mut out, Parallelism::None).unwrap();
    /// assert_eq!(out, [3., 4., 3., 4.]);
    /// ```
    pub fn gather_into(
        &self,
        indices: &[usize],
        out: &mut [E],
        par: Parallelism,
    ) -> Result<(), GatherError> {
        let k = S::NUMEL;
        if Some(out.len()) != indices.len().checked_mul(k) {
            return Err(GatherError::OutputLen {
                values: out.len(),
                samples: indices.len(),
                per_sample: k,
            });
        }
        if let Some(&index) = indices.iter().find(|&&i| i >= self.n) {
            return Err(GatherError::Index { index, len: self.n });
        }
        if k == 0 {
            return Ok(());
        }
        // Tasks of about 32K values, enough that a task outweighs handing it
        // out, with the rows spread evenly over them; no more tasks than
        // `par` has threads (one: no task is handed out).
        let tasks = (indices.len() * k).div_ceil(1 << 15).clamp(1, par.tasks());
        let rows = indices.len().div_ceil(tasks).max(1);
        let copy = |(o, idx): (&mut [E], &[usize])| {
            for (t, (o, &i)) in o.chunks_mut(k).zip(idx).enumerate() {
                // Samples are read in shuffled order, so the hardware
                // cannot guess the next one: ask for it a few rows ahead.
                if let Some(&ahead) = idx.get(t + PREFETCH_AHEAD) {
                    self.prefetch_sample(ahead);
                }
                match self.src {
                    Source::Elems(d) => o.copy_from_slice(&d[i * k..(i + 1) * k]),
                    Source::U8 { data, scale } => scale_into(o, &data[i * k..(i + 1) * k], scale),
                }
            }
        };
        if tasks == 1 {
            copy((out, indices));
        } else {
            out.par_chunks_mut(rows * k)
                .zip(indices.par_chunks(rows))
                .for_each(copy);
        }
        Ok(())
    }
    /// Starts loading sample `i` into the cache.
    fn prefetch_sample(&self, i: usize) {
        let k = S::NUMEL;
        match self.src {
            Source::Elems(d) => {
                shaped_core::kernels::prefetch(d.get(i * k..(i + 1) * k).unwrap_or(&[]))
            }
            Source::U8 { data, .. } => {
                shaped_core::kernels::prefetch(data.get(i * k..(i + 1) * k).unwrap_or(&[]))
            }
        }
    }
    /// The samples `start..start + len`, split off (for a validation split).
    pub fn split(&self, start: usize, len: usize) -> Self {
        let k = S::NUMEL;
        let src = match self.src {
            Source::Elems(d) => Source::Elems(&d[start * k..(start + len) * k]),
            Source::U8 { data, scale } => Source::U8 {
                data: &data[start * k..(start + len) * k],
                scale,
            },
        };
        Data {
            src,
            n: len,
            _s: PhantomData,
        }
    }
}

impl<'a, S: Batched, E: Float> From<&'a Tensor<S::Batch, E>> for Data<'a, S, E> {
    fn from(t: &'a Tensor<S::Batch, E>) -> Self {
        Data::tensor(t)
    }
}

/// `o = p * scale` for every pixel: the SIMD loop for `f32`, the same
/// product in `E` (`scale` widened) for another type.
fn scale_into<E: Float>(o: &mut [E], p: &[u8], scale: f32) {
    match downcast_slice_mut::<E, f32>(o) {
        Some(o) => scale_u8(o, p, scale),
        None => {
            let scale = E::from_f64(scale as f64);
            for (o, &p) in o.iter_mut().zip(p) {
                *o = E::from_f64(p as f64) * scale;
            }
        }
    }
}

/// Samples read ahead of the one being copied.
const PREFETCH_AHEAD: usize = 4;

shaped_core::vectorized! {
    /// `o = p * scale` for every pixel, compiled for several SIMD levels.
    fn scale_u8[][](o: &mut [f32], p: &[u8], scale: f32) {
        for (o, &p) in o.iter_mut().zip(p) {
            *o = p as f32 * scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shaped_core::{shape, Dyn, Sz};

    #[test]
    fn gather_copies_and_scales_the_chosen_samples_in_order() {
        // 300 samples of 784: several parallel tasks, and read-ahead
        // running off the end of each task.
        let n = 300;
        let pixels: Vec<u8> = (0..n * 784).map(|i| (i * 7 % 251) as u8).collect();
        let images = Tensor::<shape![_, 784], u8>::from_shape_vec((Dyn(n), Sz), pixels).unwrap();
        let floats = images.cast::<f32>();
        let idx: Vec<usize> = (0..n).map(|i| (i * 37 + 5) % n).collect();
        let (mut a, mut b) = (Vec::new(), vec![f32::NAN; 3]);
        Data::<shape![784]>::u8_scaled(&images, 0.5)
            .gather(&idx, &mut a)
            .unwrap();
        Data::<shape![784]>::f32(&floats)
            .gather(&idx, &mut b)
            .unwrap();
        assert_eq!(a.len(), n * 784);
        for (r, &i) in idx.iter().enumerate() {
            for j in [0, 1, 400, 783] {
                let p = images.as_slice()[i * 784 + j] as f32;
                assert_eq!(a[r * 784 + j], p * 0.5, "u8 sample {i}, pixel {j}");
                assert_eq!(b[r * 784 + j], p, "f32 sample {i}, pixel {j}");
            }
        }
    }

    #[test]
    fn gather_into_fills_exactly_the_buffer_given() {
        let px =
            Tensor::<shape![_, 2], u8>::from_shape_vec((Dyn(2), Sz), vec![0, 2, 4, 6]).unwrap();
        let mut out = [0.0; 2];
        Data::<shape![2]>::u8_scaled(&px, 0.5)
            .gather_into(&[1], &mut out, Parallelism::None)
            .unwrap();
        assert_eq!(out, [2.0, 3.0]);
    }

    #[test]
    fn gather_into_refuses_a_wrong_buffer_or_index_and_writes_nothing() {
        let px =
            Tensor::<shape![_, 2], u8>::from_shape_vec((Dyn(2), Sz), vec![0, 2, 4, 6]).unwrap();
        let d = Data::<shape![2]>::u8_scaled(&px, 0.5);
        let mut out = [9.0; 3];
        assert_eq!(
            d.gather_into(&[1], &mut out, Parallelism::None),
            Err(GatherError::OutputLen {
                values: 3,
                samples: 1,
                per_sample: 2
            })
        );
        let mut out = [9.0; 4];
        assert_eq!(
            d.gather_into(&[0, 2], &mut out, Parallelism::None),
            Err(GatherError::Index { index: 2, len: 2 })
        );
        assert_eq!(out, [9.0; 4]);
        let mut v = Vec::new();
        assert_eq!(
            d.gather(&[usize::MAX], &mut v),
            Err(GatherError::Index {
                index: usize::MAX,
                len: 2
            })
        );
    }
}
