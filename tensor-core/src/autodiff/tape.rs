//! The tape: the list of recorded nodes, and the backward pass that walks it.
//!
//! A node is one value of the computation (a leaf or an op's result). It keeps
//! its element count, whether a gradient must reach it, and, for an op whose
//! inputs need gradients, one boxed closure that turns the gradient of its
//! output into gradient contributions to its inputs. Node ids are positions
//! in the list, so an op's inputs always have smaller ids than the op: the
//! backward pass is a single reverse walk, with no topological sort.

use crate::{
    autodiff::{gradients::Gradients, var::Var},
    device::Cpu,
    dtype::Float,
    shape::Shape,
    Tensor,
};
use core::fmt;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A recorded backward step: reads the gradient of the node's output and adds
/// into its inputs' gradient buffers through the [`GradSink`].
pub(crate) type Backward<E> = Box<dyn Fn(&[E], &mut GradSink<'_, E>)>;

/// One recorded value.
pub(crate) struct Node<E> {
    /// Its element count (the size of its gradient buffer).
    pub(crate) len: usize,
    /// Whether a gradient must flow to it: a [`Tape::var`] leaf, or an op
    /// with at least one such input.
    pub(crate) requires_grad: bool,
    /// The backward step of an op that requires grad; `None` for leaves and
    /// for ops on constants only.
    pub(crate) backward: Option<Backward<E>>,
}

pub(crate) struct TapeInner<E> {
    /// Unique per tape, so [`Gradients`] can refuse a `Var` of another tape.
    pub(crate) id: u64,
    pub(crate) nodes: Vec<Node<E>>,
}

/// Where a backward step adds its inputs' gradients. Buffers are allocated
/// (zeroed) on first use, one per node that requires grad.
pub(crate) struct GradSink<'a, E> {
    bufs: &'a mut [Option<Vec<E>>],
    nodes: &'a [Node<E>],
}

impl<E: Float> GradSink<'_, E> {
    /// The gradient buffer of node `id`, to add into; `None` when no gradient
    /// must reach that node (a constant), so the step can skip the work.
    pub(crate) fn acc(&mut self, id: usize) -> Option<&mut [E]> {
        let node = &self.nodes[id];
        if !node.requires_grad {
            return None;
        }
        Some(
            self.bufs[id]
                .get_or_insert_with(|| vec![E::ZERO; node.len])
                .as_mut_slice(),
        )
    }
}

static NEXT_TAPE_ID: AtomicU64 = AtomicU64::new(0);

/// The record of a computation, for reverse-mode differentiation.
///
/// A `Tape` is a cheap handle (an `Rc<RefCell<..>>`): clones share the same
/// record, and every [`Var`] keeps a handle to its tape. Leaves are made with
/// [`var`](Tape::var) (a parameter or input that needs a gradient) and
/// [`constant`](Tape::constant) (data, targets); every op on `Var`s appends a
/// node. The record only grows: use one tape per forward/backward pass (one
/// training step) and drop it afterwards.
///
/// ```
/// use shaped_core::{autodiff::Tape, shape, Tensor};
/// let tape = Tape::<f64>::new();
/// let w = tape.var(Tensor::<shape![3], f64>::from_array([1., 2., 3.]));
/// let c = tape.constant(Tensor::<shape![3], f64>::from_array([2., 2., 2.]));
/// let loss = (&w * &c).sum_all();
/// assert_eq!(loss.item(), 12.0);
/// let grads = loss.backward();
/// assert_eq!(grads.get(&w).unwrap().as_slice(), &[2., 2., 2.]);
/// assert!(grads.get(&c).is_none()); // a constant gets no gradient
/// ```
pub struct Tape<E: Float = f32> {
    pub(crate) inner: Rc<RefCell<TapeInner<E>>>,
}

impl<E: Float> Clone for Tape<E> {
    fn clone(&self) -> Self {
        Tape {
            inner: Rc::clone(&self.inner),
        }
    }
}

impl<E: Float> Default for Tape<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Float> fmt::Debug for Tape<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.borrow();
        write!(f, "Tape(id={}, nodes={})", inner.id, inner.nodes.len())
    }
}

impl<E: Float> Tape<E> {
    /// An empty tape.
    ///
    /// ```
    /// use shaped_core::autodiff::Tape;
    /// let tape = Tape::<f32>::new();
    /// assert!(tape.is_empty());
    /// ```
    pub fn new() -> Self {
        Tape {
            inner: Rc::new(RefCell::new(TapeInner {
                id: NEXT_TAPE_ID.fetch_add(1, Ordering::Relaxed),
                nodes: Vec::new(),
            })),
        }
    }

