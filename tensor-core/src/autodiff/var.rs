//! [`Var`]: a tensor value recorded on a [`Tape`], typed by its shape.

use crate::{
    autodiff::{gradients::Gradients, tape::Tape},
    device::Cpu,
    dtype::Float,
    shape::Shape,
    Tensor,
};
use core::fmt;
use std::rc::Rc;

/// A differentiable tensor: a value of shape `S` recorded on a [`Tape`].
///
/// A `Var` has the same shape typing as a [`Tensor`]: its ops take the same
/// trait bounds and return the same shapes, so a shape mistake between
/// `Var`s is the same compile error as between tensors. Cloning a `Var` is
/// cheap (the value is behind an `Rc`) and gives a handle to the same node:
/// using it twice adds both gradient contributions.
///
/// ```
/// use shaped_core::{autodiff::Tape, shape, Tensor};
/// let tape = Tape::<f64>::new();
/// let x = tape.var(Tensor::<shape![2], f64>::from_array([3., -1.]));
/// let y = (&x * &x).sum_all(); // x used twice
/// let g = y.backward().get(&x).unwrap();
/// assert_eq!(g.as_slice(), &[6., -2.]);
/// ```
pub struct Var<S: Shape, E: Float = f32> {
    pub(crate) value: Rc<Tensor<S, E, Cpu>>,
    pub(crate) id: usize,
    pub(crate) tape: Tape<E>,
}

impl<S: Shape, E: Float> Clone for Var<S, E> {
    fn clone(&self) -> Self {
        Var {
            value: Rc::clone(&self.value),
            id: self.id,
            tape: self.tape.clone(),
        }
    }
}

impl<S: Shape, E: Float> fmt::Debug for Var<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Var(id={}, requires_grad={}, {:?})",
            self.id,
            self.requires_grad(),
            self.value
        )
    }
}

impl<S: Shape, E: Float> Var<S, E> {
    /// The value.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    /// assert_eq!(x.value().as_slice(), &[1., 2.]);
    /// ```
    pub fn value(&self) -> &Tensor<S, E, Cpu> {
        &self.value
    }
    /// The shape value.
    pub fn shape(&self) -> S {
        self.value.shape()
    }
    /// The size of every axis.
    pub fn dims(&self) -> S::Dims {
        self.value.dims()
    }
    /// The node's id on its tape (its position in the record).
    pub fn id(&self) -> usize {
        self.id
    }
    /// The tape this value is recorded on (to make more leaves on it).
    pub fn tape(&self) -> &Tape<E> {
        &self.tape
    }
    /// Whether gradients flow to this value: it is a [`Tape::var`] leaf or
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::ones());
    /// let c = tape.constant(Tensor::<shape![2], f64>::ones());
    /// assert!(x.requires_grad() && (&x + &c).requires_grad());
    /// assert!(!c.requires_grad() && !(&c + &c).requires_grad());
    /// ```
    /// depends on one.
    pub fn requires_grad(&self) -> bool {
        self.tape.inner.borrow().nodes[self.id].requires_grad
    }
    /// The same value as a new constant on the same tape: gradients stop here.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    /// let loss = (&x * &x.detach()).sum_all();
    /// assert_eq!(loss.backward().get(&x).unwrap().as_slice(), &[1., 2.]);
    /// ```
    pub fn detach(&self) -> Var<S, E> {
        self.tape.leaf(Rc::clone(&self.value), false)
    }

    /// The backward pass seeded with `grad`, the gradient of some scalar with
    /// respect to this value (a vector-Jacobian product). For a scalar loss
    /// use [`backward`](Var::backward).
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    /// let y = x.square();
    /// let g = y.backward_with(&Tensor::from_array([1., 10.]));
    /// assert_eq!(g.get(&x).unwrap().as_slice(), &[2., 40.]);
    /// ```
    pub fn backward_with(&self, grad: &Tensor<S, E, Cpu>) -> Gradients<E> {
        assert_eq!(
            grad.dims(),
            self.dims(),
            "backward_with: the seed's dims are not the value's"
        );
        self.tape.backward_from(self.id, grad.data.clone())
    }

    /// Records a one-input op with result `value`; `backward(g, gx)` adds the
    /// input's gradient into `gx` given the output's gradient `g`.
    pub(crate) fn record1<S2: Shape>(
        &self,
        value: Tensor<S2, E, Cpu>,
        backward: impl Fn(&[E], &mut [E]) + 'static,
    ) -> Var<S2, E> {
        let id = self.id;
        self.tape.push(Rc::new(value), &[id], move |g, sink| {
            if let Some(gx) = sink.acc(id) {
                backward(g, gx)
            }
        })
    }

    /// [`record1`](Self::record1) whose backward also reads the op's output
    /// (`backward(g, y, gx)`), for ops such as `exp` or `softmax`.
    pub(crate) fn record1_with_output<S2: Shape>(
        &self,
        value: Tensor<S2, E, Cpu>,
        backward: impl Fn(&[E], &[E], &mut [E]) + 'static,
    ) -> Var<S2, E> {
        let id = self.id;
        let y = Rc::new(value);
        let out = Rc::clone(&y);
        self.tape.push(y, &[id], move |g, sink| {
            if let Some(gx) = sink.acc(id) {
                backward(g, &out.data, gx)
            }
        })
    }

    /// Records a two-input op; each backward adds into its own input's
    /// gradient, and is skipped when that input needs none.
    pub(crate) fn record2<S2: Shape, S3: Shape>(
        &self,
        rhs: &Var<S2, E>,
        op: &str,
        value: Tensor<S3, E, Cpu>,
        backward_lhs: impl Fn(&[E], &mut [E]) + 'static,
        backward_rhs: impl Fn(&[E], &mut [E]) + 'static,
    ) -> Var<S3, E> {
        self.tape.assert_same(&rhs.tape, op);
        let (ia, ib) = (self.id, rhs.id);
        self.tape.push(Rc::new(value), &[ia, ib], move |g, sink| {
            if let Some(ga) = sink.acc(ia) {
                backward_lhs(g, ga)
            }
            if let Some(gb) = sink.acc(ib) {
                backward_rhs(g, gb)
            }
        })
    }
}

impl<E: Float> Var<(), E> {
    /// The backward pass from a scalar loss: the gradient of this value with
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([3., 4.]));
    /// let loss = (&x * &x).sum_all();
    /// assert_eq!(loss.item(), 25.0);
    /// assert_eq!(loss.backward().get(&x).unwrap().as_slice(), &[6., 8.]);
    /// ```
    /// respect to every node that requires grad.
    pub fn backward(&self) -> Gradients<E> {
        self.tape.backward_from(self.id, vec![E::ONE])
    }
    /// The value of a scalar.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::from_array([3., 4.]));
    /// assert_eq!(x.sum_all().item(), 7.0);
    /// ```
    pub fn item(&self) -> E {
        self.value.item()
    }
}
