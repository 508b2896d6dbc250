//! A batch of model outputs beside the targets they are scored against:
//! what a [`Loss`](crate::losses::Loss) and a
//! [`Metric`](crate::metrics::Metric) take.

use crate::batch::{BatchMut, BatchRef, Batched};
use core::fmt;
use shaped_core::Dtype;

/// `n` model outputs of shape `Out` and their `n` targets of shape `T`,
/// the counts checked equal when made: a loss or a metric never pairs an
/// output with another sample's target, nor runs off the end of either.
///
/// ```
/// use shaped_nn::{BatchRef, Scored};
/// use shaped_core::shape;
/// let pred = BatchRef::<shape![2]>::new(&[0.9, 0.1, 0.4, 0.6], 2).unwrap();
/// let target = BatchRef::<shape![1]>::new(&[0.0, 1.0], 2).unwrap();
/// let b = Scored::new(pred, target).unwrap();
/// assert_eq!(b.len(), 2);
/// let (p, y) = b.samples().nth(1).unwrap();
/// assert_eq!((p, y), (&[0.4, 0.6][..], &[1.0][..]));
/// let short = BatchRef::<shape![1]>::new(&[0.0], 1).unwrap();
/// assert_eq!(
///     Scored::new(pred, short).unwrap_err().to_string(),
///     "2 model outputs scored against 1 targets: one target a sample"
/// );
/// ```
pub struct Scored<'a, Out: Batched, T: Batched, E: Dtype = f32> {
    pred: BatchRef<'a, Out, E>,
    target: BatchRef<'a, T, E>,
}

/// Outputs and targets of different sample counts.
///
/// ```
/// use shaped_nn::{BatchRef, CountMismatch, Scored};
/// use shaped_core::shape;
/// let p = BatchRef::<shape![1]>::new(&[0.5; 3], 3).unwrap();
/// let y = BatchRef::<shape![1]>::new(&[1.0; 4], 4).unwrap();
/// let err: CountMismatch = Scored::new(p, y).unwrap_err();
/// assert_eq!((err.outputs, err.targets), (3, 4));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountMismatch {
    /// The number of output samples.
    pub outputs: usize,
    /// The number of target samples.
    pub targets: usize,
}

impl fmt::Display for CountMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} model outputs scored against {} targets: one target a sample",
            self.outputs, self.targets
        )
    }
}

impl std::error::Error for CountMismatch {}

impl<Out: Batched, T: Batched, E: Dtype> Clone for Scored<'_, Out, T, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Out: Batched, T: Batched, E: Dtype> Copy for Scored<'_, Out, T, E> {}

impl<Out: Batched, T: Batched, E: Dtype> fmt::Debug for Scored<'_, Out, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scored")
            .field("pred", &self.pred)
            .field("target", &self.target)
            .finish()
    }
}