    /// A leaf that requires a gradient: a parameter, or an input to
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let w = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    /// assert!(w.requires_grad());
    /// let g = (&w * &w).sum_all().backward();
    /// assert_eq!(g.get(&w).unwrap().as_slice(), &[2., 4.]);
    /// ```
    /// differentiate with respect to.
    pub fn var<S: Shape>(&self, value: Tensor<S, E, Cpu>) -> Var<S, E> {
        self.leaf(Rc::new(value), true)
    }

    /// A leaf that gets no gradient: data, targets, fixed weights. Ops whose
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.constant(Tensor::<shape![2], f64>::from_array([1., 2.]));
    /// let w = tape.var(Tensor::<shape![2], f64>::ones());
    /// let g = (&w * &x).sum_all().backward();
    /// assert!(!x.requires_grad() && g.get(&x).is_none());
    /// assert_eq!(g.get(&w).unwrap().as_slice(), &[1., 2.]);
    /// ```
    /// inputs are all constants record no backward step.
    pub fn constant<S: Shape>(&self, value: Tensor<S, E, Cpu>) -> Var<S, E> {
        self.leaf(Rc::new(value), false)
    }

    /// The number of recorded nodes (leaves and op results).
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![2], f64>::ones());
    /// let _y = x.sum_all();
    /// assert_eq!(tape.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.borrow().nodes.len()
    }

    /// Whether nothing was recorded yet.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert!(tape.is_empty());
    /// let _x = tape.constant(Tensor::<shape![], f64>::full(1.0));
    /// assert!(!tape.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a leaf holding `value`.
    pub(crate) fn leaf<S: Shape>(
        &self,
        value: Rc<Tensor<S, E, Cpu>>,
        requires_grad: bool,
    ) -> Var<S, E> {
        let id = {
            let mut inner = self.inner.borrow_mut();
            inner.nodes.push(Node {
                len: value.numel(),
                requires_grad,
                backward: None,
            });
            inner.nodes.len() - 1
        };
        Var {
            value,
            id,
            tape: self.clone(),
        }
    }

    /// The unique id of this tape.
    pub(crate) fn id(&self) -> u64 {
        self.inner.borrow().id
    }

    /// Whether two handles share one record.
    pub(crate) fn same(&self, other: &Tape<E>) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// Panics unless `other` is this tape: an op cannot join two records.
    pub(crate) fn assert_same(&self, other: &Tape<E>, op: &str) {
        assert!(
            self.same(other),
            "{op}: the two operands were recorded on different tapes"
        );
    }

    /// Records an op's result. The node requires grad when any of `parents`
    /// does; only then is `backward` kept (boxed).
    pub(crate) fn push<S: Shape>(
        &self,
        value: Rc<Tensor<S, E, Cpu>>,
        parents: &[usize],
        backward: impl Fn(&[E], &mut GradSink<'_, E>) + 'static,
    ) -> Var<S, E> {
        let id = {
            let mut inner = self.inner.borrow_mut();
            let requires_grad = parents.iter().any(|&p| inner.nodes[p].requires_grad);
            let backward = requires_grad.then(|| Box::new(backward) as Backward<E>);
            inner.nodes.push(Node {
                len: value.numel(),
                requires_grad,
                backward,
            });
            inner.nodes.len() - 1
        };
        Var {
            value,
            id,
            tape: self.clone(),
        }
    }

    /// The backward pass from node `root`, seeded with the gradient `seed`
    /// of the root's value: walks the nodes from `root` down to 0 and runs
    /// each recorded step whose output received a gradient.
    pub(crate) fn backward_from(&self, root: usize, seed: Vec<E>) -> Gradients<E> {
        let inner = self.inner.borrow();
        let nodes = &inner.nodes[..=root];
        let mut grads: Vec<Option<Vec<E>>> = (0..=root).map(|_| None).collect();
        if nodes[root].requires_grad {
            grads[root] = Some(seed);
            for i in (0..=root).rev() {
                let Some(g) = grads[i].take() else { continue };
                if let Some(step) = &nodes[i].backward {
                    let mut sink = GradSink {
                        bufs: &mut grads[..i],
                        nodes: &nodes[..i],
                    };
                    step(&g, &mut sink);
                }
                grads[i] = Some(g);
            }
        }
        Gradients {
            tape_id: inner.id,
            grads,
        }
    }
}
