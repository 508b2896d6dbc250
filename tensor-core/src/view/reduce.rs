//! Reductions read in place from a [`TensorView`], strided or not.

use super::TensorView;
use crate::{dtype::Float, ops::reduce::accumulate, shape::Shape};

impl<S: Shape, E: Float> TensorView<'_, S, E> {
    /// The sum of all elements, accumulated in `f64` as
    /// [`Tensor::sum_all`](crate::Tensor::sum_all) does, read in place.
    ///
    /// ```
    /// use shaped_core::{s, shape, Tensor};
    /// let x = Tensor::<shape![4, 4]>::from_fn(|i| (i[0] * 4 + i[1]) as f32);
    /// let centre = s!(x.view()[1..3, 1..3]);
    /// assert_eq!(centre.sum_all(), 5. + 6. + 9. + 10.);
    /// assert_eq!(centre.sum_all(), centre.to_owned().sum_all());
    /// ```
    pub fn sum_all(&self) -> E {
        E::from_f64(self.sum_f64())
    }

    /// The mean of all elements (NaN for an empty view, as numpy).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let x = Tensor::<shape![2, 3]>::from_array([[1., 2., 3.], [4., 5., 6.]]);
    /// assert_eq!(x.view().at::<1>(2).mean_all(), 4.5);
    /// ```
    pub fn mean_all(&self) -> E {
        E::from_f64(self.sum_f64() / self.numel() as f64)
    }

    fn sum_f64(&self) -> f64 {
        let mut total = 0.0;
        self.for_each_run(|run| total += accumulate::sum(run));
        total
    }
}