impl<'a, Out: Batched, T: Batched, E: Dtype> Scored<'a, Out, T, E> {
    /// The outputs `pred` scored against `target`, if both hold the same
    /// number of samples.
    ///
    /// ```
    /// use shaped_nn::{BatchRef, Scored};
    /// use shaped_core::shape;
    /// let p = BatchRef::<shape![3]>::new(&[0.0; 6], 2).unwrap();
    /// assert!(Scored::new(p, p).is_ok());
    /// ```
    pub fn new(
        pred: BatchRef<'a, Out, E>,
        target: BatchRef<'a, T, E>,
    ) -> Result<Self, CountMismatch> {
        if pred.len() == target.len() {
            Ok(Scored { pred, target })
        } else {
            Err(CountMismatch {
                outputs: pred.len(),
                targets: target.len(),
            })
        }
    }
    /// The model's outputs.
    ///
    /// ```
    /// use shaped_nn::{BatchRef, Scored};
    /// use shaped_core::shape;
    /// let p = BatchRef::<shape![1]>::new(&[0.5], 1).unwrap();
    /// assert_eq!(Scored::new(p, p).unwrap().pred().as_slice(), [0.5]);
    /// ```
    pub fn pred(&self) -> BatchRef<'a, Out, E> {
        self.pred
    }
    /// The targets.
    ///
    /// ```
    /// use shaped_nn::{BatchRef, Scored};
    /// use shaped_core::shape;
    /// let p = BatchRef::<shape![1]>::new(&[0.5], 1).unwrap();
    /// let y = BatchRef::<shape![1]>::new(&[1.0], 1).unwrap();
    /// assert_eq!(Scored::new(p, y).unwrap().target().as_slice(), [1.0]);
    /// ```
    pub fn target(&self) -> BatchRef<'a, T, E> {
        self.target
    }
    /// The number of samples.
    ///
    /// ```
    /// use shaped_nn::{BatchRef, Scored};
    /// use shaped_core::shape;
    /// let p = BatchRef::<shape![2]>::new(&[0.5; 6], 3).unwrap();
    /// assert_eq!(Scored::new(p, p).unwrap().len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.pred.len()
    }
    /// Whether there is no sample.
    ///
    /// ```
    /// use shaped_nn::{BatchRef, Scored};
    /// use shaped_core::shape;
    /// let p = BatchRef::<shape![2]>::new(&[], 0).unwrap();
    /// assert!(Scored::new(p, p).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.pred.is_empty()
    }
    /// Each sample's output beside its target.
    ///
    /// ```
    /// use shaped_nn::{BatchRef, Scored};
    /// use shaped_core::shape;
    /// let p = BatchRef::<shape![2]>::new(&[1.0, 2.0, 3.0, 4.0], 2).unwrap();
    /// let y = BatchRef::<shape![1]>::new(&[5.0, 6.0], 2).unwrap();
    /// let rows: Vec<_> = Scored::new(p, y).unwrap().samples().collect();
    /// assert_eq!(rows[1], (&[3.0, 4.0][..], &[6.0][..]));
    /// ```
    pub fn samples(&self) -> impl Iterator<Item = (&'a [E], &'a [E])> + 'a {
        // Zero-sized samples chunk as nothing; then each pair is empty.
        let (p, y) = (self.pred.as_slice(), self.target.as_slice());
        (0..self.len()).map(move |i| {
            (
                &p[i * Out::NUMEL..(i + 1) * Out::NUMEL],
                &y[i * T::NUMEL..(i + 1) * T::NUMEL],
            )
        })
    }
    /// Each output element beside its target element, where targets have
    /// the outputs' shape.
    ///
    /// ```
    /// use shaped_nn::{BatchRef, Scored};
    /// use shaped_core::shape;
    /// let p = BatchRef::<shape![2]>::new(&[1.0, 2.0], 1).unwrap();
    /// let y = BatchRef::<shape![2]>::new(&[3.0, 4.0], 1).unwrap();
    /// let pairs: Vec<_> = Scored::new(p, y).unwrap().elements().collect();
    /// assert_eq!(pairs, [(1.0, 3.0), (2.0, 4.0)]);
    /// ```
    pub fn elements(&self) -> impl Iterator<Item = (E, E)> + 'a
    where
        T: Batched<Batch = Out::Batch>,
    {
        let (p, y) = (self.pred.as_slice(), self.target.as_slice());
        p.iter().copied().zip(y.iter().copied())
    }
    /// The number of output elements: the mean over every output divides
    /// by it.
    ///
    /// ```
    /// use shaped_nn::{BatchRef, Scored};
    /// use shaped_core::shape;
    /// let p = BatchRef::<shape![2]>::new(&[0.0; 6], 3).unwrap();
    /// assert_eq!(Scored::new(p, p).unwrap().output_elements(), 6);
    /// ```
    pub fn output_elements(&self) -> usize {
        self.pred.as_slice().len()
    }
    /// `buf` sized as the gradient of these outputs: what a loss's
    /// [`grad`](crate::losses::Loss::grad) writes into.
    ///
    /// ```
    /// use shaped_nn::{BatchRef, Scored};
    /// use shaped_core::shape;
    /// let p = BatchRef::<shape![2]>::new(&[0.0; 6], 3).unwrap();
    /// let mut buf = Vec::new();
    /// assert_eq!(Scored::new(p, p).unwrap().grad_batch(&mut buf).len(), 3);
    /// assert_eq!(buf.len(), 6);
    /// ```
    pub fn grad_batch<'g>(&self, buf: &'g mut Vec<E>) -> BatchMut<'g, Out, E> {
        BatchMut::resized(buf, self.len())
    }
}
