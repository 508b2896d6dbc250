//! [`Compute`]: how a layer or a trainer computes, given to it as a value
//! rather than set process-wide.

use shaped_core::kernels::{Parallelism, SparsePolicy};

/// How the computations of a layer, a model or a [`Trainer`] run: how many
/// of the kernel threads they may use, and when a dense layer's training
/// products may use sparse tiles of its input. [`Compute::default()`] is
/// the behaviour without one: all the kernel threads, and the kernels'
/// cost model choosing the tiles.
///
/// A [`Trainer`] given one ([`Trainer::set_compute`],
/// [`Trainer::with_compute`]) passes it to its model
/// ([`Layer::set_compute`]), and its optimizer updates and batch
/// gathering follow its thread count too: with one thread, a step runs
/// entirely on the calling thread.
///
/// ```
/// use shaped_core::kernels::{Parallelism, SparsePolicy};
/// use shaped_nn::Compute;
/// let c = Compute::default();
/// assert_eq!((c.parallelism, c.sparse), (Parallelism::Rayon, SparsePolicy::default()));
/// let one = Compute::default().threads(1).sparse(SparsePolicy::Never);
/// assert_eq!(one.parallelism.threads(), 1);
/// assert_eq!(one.sparse, SparsePolicy::Never);
/// ```
///
/// [`Trainer`]: crate::train::Trainer
/// [`Trainer::set_compute`]: crate::train::Trainer::set_compute
/// [`Trainer::with_compute`]: crate::train::Trainer::with_compute
/// [`Layer::set_compute`]: crate::Layer::set_compute
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Compute {
    /// How many of the kernel threads the products, the optimizer updates
    /// and the batch gathering may use (default: all of them).
    pub parallelism: Parallelism,
    /// When a dense layer's training products may use sparse tiles of its
    /// input (default: when the kernels' cost model says they are cheaper).
    pub sparse: SparsePolicy,
}

impl Compute {
    /// At most `n` of the kernel threads (the calling thread counting as
    /// one; 1: nothing runs off the calling thread); 0 means all of them.
    ///
    /// ```
    /// use shaped_core::kernels::Parallelism;
    /// use shaped_nn::Compute;
    /// assert_eq!(Compute::default().threads(1).parallelism.threads(), 1);
    /// assert_eq!(Compute::default().threads(0), Compute::default());
    /// ```
    pub fn threads(self, n: usize) -> Self {
        self.parallelism(Parallelism::threads_or_all(n))
    }

    /// The given [`Parallelism`].
    ///
    /// ```
    /// use shaped_core::kernels::Parallelism;
    /// use shaped_nn::Compute;
    /// let c = Compute::default().parallelism(Parallelism::None);
    /// assert_eq!(c.parallelism, Parallelism::None);
    /// ```
    pub fn parallelism(self, parallelism: Parallelism) -> Self {
        Compute {
            parallelism,
            ..self
        }
    }

    /// The given [`SparsePolicy`].
    ///
    /// ```
    /// use shaped_core::kernels::SparsePolicy;
    /// use shaped_nn::Compute;
    /// assert_eq!(Compute::default().sparse(SparsePolicy::Never).sparse, SparsePolicy::Never);
    /// ```
    pub fn sparse(self, sparse: SparsePolicy) -> Self {
        Compute { sparse, ..self }
    }

    /// Whether everything runs on the calling thread (the parallelism
    /// allows one thread: [`Parallelism::caller_only`], which never starts
    /// the kernel threads).
    ///
    /// ```
    /// use shaped_nn::Compute;
    /// assert!(Compute::default().threads(1).sequential());
    /// ```
    pub fn sequential(&self) -> bool {
        self.parallelism.caller_only()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Adam, RmsProp};
    use crate::{model, Dense, DenseLayer, Layer, Relu, Softmax};

    model! { struct Net: 4 => [Dense<3, Relu>, Dense<2, Softmax>] }

    /// Without a `Compute`, everything computes as before there was one:
    /// all the kernel threads, the cost model's choice of tiles.
    #[test]
    fn the_defaults_are_the_behaviour_without_one() {
        let d = Compute::default();
        assert_eq!(d.parallelism, Parallelism::Rayon);
        assert_eq!(d.sparse, SparsePolicy::default());
        assert_eq!(Compute::default().threads(0), d);
        let layer: DenseLayer<4, 3> = DenseLayer::init(&mut rand::SeedableRng::seed_from_u64(0));
        assert_eq!(layer.compute, d);
        let net = Net::seeded(0);
        assert_eq!((net.dense_0.compute, net.dense_1.compute), (d, d));
        assert_eq!(RmsProp::<Net>::default().parallelism, Parallelism::Rayon);
        assert_eq!(Adam::<Net>::default().parallelism, Parallelism::Rayon);
        // `set_compute` reaches every layer with products.
        let mut net = net;
        let one = d.threads(1).sparse(SparsePolicy::Never);
        net.set_compute(one);
        assert_eq!((net.dense_0.compute, net.dense_1.compute), (one, one));
    }
}
