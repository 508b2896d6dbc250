//! [`Gradients`]: the result of a backward pass, read back by typed `Var`.

use crate::{autodiff::var::Var, device::Cpu, dtype::Float, shape::Shape, Tensor};
use core::fmt;

/// The gradients computed by [`Var::backward`]: one buffer per node that
/// requires grad and received a contribution.
///
/// Gradients are read back through the `Var` they belong to, so the tensor
/// returned has that `Var`'s shape type: a gradient cannot be applied to a
/// parameter of another shape.
///
/// ```
/// use shaped_core::{autodiff::Tape, shape, Tensor};
/// let tape = Tape::<f64>::new();
/// let w = tape.var(Tensor::<shape![2, 3], f64>::ones());
/// let loss = w.sum_all();
/// let grads = loss.backward();
/// let g: Tensor<shape![2, 3], f64> = grads.get(&w).unwrap();
/// assert_eq!(g.as_slice(), &[1.0; 6]);
/// ```
pub struct Gradients<E: Float = f32> {
    pub(crate) tape_id: u64,
    /// Indexed by node id; `None` where no gradient arrived.
    pub(crate) grads: Vec<Option<Vec<E>>>,
}

impl<E: Float> fmt::Debug for Gradients<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.grads.iter().filter(|g| g.is_some()).count();
        write!(f, "Gradients(tape={}, buffers={n})", self.tape_id)
    }
}

impl<E: Float> Gradients<E> {
    fn check<S: Shape>(&self, x: &Var<S, E>) {
        assert_eq!(
            x.tape.id(),
            self.tape_id,
            "Gradients: this Var was recorded on another tape"
        );
    }

    /// The gradient of the loss with respect to `x`, of `x`'s own shape;
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![3], f64>::from_array([1., 2., 3.]));
    /// let c = tape.constant(Tensor::<shape![3], f64>::ones());
    /// let g = (&x * &c).sum_all().backward();
    /// let dx: Tensor<shape![3], f64> = g.get(&x).unwrap();
    /// assert_eq!(dx.as_slice(), &[1., 1., 1.]);
    /// assert!(g.get(&c).is_none());
    /// ```
    /// `None` when `x` is a constant or the loss does not depend on it.
    /// Panics when `x` belongs to another tape.
    pub fn get<S: Shape>(&self, x: &Var<S, E>) -> Option<Tensor<S, E, Cpu>> {
        self.get_slice(x).map(|g| Tensor {
            shape: x.value.shape,
            data: g.to_vec(),
            device: Cpu,
        })
    }

    /// [`get`](Self::get) without a copy: the gradient's elements in
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    /// let g = (&x * &x).sum_all().backward();
    /// assert_eq!(g.get_slice(&x), Some(&[2., 4.][..]));
    /// ```
    /// row-major order.
    pub fn get_slice<S: Shape>(&self, x: &Var<S, E>) -> Option<&[E]> {
        self.check(x);
        self.grads.get(x.id).and_then(|g| g.as_deref())
    }

    /// [`get`](Self::get) that moves the buffer out instead of copying it
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    /// let mut g = (&x * &x).sum_all().backward();
    /// assert_eq!(g.take(&x).unwrap().as_slice(), &[2., 4.]);
    /// assert!(g.take(&x).is_none());
    /// ```
    /// (a second `take` of the same `Var` gives `None`).
    pub fn take<S: Shape>(&mut self, x: &Var<S, E>) -> Option<Tensor<S, E, Cpu>> {
        self.check(x);
        self.grads
            .get_mut(x.id)
            .and_then(Option::take)
            .map(|data| Tensor {
                shape: x.value.shape,
                data,
                device: Cpu,
            })
    }
}
