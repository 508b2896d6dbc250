//! Batches: a per-sample shape with a run-time batch axis in front.

use core::{fmt, marker::PhantomData};
use shaped_core::{ConstShape, Dtype, Dyn, Shape, StaticDim, TensorView};

/// A per-sample shape that can be batched: `(Sz<784>,)` becomes
/// `(Dyn, Sz<784>)`.
///
/// ```
/// use shaped_nn::Batched;
/// use shaped_core::{shape, Shape};
/// let b = <shape![28, 28] as Batched>::batch(5);
/// assert_eq!(b.dims(), [5, 28, 28]);
/// ```
pub trait Batched: ConstShape {
    /// The shape of a batch of these samples.
    type Batch: Shape;
    /// The batch shape for `n` samples.
    fn batch(n: usize) -> Self::Batch;
}

macro_rules! batched {
    ($($D:ident),+) => {
        impl<$($D: StaticDim),+> Batched for ($($D,)+) {
            type Batch = (Dyn, $($D,)+);
            fn batch(n: usize) -> Self::Batch {
                (Dyn(n), $($D::from_size($D::SIZE).unwrap(),)+)
            }
        }
    };
}
batched!(A);
batched!(A, B);
batched!(A, B, C);
batched!(A, B, C, D);
batched!(A, B, C, D, F);

/// A borrowed batch: `n` samples of shape `S` and element type `E` (`f32`
/// unless named), flat and row-major, what a [`Layer`](crate::Layer) takes. The sample shape is in the type and the
/// length was checked when the view was made, so a layer never sees a
/// buffer of another shape or size.
///
/// ```
/// use shaped_nn::BatchRef;
/// use shaped_core::shape;
/// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let x = BatchRef::<shape![3]>::new(&data, 2).unwrap();
/// assert_eq!((x.len(), x.sample(1)), (2, Some(&data[3..])));
/// assert_eq!(x.view().dims(), [2, 3]);
/// assert_eq!(
///     BatchRef::<shape![3]>::new(&data, 3).unwrap_err().to_string(),
///     "a batch of 3 samples of shape (3) holds 9 elements; this buffer holds 6"
/// );
/// ```
pub struct BatchRef<'a, S: Batched, E: Dtype = f32> {
    data: &'a [E],
    n: usize,
    shape: PhantomData<fn() -> S>,
}

/// A mutable batch: `n` samples of shape `S`, flat and row-major, what a
/// layer writes its outputs and input gradients into. Made from a reused
/// buffer by [`resized`](Self::resized), its elements hold whatever the
/// buffer held before (the last step's values, zeros where it grew): a
/// layer writes every one.
///
/// ```
/// use shaped_nn::BatchMut;
/// use shaped_core::shape;
/// let mut buf = Vec::new();
/// let mut out = BatchMut::<shape![2, 2]>::resized(&mut buf, 3);
/// out.as_mut_slice().fill(1.0);
/// assert_eq!(out.len(), 3);
/// assert_eq!(buf, [1.0; 12]);
/// ```
pub struct BatchMut<'a, S: Batched, E: Dtype = f32> {
    data: &'a mut [E],
    n: usize,
    shape: PhantomData<fn() -> S>,
}

/// A buffer whose length is not `n` samples of the batch's shape.
///
/// ```
/// use shaped_nn::{BatchLenError, BatchRef};
/// use shaped_core::shape;
/// let err: BatchLenError = BatchRef::<shape![28, 28]>::new(&[0.0; 784], 2).unwrap_err();
/// assert_eq!((err.samples, err.sample_dims.as_slice(), err.got), (2, &[28, 28][..], 784));
/// assert_eq!(
///     err.to_string(),
///     "a batch of 2 samples of shape (28, 28) holds 1568 elements; this buffer holds 784"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchLenError {
    /// The number of samples asked for.
    pub samples: usize,
    /// One sample's dims.
    pub sample_dims: Vec<usize>,
    /// The buffer's length.
    pub got: usize,
}

