//! Batches: a per-sample shape with a run-time batch axis in front.

use shaped_core::{ConstShape, Dyn, Shape, StaticDim};

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
