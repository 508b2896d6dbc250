//! Training data: a batch source typed by its per-sample shape.

use crate::batch::Batched;
use core::marker::PhantomData;
use rayon::prelude::*;
use tensor_core::Tensor;

#[derive(Clone, Copy)]
enum Source<'a> {
    F32(&'a [f32]),
    U8 { data: &'a [u8], scale: f32 },
}

/// Borrowed samples of shape `S` (with a run-time count), from which the
/// training loop gathers batches. `u8` data (pixels) stays `u8` in memory
/// and is scaled to `f32` per batch.
///
/// ```
/// use nn::train::Data;
/// use tensor_core::{shape, Dyn, Sz, Tensor};
/// let images = Tensor::<shape![_, 784], u8>::zeros_with((Dyn(10), Sz));
/// let x: Data<shape![784]> = Data::u8_scaled(&images, 1.0 / 255.0);
/// assert_eq!(x.len(), 10);
/// ```
#[derive(Clone, Copy)]
pub struct Data<'a, S: Batched> {
    src: Source<'a>,
    n: usize,
    _s: PhantomData<S>,
}

impl<'a, S: Batched> Data<'a, S> {
    /// `f32` samples.
    pub fn f32(t: &'a Tensor<S::Batch, f32>) -> Self {
        Data {
            src: Source::F32(t.as_slice()),
            n: t.numel() / S::NUMEL.max(1),
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
    /// sharing the rows among the kernel threads.
    pub fn gather(&self, indices: &[usize], out: &mut Vec<f32>) {
        let k = S::NUMEL;
        out.resize(indices.len() * k, 0.0);
        // Rows per task: enough that a task outweighs handing it out.
        let rows = (4096 / k.max(1)).max(1);
        out.par_chunks_mut(rows * k)
            .zip(indices.par_chunks(rows))
            .for_each(|(o, idx)| {
                for (o, &i) in o.chunks_mut(k).zip(idx) {
                    match self.src {
                        Source::F32(d) => o.copy_from_slice(&d[i * k..(i + 1) * k]),
                        Source::U8 { data, scale } => scale_u8(o, &data[i * k..(i + 1) * k], scale),
                    }
                }
            });
    }
    /// The samples `start..start + len`, split off (for a validation split).
    pub fn split(&self, start: usize, len: usize) -> Self {
        let k = S::NUMEL;
        let src = match self.src {
            Source::F32(d) => Source::F32(&d[start * k..(start + len) * k]),
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

impl<'a, S: Batched> From<&'a Tensor<S::Batch, f32>> for Data<'a, S> {
    fn from(t: &'a Tensor<S::Batch, f32>) -> Self {
        Data::f32(t)
    }
}

/// `o = p * scale` for every pixel, compiled for several SIMD levels.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512bw", "x86_64+avx2"))]
fn scale_u8(o: &mut [f32], p: &[u8], scale: f32) {
    for (o, &p) in o.iter_mut().zip(p) {
        *o = p as f32 * scale;
    }
}
