//! Joining and indexing [`Var`]s: `concat` and `stack` send each part of
//! the output gradient back to the operand it came from; `at` adds the
//! gradient of the picked entry back into its place.

use crate::{
    autodiff::var::Var,
    dtype::Float,
    error::ShapeError,
    ops::concat::ConcatOnto,
    ops::concat::StackDim,
    ops::reduce::split_at_axis,
    shape::{ConcatShape, InsertDim, RemoveAxis, Shape},
    Dim, Sz, Tensor,
};

/// Adds part `k` of the joined gradient `g` (blocks of `sizes[k] * inner`
/// per outer index) into `gx`.
fn unjoin<E: Float>(
    g: &[E],
    outer: usize,
    inner: usize,
    sizes: [usize; 2],
    k: usize,
    gx: &mut [E],
) {
    let total = sizes[0] + sizes[1];
    let offset = if k == 0 { 0 } else { sizes[0] };
    let block = sizes[k] * inner;
    for o in 0..outer {
        let src = &g[(o * total + offset) * inner..][..block];
        gx[o * block..][..block]
            .iter_mut()
            .zip(src)
            .for_each(|(d, &g)| *d += g);
    }
}

impl<S: Shape, E: Float> Var<S, E> {
    /// `self` and `other` laid end to end along axis `AXIS`, with the rules
    /// of [`Tensor::try_concat`](crate::Tensor::try_concat).
    pub fn try_concat<const AXIS: usize, S2: Shape>(
        &self,
        other: &Var<S2, E>,
    ) -> Result<Var<<S as ConcatShape<AXIS, S2>>::Output, E>, ShapeError>
    where
        S: ConcatShape<AXIS, S2>,
    {
        self.join_as::<AXIS, S2, <S as ConcatShape<AXIS, S2>>::Output>(other)
    }

    /// The body of [`try_concat`](Self::try_concat) and
    /// [`concat`](Self::concat), into the joined shape `Out` that the
    /// caller's bound computed.
    fn join_as<const AXIS: usize, S2: Shape, Out: Shape>(
        &self,
        other: &Var<S2, E>,
    ) -> Result<Var<Out, E>, ShapeError> {
        let value = self.value.join_as::<AXIS, S2, Out>(&other.value)?;
        let a = self.value.dims();
        let b = other.value.dims();
        let (outer, _, inner) = split_at_axis(a.as_ref(), AXIS);
        let sizes = [a.as_ref()[AXIS], b.as_ref()[AXIS]];
        Ok(self.record2(
            other,
            "concat",
            value,
            move |g, ga| unjoin(g, outer, inner, sizes, 0, ga),
            move |g, gb| unjoin(g, outer, inner, sizes, 1, gb),
        ))
    }

