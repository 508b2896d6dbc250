//! Metrics, reported as running means over an epoch, as Keras does.

use crate::batch::Batched;
use shaped_core::One;

/// A metric accumulated over batches.
pub trait Metric<Out: Batched> {
    /// The shape of one target sample.
    type Target: Batched;
    /// Keras's name for it.
    const NAME: &'static str;
    /// Adds a batch of `n` predictions and targets.
    fn update(&mut self, pred: &[f32], target: &[f32], n: usize);
    /// The mean so far.
    fn result(&self) -> f32;
    /// Forgets everything (at the start of an epoch).
    fn reset(&mut self);
}

/// Right answers out of those seen.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    correct: usize,
    seen: usize,
}

impl Tally {
    fn share(&self) -> f32 {
        if self.seen == 0 {
            0.0
        } else {
            self.correct as f32 / self.seen as f32
        }
    }
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// The share of samples whose largest predicted probability is the target's
/// class (one-hot targets): Keras's `accuracy` with categorical crossentropy.
///
/// ```
/// use shaped_nn::metrics::{Accuracy, Metric};
/// use shaped_core::shape;
/// let mut m = Accuracy::default();
/// <Accuracy as Metric<shape![2]>>::update(&mut m, &[0.9, 0.1, 0.4, 0.6], &[1., 0., 1., 0.], 2);
/// assert_eq!(<Accuracy as Metric<shape![2]>>::result(&m), 0.5);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Accuracy {
    tally: Tally,
}

impl<Out: Batched> Metric<Out> for Accuracy {
    type Target = Out;
    const NAME: &'static str = "accuracy";
    fn update(&mut self, pred: &[f32], target: &[f32], n: usize) {
        let k = Out::NUMEL;
        for (p, y) in pred.chunks(k).zip(target.chunks(k)).take(n) {
            self.tally.correct += usize::from(argmax(p) == argmax(y));
        }
        self.tally.seen += n;
    }
    fn result(&self) -> f32 {
        self.tally.share()
    }
    fn reset(&mut self) {
        *self = Self::default();
    }
}

/// Accuracy against integer labels (stored as `f32`).
///
/// ```
/// use shaped_nn::metrics::{Metric, SparseAccuracy};
/// use shaped_core::shape;
/// let mut m = SparseAccuracy::default();
/// <SparseAccuracy as Metric<shape![2]>>::update(&mut m, &[0.9, 0.1, 0.4, 0.6], &[0., 0.], 2);
/// assert_eq!(<SparseAccuracy as Metric<shape![2]>>::result(&m), 0.5);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SparseAccuracy {
    tally: Tally,
}

impl<Out: Batched> Metric<Out> for SparseAccuracy {
    type Target = (One,);
    const NAME: &'static str = "sparse_categorical_accuracy";
    fn update(&mut self, pred: &[f32], target: &[f32], n: usize) {
        let k = Out::NUMEL;
        for (p, &y) in pred.chunks(k).zip(target).take(n) {
            self.tally.correct += usize::from(argmax(p) as f32 == y);
        }
        self.tally.seen += n;
    }
    fn result(&self) -> f32 {
        self.tally.share()
    }
    fn reset(&mut self) {
        *self = Self::default();
    }
}

/// The share of outputs on the right side of 0.5.
///
/// ```
/// use shaped_nn::metrics::{BinaryAccuracy, Metric};
/// use shaped_core::shape;
/// let mut m = BinaryAccuracy::default();
/// <BinaryAccuracy as Metric<shape![1]>>::update(&mut m, &[0.9, 0.4, 0.7], &[1., 1., 0.], 3);
/// assert!((<BinaryAccuracy as Metric<shape![1]>>::result(&m) - 1.0 / 3.0).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct BinaryAccuracy {
    tally: Tally,
}

impl<Out: Batched> Metric<Out> for BinaryAccuracy {
    type Target = Out;
    const NAME: &'static str = "binary_accuracy";
    fn update(&mut self, pred: &[f32], target: &[f32], _: usize) {
        for (&p, &y) in pred.iter().zip(target) {
            self.tally.correct += usize::from((p > 0.5) == (y > 0.5));
        }
        self.tally.seen += pred.len();
    }
    fn result(&self) -> f32 {
        self.tally.share()
    }
    fn reset(&mut self) {
        *self = Self::default();
    }
}
