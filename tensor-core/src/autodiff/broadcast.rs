//! Un-broadcasting: the backward of numpy broadcasting. An operand that was
//! stretched along an axis (a size-1 dim, or an axis it did not have) was
//! read once per output position along it, so its gradient is the sum of the
//! output gradient over that axis.

use crate::{
    device::Cpu,
    dtype::Float,
    ops::binary::{broadcast_strides, for_each_broadcast},
    shape::{broadcast_dims, BroadcastShape, Shape},
    Tensor,
};

/// How the two operands of a broadcast op map into its output: computed once
/// at the forward pass and kept by the backward step.
pub(crate) struct BroadcastMap {
    out: Vec<usize>,
    sa: Vec<usize>,
    sb: Vec<usize>,
    /// Both operands have the output's dims: indices coincide.
    same: bool,
}

impl BroadcastMap {
    /// The map for operands of sizes `da` and `db`, which must broadcast.
    pub(crate) fn new(da: &[usize], db: &[usize]) -> Self {
        let out = broadcast_dims(da, db).expect("operands were checked by the forward op");
        BroadcastMap {
            sa: broadcast_strides(da, &out),
            sb: broadcast_strides(db, &out),
            same: da == db,
            out,
        }
    }

    /// Calls `f(o, i, j)` for every output offset `o`, with `i` and `j` the
    /// offsets of the operand elements it was computed from.
    pub(crate) fn for_each(&self, mut f: impl FnMut(usize, usize, usize)) {
        if self.same {
            let n: usize = self.out.iter().product();
            (0..n).for_each(|k| f(k, k, k));
        } else {
            for_each_broadcast(&self.out, &self.sa, &self.sb, f);
        }
    }

    /// Adds `scale * g`, summed over the axes the left operand was stretched
    /// along, into `acc` (the left operand's gradient).
    pub(crate) fn unbroadcast_lhs<E: Float>(&self, g: &[E], scale: E, acc: &mut [E]) {
        self.for_each(|o, i, _| acc[i] += scale * g[o]);
    }

    /// [`unbroadcast_lhs`](Self::unbroadcast_lhs) for the right operand.
    pub(crate) fn unbroadcast_rhs<E: Float>(&self, g: &[E], scale: E, acc: &mut [E]) {
        self.for_each(|o, _, j| acc[j] += scale * g[o]);
    }
}

/// Sums a gradient of a broadcast result back to the shape of an operand
/// that was broadcast to it: over the axes the operand lacked and those
/// where it had size 1. This is what the backward pass of every broadcasting
/// op does; it is public for hand-written backward passes (a bias gradient
/// is `sum_to(&grad_out, bias_shape)`).
///
/// ```
/// use shaped_core::{autodiff::sum_to, shape, Tensor};
/// let g = Tensor::<shape![2, 3], f64>::from_array([[1., 2., 3.], [4., 5., 6.]]);
/// let bias: Tensor<shape![3], f64> = sum_to(&g, Default::default());
/// assert_eq!(bias.as_slice(), &[5., 7., 9.]);
/// let col: Tensor<shape![2, 1], f64> = sum_to(&g, Default::default());
/// assert_eq!(col.as_slice(), &[6., 15.]);
/// ```
///
/// Panics when a run-time dim of `shape` does not broadcast to `grad`'s.
pub fn sum_to<S, O: Shape, E: Float>(grad: &Tensor<O, E, Cpu>, shape: S) -> Tensor<S, E, Cpu>
where
    S: BroadcastShape<O, Output = O>,
{
    let (ds, dg) = (shape.dims(), grad.dims());
    let (ds, dg) = (ds.as_ref(), dg.as_ref());
    assert!(
        broadcast_dims(ds, dg).as_deref() == Some(dg),
        "sum_to: shape {ds:?} does not broadcast to the gradient's {dg:?}"
    );
    let mut data = vec![E::ZERO; shape.numel()];
    BroadcastMap::new(ds, dg).unbroadcast_lhs(&grad.data, E::ONE, &mut data);
    Tensor {
        shape,
        data,
        device: Cpu,
    }
}
