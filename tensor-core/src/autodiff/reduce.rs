//! Reductions of [`Var`]s along a typed axis (the axis leaves the type, or
//! stays as a size-1 [`One`] with `_keepdim`) and over all elements.
//!
//! The backward spreads each output gradient over the line it reduced: to
//! every element for `sum`, divided by the length for `mean`, and to the
//! selected element for `max`/`min` (the first one on ties, the element the
//! forward pass returned).

use crate::{
    autodiff::var::Var,
    device::Cpu,
    dtype::Float,
    ops::reduce::split_at_axis,
    shape::{RemoveAxis, ReplaceAxis, Shape},
    One, Tensor,
};
use std::rc::Rc;

/// Which reduction, for its backward.
#[derive(Clone, Copy)]
enum Kind {
    Sum,
    Mean,
    Max,
    Min,
}

/// Adds the gradient of a reduction along `axis` of `x` (output `y`, one
/// value per line) into `gx`.
fn reduce_backward<E: Float>(
    kind: Kind,
    x: &[E],
    dims: &[usize],
    axis: usize,
    y: &[E],
    g: &[E],
    gx: &mut [E],
) {
    let (outer, n, inner) = split_at_axis(dims, axis);
    let line = |o: usize, j: usize, i: usize| (o * n + j) * inner + i;
    for o in 0..outer {
        for i in 0..inner {
            let k = o * inner + i;
            match kind {
                Kind::Sum | Kind::Mean => {
                    let d = match kind {
                        Kind::Mean => g[k] / E::from_usize(n),
                        _ => g[k],
                    };
                    (0..n).for_each(|j| gx[line(o, j, i)] += d);
                }
                Kind::Max | Kind::Min => {
                    // The first element equal to the result is the one the
                    // forward fold kept (it only replaces on strict order).
                    if let Some(j) = (0..n).find(|&j| x[line(o, j, i)] == y[k]) {
                        gx[line(o, j, i)] += g[k];
                    }
                }
            }
        }
    }
}

impl<S: Shape, E: Float> Var<S, E> {
    /// Records a reduction along `axis` whose result is `value`.
    fn record_reduce<S2: Shape>(
        &self,
        kind: Kind,
        axis: usize,
        value: Tensor<S2, E>,
    ) -> Var<S2, E> {
        let x = Rc::clone(&self.value);
        self.record1_with_output(value, move |g, y, gx| {
            reduce_backward(kind, &x.data, x.dims().as_ref(), axis, y, g, gx)
        })
    }

    /// A reduction over all elements, as a scalar `Var`.
    fn record_reduce_all(&self, kind: Kind, value: E) -> Var<(), E> {
        let x = Rc::clone(&self.value);
        let scalar = Tensor {
            shape: (),
            data: vec![value],
            device: Cpu,
        };
        self.record1_with_output(scalar, move |g, y, gx| {
            reduce_backward(kind, &x.data, &[1, x.data.len()], 1, y, g, gx)
        })
    }
}

macro_rules! reduce_axis {
    ($($name:ident, $keep:ident, $kind:ident, $what:literal;)*) => {
        impl<S: Shape, E: Float> Var<S, E> {$(
            #[doc = concat!("The ", $what, " along axis `A`; the axis is removed from the result's type.")]
            pub fn $name<const A: usize>(&self) -> Var<<S as RemoveAxis<A>>::Output, E>
            where
                S: RemoveAxis<A>,
            {
                self.record_reduce(Kind::$kind, A, self.value.$name::<A>())
            }
            #[doc = concat!("The ", $what, " along axis `A`, kept as a size-1 axis ([`One`]).")]
            pub fn $keep<const A: usize>(&self) -> Var<<S as ReplaceAxis<A, One>>::Output, E>
            where
                S: ReplaceAxis<A, One>,
            {
                self.record_reduce(Kind::$kind, A, self.value.$keep::<A>())
            }
        )*}
    };
}
reduce_axis! {
    sum, sum_keepdim, Sum, "sum";
    mean, mean_keepdim, Mean, "mean";
    max, max_keepdim, Max, "maximum";
    min, min_keepdim, Min, "minimum";
}

impl<S: Shape, E: Float> Var<S, E> {
    /// The sum of all elements, as a scalar `Var` (a loss).
    pub fn sum_all(&self) -> Var<(), E> {
        self.record_reduce_all(Kind::Sum, self.value.sum_all())
    }
    /// The mean of all elements, as a scalar `Var` (a loss).
    pub fn mean_all(&self) -> Var<(), E> {
        self.record_reduce_all(Kind::Mean, self.value.mean_all())
    }
    /// The largest element, as a scalar `Var`.
    pub fn max_all(&self) -> Var<(), E> {
        self.record_reduce_all(Kind::Max, self.value.max_all())
    }
    /// The smallest element, as a scalar `Var`.
    pub fn min_all(&self) -> Var<(), E> {
        self.record_reduce_all(Kind::Min, self.value.min_all())
    }
}