    /// [`try_concat`](Self::try_concat) that panics with the same words.
    pub fn concat<const AXIS: usize, S2: ConcatOnto<AXIS, S>>(
        &self,
        other: &Var<S2, E>,
    ) -> Var<<S2 as ConcatOnto<AXIS, S>>::Output, E> {
        self.join_as::<AXIS, S2, <S2 as ConcatOnto<AXIS, S>>::Output>(other)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `K` variables of one shape along a new axis at position `AXIS`, with
    /// the rules of [`Tensor::try_stack`](crate::Tensor::try_stack); the
    /// gradient of entry `k` of the new axis goes back to `vars[k]` (a
    /// variable given twice gets both).
    ///
    /// ```
    /// use shaped_core::{shape, Tape, Tensor, Var};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    /// let b = tape.var(Tensor::<shape![2], f64>::from_array([3., 4.]));
    /// let ab = Var::stack::<1, 3>([&a, &b, &a]); // (2, 3): columns a, b, a
    /// assert_eq!(ab.value().as_slice(), &[1., 3., 1., 2., 4., 2.]);
    /// let g = ab.square().sum_all().backward();
    /// assert_eq!(g.get(&a).unwrap().as_slice(), &[4., 8.]); // 2a, twice
    /// assert_eq!(g.get(&b).unwrap().as_slice(), &[6., 8.]);
    /// ```
    pub fn try_stack<const AXIS: usize, const K: usize>(
        vars: [&Self; K],
    ) -> Result<Var<<S as InsertDim<AXIS, StackDim<K>>>::Output, E>, ShapeError>
    where
        Sz<K>: dims::Count,
        <Sz<K> as dims::Count>::Count: dims::CountDim,
        StackDim<K>: Dim,
        S: InsertDim<AXIS, StackDim<K>>,
    {
        let values: [&Tensor<S, E>; K] = vars.map(|v| &*v.value);
        let value = Tensor::try_stack::<AXIS, K>(values)?;
        let Some(first) = vars.first() else {
            // No variable: a constant of the empty stack, on no tape.
            return Err(ShapeError::new(
                "stack",
                value.dims().as_ref(),
                &[],
                "do not fit: a stack of no variables has no tape to record on",
            ));
        };
        for v in &vars[1..] {
            first.tape.assert_same(&v.tape, "stack");
        }
        // The output is `outer` blocks of `K` entries of `inner` elements.
        let d = first.value.dims();
        let (outer, inner): (usize, usize) = (
            d.as_ref()[..AXIS].iter().product(),
            d.as_ref()[AXIS..].iter().product(),
        );
        let ids: [usize; K] = vars.map(|v| v.id);
        Ok(first
            .tape
            .push(std::rc::Rc::new(value), &ids, move |g, sink| {
                for (k, &id) in ids.iter().enumerate() {
                    if let Some(gx) = sink.acc(id) {
                        for o in 0..outer {
                            gx[o * inner..][..inner]
                                .iter_mut()
                                .zip(&g[(o * K + k) * inner..][..inner])
                                .for_each(|(d, &g)| *d += g);
                        }
                    }
                }
            }))
    }

    /// [`try_stack`](Self::try_stack) that panics with the same words.
    ///
    /// ```
    /// use shaped_core::{shape, Tape, Tensor, Var};
    /// let tape = Tape::<f32>::new();
    /// let a = tape.var(Tensor::<shape![2, 3]>::ones());
    /// let pair = Var::stack::<0, 2>([&a, &a]);
    /// assert_eq!(pair.dims(), [2, 2, 3]);
    /// ```
    pub fn stack<const AXIS: usize, const K: usize>(
        vars: [&Self; K],
    ) -> Var<<S as InsertDim<AXIS, StackDim<K>>>::Output, E>
    where
        Sz<K>: dims::Count,
        <Sz<K> as dims::Count>::Count: dims::CountDim,
        StackDim<K>: Dim,
        S: InsertDim<AXIS, StackDim<K>>,
    {
        Self::try_stack::<AXIS, K>(vars).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Entry `i` of axis `AXIS`, that axis dropped, like
    /// [`Tensor::try_at`](crate::Tensor::try_at).
    pub fn try_at<const AXIS: usize>(
        &self,
        i: usize,
    ) -> Result<Var<<S as RemoveAxis<AXIS>>::Output, E>, ShapeError>
    where
        S: RemoveAxis<AXIS>,
    {
        let value = self.value.try_at::<AXIS>(i)?;
        let (outer, n, inner) = split_at_axis(self.value.dims().as_ref(), AXIS);
        Ok(self.record1(value, move |g, gx| {
            for o in 0..outer {
                gx[(o * n + i) * inner..][..inner]
                    .iter_mut()
                    .zip(&g[o * inner..][..inner])
                    .for_each(|(d, &g)| *d += g);
            }
        }))
    }

    /// [`try_at`](Self::try_at) that panics with the same words.
    pub fn at<const AXIS: usize>(&self, i: usize) -> Var<<S as RemoveAxis<AXIS>>::Output, E>
    where
        S: RemoveAxis<AXIS>,
    {
        self.try_at::<AXIS>(i).unwrap_or_else(|e| panic!("{e}"))
    }
}
