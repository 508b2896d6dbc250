//! Metrics, reported as running means over an epoch, as Keras does.

use crate::{batch::Batched, Scored};
use shaped_core::{op_defs::argmax::argmax, Float, One};

/// A metric accumulated over batches.
pub trait Metric<Out: Batched, E: Float = f32> {
    /// The shape of one target sample.
    type Target: Batched;
    /// Keras's name for it.
    const NAME: &'static str;
    /// Adds a batch of predictions and their targets.
    fn update(&mut self, b: Scored<'_, Out, Self::Target, E>);
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

/// The share of samples whose largest predicted probability is the target's
/// class (one-hot targets): Keras's `accuracy` with categorical crossentropy.
///
/// ```
/// use shaped_nn::metrics::{Accuracy, Metric};
/// use shaped_core::shape;
/// let mut m = Accuracy::default();
/// use shaped_nn::{BatchRef, Scored};
/// let p = BatchRef::<shape![2]>::new(&[0.9, 0.1, 0.4, 0.6], 2).unwrap();
/// let y = BatchRef::<shape![2]>::new(&[1., 0., 1., 0.], 2).unwrap();
/// m.update(Scored::new(p, y).unwrap());
/// assert_eq!(<Accuracy as Metric<shape![2]>>::result(&m), 0.5);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Accuracy {
    tally: Tally,
}

impl<Out: Batched, E: Float> Metric<Out, E> for Accuracy {
    type Target = Out;
    const NAME: &'static str = "accuracy";
    fn update(&mut self, b: Scored<'_, Out, Out, E>) {
        for (p, y) in b.samples() {
            self.tally.correct += usize::from(argmax(p) == argmax(y));
        }
        self.tally.seen += b.len();
    }
    fn result(&self) -> f32 {
        self.tally.share()
    }
    fn reset(&mut self) {
        *self = Self::default();
    }
}

/// Accuracy against integer labels (stored in the model's element type).
///
/// ```
/// use shaped_nn::metrics::{Metric, SparseAccuracy};
/// use shaped_core::shape;
/// let mut m = SparseAccuracy::default();
/// use shaped_nn::{BatchRef, Scored};
/// let p = BatchRef::<shape![2]>::new(&[0.9, 0.1, 0.4, 0.6], 2).unwrap();
/// let y = BatchRef::<shape![1]>::new(&[0., 0.], 2).unwrap();
/// m.update(Scored::new(p, y).unwrap());
/// assert_eq!(<SparseAccuracy as Metric<shape![2]>>::result(&m), 0.5);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SparseAccuracy {
    tally: Tally,
}

impl<Out: Batched, E: Float> Metric<Out, E> for SparseAccuracy {
    type Target = (One,);
    const NAME: &'static str = "sparse_categorical_accuracy";
    fn update(&mut self, b: Scored<'_, Out, (One,), E>) {
        for (p, y) in b.samples() {
            self.tally.correct += usize::from(argmax(p) as f64 == y[0].to_f64());
        }
        self.tally.seen += b.len();
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
/// use shaped_nn::{BatchRef, Scored};
/// let p = BatchRef::<shape![1]>::new(&[0.9, 0.4, 0.7], 3).unwrap();
/// let y = BatchRef::<shape![1]>::new(&[1., 1., 0.], 3).unwrap();
/// m.update(Scored::new(p, y).unwrap());
/// assert!((<BinaryAccuracy as Metric<shape![1]>>::result(&m) - 1.0 / 3.0).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct BinaryAccuracy {
    tally: Tally,
}

impl<Out: Batched, E: Float> Metric<Out, E> for BinaryAccuracy {
    type Target = Out;
    const NAME: &'static str = "binary_accuracy";
    fn update(&mut self, b: Scored<'_, Out, Out, E>) {
        let half = E::from_f64(0.5);
        for (p, y) in b.elements() {
            self.tally.correct += usize::from((p > half) == (y > half));
        }
        self.tally.seen += b.output_elements();
    }
    fn result(&self) -> f32 {
        self.tally.share()
    }
    fn reset(&mut self) {
        *self = Self::default();
    }
}