impl fmt::Display for BatchLenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self.sample_dims.iter().map(|d| d.to_string()).collect();
        write!(
            f,
            "a batch of {} samples of shape ({}) holds ",
            self.samples,
            dims.join(", ")
        )?;
        match self
            .sample_dims
            .iter()
            .try_fold(self.samples, |a, &d| a.checked_mul(d))
        {
            Some(e) => write!(f, "{e} elements")?,
            None => write!(f, "more elements than usize counts")?,
        }
        write!(f, "; this buffer holds {}", self.got)
    }
}

impl std::error::Error for BatchLenError {}

/// `n * S::NUMEL`, or the error naming `got` when it is not `got`.
fn check_len<S: Batched>(n: usize, got: usize) -> Result<(), BatchLenError> {
    if n.checked_mul(S::NUMEL) == Some(got) {
        Ok(())
    } else {
        Err(BatchLenError {
            samples: n,
            sample_dims: S::DIMS.as_ref().to_vec(),
            got,
        })
    }
}

impl<S: Batched, E: Dtype> Clone for BatchRef<'_, S, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S: Batched, E: Dtype> Copy for BatchRef<'_, S, E> {}

impl<S: Batched, E: Dtype> fmt::Debug for BatchRef<'_, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchRef")
            .field("samples", &self.n)
            .field("sample_dims", &S::DIMS.as_ref())
            .field("elements", &self.data.len())
            .finish()
    }
}

impl<S: Batched, E: Dtype> fmt::Debug for BatchMut<'_, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchMut")
            .field("samples", &self.n)
            .field("sample_dims", &S::DIMS.as_ref())
            .field("elements", &self.data.len())
            .finish()
    }
}

impl<'a, S: Batched, E: Dtype> BatchRef<'a, S, E> {
    /// `data` as a batch of `n` samples, if it holds exactly `n` samples'
    /// elements.
    ///
    /// ```
    /// use shaped_nn::BatchRef;
    /// use shaped_core::shape;
    /// let data = [0.0; 12];
    /// assert_eq!(BatchRef::<shape![2, 3]>::new(&data, 2).unwrap().len(), 2);
    /// assert!(BatchRef::<shape![2, 3]>::new(&data, 3).is_err());
    /// assert!(BatchRef::<shape![2, 3]>::new(&data, usize::MAX).is_err());
    /// ```
    pub fn new(data: &'a [E], n: usize) -> Result<Self, BatchLenError> {
        check_len::<S>(n, data.len())?;
        Ok(BatchRef {
            data,
            n,
            shape: PhantomData,
        })
    }
    /// The number of samples (not of elements: see
    /// [`as_slice`](Self::as_slice)).
    ///
    /// ```
    /// use shaped_nn::BatchRef;
    /// use shaped_core::shape;
    /// assert_eq!(BatchRef::<shape![4]>::new(&[0.0; 8], 2).unwrap().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.n
    }
    /// Whether the batch holds no sample.
    ///
    /// ```
    /// use shaped_nn::BatchRef;
    /// use shaped_core::shape;
    /// assert!(BatchRef::<shape![4]>::new(&[], 0).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// The elements of every sample, flat and row-major.
    ///
    /// ```
    /// use shaped_nn::BatchRef;
    /// use shaped_core::shape;
    /// assert_eq!(BatchRef::<shape![1]>::new(&[1.0, 2.0], 2).unwrap().as_slice(), [1.0, 2.0]);
    /// ```
    pub fn as_slice(&self) -> &'a [E] {
        self.data
    }
    /// The elements of sample `i`, or `None` past the end.
    ///
    /// ```
    /// use shaped_nn::BatchRef;
    /// use shaped_core::shape;
    /// let x = BatchRef::<shape![2]>::new(&[1.0, 2.0, 3.0, 4.0], 2).unwrap();
    /// assert_eq!((x.sample(1), x.sample(2)), (Some(&[3.0, 4.0][..]), None));
    /// ```
    pub fn sample(&self, i: usize) -> Option<&'a [E]> {
        let start = i.checked_mul(S::NUMEL)?;
        self.data.get(start..start.checked_add(S::NUMEL)?)
    }
    /// The batch as a typed tensor view of shape `(n, S...)`, for the
    /// tensor ops (no copy).
    ///
    /// ```
    /// use shaped_nn::BatchRef;
    /// use shaped_core::shape;
    /// let x = BatchRef::<shape![2]>::new(&[1.0, 2.0, 3.0, 4.0], 2).unwrap();
    /// assert_eq!(x.view().get([1, 0]), Some(3.0));
    /// assert_eq!(x.view().sum_all(), 10.0);
    /// ```
    pub fn view(&self) -> TensorView<'a, S::Batch, E> {
        TensorView::from_slice(S::batch(self.n), self.data)
            .expect("a batch holds n samples' elements")
    }
}

impl<'a, S: Batched, E: Dtype> BatchMut<'a, S, E> {
    /// `data` as a mutable batch of `n` samples, if it holds exactly `n`
    /// samples' elements.
    ///
    /// ```
    /// use shaped_nn::BatchMut;
    /// use shaped_core::shape;
    /// let mut g = [1.0, 2.0];
    /// BatchMut::<shape![1]>::new(&mut g, 2).unwrap().as_mut_slice()[1] = 5.0;
    /// assert_eq!(g, [1.0, 5.0]);
    /// assert!(BatchMut::<shape![1]>::new(&mut g, 3).is_err());
    /// ```
    pub fn new(data: &'a mut [E], n: usize) -> Result<Self, BatchLenError> {
        check_len::<S>(n, data.len())?;
        Ok(BatchMut {
            data,
            n,
            shape: PhantomData,
        })
    }
    /// `buf` resized to `n` samples (shortened, or grown with zeros: its
    /// capacity is kept, so a buffer reused from step to step allocates
    /// only when the batch grows), as a mutable batch.
    ///
    /// # Panics
    ///
    /// When `n` samples hold more than `usize::MAX` elements (as
    /// `Vec::resize` panics when it cannot allocate).
    ///
    /// ```
    /// use shaped_nn::BatchMut;
    /// use shaped_core::shape;
    /// let mut buf = vec![7.0; 10];
    /// assert_eq!(BatchMut::<shape![3]>::resized(&mut buf, 2).as_slice(), [7.0; 6]);
    /// assert_eq!(BatchMut::<shape![3]>::resized(&mut buf, 3).as_slice()[6..], [0.0; 3]);
    /// ```
    pub fn resized(buf: &'a mut Vec<E>, n: usize) -> Self {
        let len = n.checked_mul(S::NUMEL).unwrap_or_else(|| {
            panic!(
                "a batch of {n} samples of {} elements overflows usize",
                S::NUMEL
            )
        });
        buf.resize(len, E::default());
        BatchMut {
            data: buf.as_mut_slice(),
            n,
            shape: PhantomData,
        }
    }
    /// The number of samples.
    ///
    /// ```
    /// use shaped_nn::BatchMut;
    /// use shaped_core::shape;
    /// assert_eq!(BatchMut::<shape![4]>::new(&mut [0.0; 8], 2).unwrap().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.n
    }
    /// Whether the batch holds no sample.
    ///
    /// ```
    /// use shaped_nn::BatchMut;
    /// use shaped_core::shape;
    /// assert!(BatchMut::<shape![4]>::new(&mut [], 0).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// The elements, flat and row-major.
    ///
    /// ```
    /// use shaped_nn::BatchMut;
    /// use shaped_core::shape;
    /// assert_eq!(BatchMut::<shape![1]>::new(&mut [3.0], 1).unwrap().as_slice(), [3.0]);
    /// ```
    pub fn as_slice(&self) -> &[E] {
        self.data
    }
    /// The elements, flat and row-major, to write.
    ///
    /// ```
    /// use shaped_nn::BatchMut;
    /// use shaped_core::shape;
    /// let mut buf = Vec::new();
    /// let mut out = BatchMut::<shape![2]>::resized(&mut buf, 2);
    /// out.as_mut_slice().copy_from_slice(&[1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(out.as_batch_ref().sample(1), Some(&[3.0, 4.0][..]));
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [E] {
        self.data
    }
    /// The same batch, borrowed again for a shorter time: to hand it to a
    /// function that takes a `BatchMut` by value and still use it after.
    ///
    /// ```
    /// use shaped_nn::BatchMut;
    /// use shaped_core::shape;
    /// fn fill(mut b: BatchMut<'_, shape![2]>) {
    ///     b.as_mut_slice().fill(1.0);
    /// }
    /// let mut buf = Vec::new();
    /// let mut out = BatchMut::<shape![2]>::resized(&mut buf, 1);
    /// fill(out.reborrow());
    /// assert_eq!(out.as_slice(), [1.0, 1.0]);
    /// ```
    pub fn reborrow(&mut self) -> BatchMut<'_, S, E> {
        BatchMut {
            data: self.data,
            n: self.n,
            shape: PhantomData,
        }
    }
    /// The elements, for as long as the batch was borrowed.
    ///
    /// ```
    /// use shaped_nn::BatchMut;
    /// use shaped_core::shape;
    /// let mut buf = Vec::new();
    /// let out: &mut [f32] = BatchMut::<shape![2]>::resized(&mut buf, 1).into_slice();
    /// out.copy_from_slice(&[1.0, 2.0]);
    /// assert_eq!(buf, [1.0, 2.0]);
    /// ```
    pub fn into_slice(self) -> &'a mut [E] {
        self.data
    }
    /// A read-only view of the same batch.
    ///
    /// ```
    /// use shaped_nn::BatchMut;
    /// use shaped_core::shape;
    /// let mut g = [1.0, 2.0];
    /// let b = BatchMut::<shape![2]>::new(&mut g, 1).unwrap();
    /// assert_eq!(b.as_batch_ref().sample(0), Some(&[1.0, 2.0][..]));
    /// ```
    pub fn as_batch_ref(&self) -> BatchRef<'_, S, E> {
        BatchRef {
            data: self.data,
            n: self.n,
            shape: PhantomData,
        }
    }
    /// Copies the elements of `x`, a batch of the same number of samples
    /// of the same element count (a flatten's input, say), into this one;
    /// an error, copying nothing, when `x` holds another number of samples.
    /// Samples of another element count fail the build (a const assertion,
    /// evaluated by `cargo build`, not by `cargo check`).
    ///
    /// ```
    /// use shaped_nn::{BatchMut, BatchRef};
    /// use shaped_core::shape;
    /// let x = BatchRef::<shape![2, 2]>::new(&[1.0, 2.0, 3.0, 4.0], 1).unwrap();
    /// let mut buf = Vec::new();
    /// BatchMut::<shape![4]>::resized(&mut buf, 1).copy_from(x).unwrap();
    /// assert_eq!(buf, [1.0, 2.0, 3.0, 4.0]);
    /// let err = BatchMut::<shape![4]>::resized(&mut buf, 2).copy_from(x).unwrap_err();
    /// assert_eq!(err.to_string(), "a batch of 2 samples of shape (4) holds 8 elements; this buffer holds 4");
    /// ```
    pub fn copy_from<T: Batched>(&mut self, x: BatchRef<'_, T, E>) -> Result<(), BatchLenError> {
        const {
            assert!(
                S::NUMEL == T::NUMEL,
                "BatchMut::copy_from: samples of different element counts"
            )
        };
        check_len::<S>(self.n, x.data.len())?;
        self.data.copy_from_slice(x.data);
        Ok(())
    }
}
