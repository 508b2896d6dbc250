//! Joining tensors: [`concat`](Tensor::concat) lays two tensors end to end
//! along an axis (numpy's `np.concatenate`), [`stack`](Tensor::stack) puts
//! `K` tensors of one shape along a new axis (`np.stack`). The joined axis's
//! size is computed by the compiler when the sizes are static; a mismatch of
//! static dims fails at `cargo check`, a run-time one is an error of the
//! `try_` form.

use crate::{
    device::Cpu,
    dtype::Dtype,
    error::ShapeError,
    ops::reduce::split_at_axis,
    shape::{ConcatShape, InsertDim, Shape},
    Dim, Dyn, Sz, Tensor,
};

/// The shape `Self` can be laid after a tensor of shape `Lhs` along axis
/// `AXIS` ([`ConcatShape`] read from the right operand). [`Tensor::concat`]
/// bounds its right operand's shape by this, so that a mismatch is one
/// short error at the call.
///
/// ```
/// use shaped_core::{shape, shape_name, ConcatOnto};
/// assert_eq!(shape_name::<<shape![2, 4] as ConcatOnto<1, shape![2, 3]>>::Output>(), "(2, 7)");
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot concatenate shape `{Lhs}` with shape `{Self}` along axis {AXIS}",
    label = "`{Lhs}` and `{Self}` must have one rank and agree on every axis but {AXIS} (static dims up to 4096)"
)]
pub trait ConcatOnto<const AXIS: usize, Lhs: Shape>: Shape {
    /// The joined shape.
    type Output: Shape;
}

#[diagnostic::do_not_recommend]
impl<const AXIS: usize, Lhs: ConcatShape<AXIS, S2>, S2: Shape> ConcatOnto<AXIS, Lhs> for S2 {
    type Output = <Lhs as ConcatShape<AXIS, S2>>::Output;
}

/// The dim a stack of `K` tensors adds: `Sz<K>`, or [`One`](crate::One)
/// for a single tensor (the rule for computed sizes of 1).
pub type StackDim<const K: usize> = <<Sz<K> as dims::Count>::Count as dims::CountDim>::Dim;

/// Lays the row-major blocks of several tensors side by side along `axis`:
/// every part has the same dims but `axis` (`sizes[k]` for part `k`).
fn join<E: Copy>(parts: &[&[E]], outer: usize, inner: usize, sizes: &[usize]) -> Vec<E> {
    let total: usize = sizes.iter().sum();
    let mut out = Vec::with_capacity(outer * total * inner);
    for o in 0..outer {
        for (p, &n) in parts.iter().zip(sizes) {
            out.extend_from_slice(&p[o * n * inner..][..n * inner]);
        }
    }
    out
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// `self` and `other` laid end to end along axis `AXIS`, like
    /// `np.concatenate([self, other], axis=AXIS)`. The other axes must
    /// agree; with static dims a mismatch fails at `cargo check` naming
    /// both shapes, and a run-time dim that differs is this error.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let a = Tensor::<shape![_, 3]>::zeros_with((Dyn(2), Sz));
    /// let b = Tensor::<shape![_, 3]>::zeros_with((Dyn(4), Sz));
    /// assert_eq!(a.try_concat::<0, _>(&b).unwrap().dims(), [6, 3]);
    /// let c = Tensor::<shape![_, 3]>::zeros_with((Dyn(5), Sz));
    /// let e = a.try_concat::<1, _>(&c).unwrap_err();
    /// assert_eq!(e.to_string(), "concat: shapes (2, 3) and (5, 3) do not fit: they differ on an axis other than 1");
    /// ```
    pub fn try_concat<const AXIS: usize, S2: Shape>(
        &self,
        other: &Tensor<S2, E, Cpu>,
    ) -> Result<Tensor<<S as ConcatShape<AXIS, S2>>::Output, E, Cpu>, ShapeError>
    where
        S: ConcatShape<AXIS, S2>,
    {
        self.join_as::<AXIS, S2, <S as ConcatShape<AXIS, S2>>::Output>(other)
    }

    /// The body of [`try_concat`](Self::try_concat) and
    /// [`concat`](Self::concat): `self` and `other` joined along `AXIS`
    /// into shape `Out` (the joined shape, computed by the caller's bound).
    pub(crate) fn join_as<const AXIS: usize, S2: Shape, Out: Shape>(
        &self,
        other: &Tensor<S2, E, Cpu>,
    ) -> Result<Tensor<Out, E, Cpu>, ShapeError> {
        let (a, b) = (self.shape.dims(), other.shape.dims());
        let (a, b) = (a.as_ref(), b.as_ref());
        let err = |why: String| ShapeError::new("concat", a, b, why);
        if a.iter()
            .zip(b)
            .enumerate()
            .any(|(k, (x, y))| k != AXIS && x != y)
        {
            return Err(err(format!(
                "do not fit: they differ on an axis other than {AXIS}"
            )));
        }
        let mut dims = a.to_vec();
        dims[AXIS] = a[AXIS]
            .checked_add(b[AXIS])
            .ok_or_else(|| err("do not fit: the joined axis overflows".into()))?;
        let shape = Out::from_dims(&dims).ok_or_else(|| {
            err("do not fit: the joined axis differs from its static size".into())
        })?;
        let (outer, _, inner) = split_at_axis(a, AXIS);
        let data = join(
            &[self.as_slice(), other.as_slice()],
            outer,
            inner,
            &[a[AXIS], b[AXIS]],
        );
        Ok(Tensor::from_shape_vec(shape, data).expect("the joined shape holds both tensors"))
    }

    /// [`try_concat`](Self::try_concat) that panics with the same words.
    ///
    /// The chapter's `np.concatenate` of a (2, 3) and a (2, 4) matrix along
    /// axis 1: the result's type is computed.
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let a = Tensor::<shape![2, 3], i32>::from_array([[0, 1, 2], [3, 4, 5]]);
    /// let b = Tensor::<shape![2, 4], i32>::from_array([[6, 7, 8, 9], [10, 11, 12, 13]]);
    /// let ab: Tensor<shape![2, 7], i32> = a.concat::<1, _>(&b);
    /// assert_eq!(ab.as_slice(), &[0, 1, 2, 6, 7, 8, 9, 3, 4, 5, 10, 11, 12, 13]);
    /// ```
    pub fn concat<const AXIS: usize, S2: ConcatOnto<AXIS, S>>(
        &self,
        other: &Tensor<S2, E, Cpu>,
    ) -> Tensor<<S2 as ConcatOnto<AXIS, S>>::Output, E, Cpu> {
        self.join_as::<AXIS, S2, <S2 as ConcatOnto<AXIS, S>>::Output>(other)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `K` tensors of one shape along a new axis at position `AXIS`, like
    /// `np.stack(tensors, axis=AXIS)`; the new axis is `Sz<K>` (`One` for a
    /// single tensor). An error when their run-time dims differ.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let a = Tensor::<shape![3], i32>::from_array([0, 1, 2]);
    /// let b = Tensor::<shape![3], i32>::from_array([3, 4, 5]);
    /// let rows: Tensor<shape![2, 3], i32> = Tensor::try_stack::<0, 2>([&a, &b]).unwrap();
    /// assert_eq!(rows.as_slice(), &[0, 1, 2, 3, 4, 5]);
    /// let cols: Tensor<shape![3, 2], i32> = Tensor::try_stack::<1, 2>([&a, &b]).unwrap();
    /// assert_eq!(cols.as_slice(), &[0, 3, 1, 4, 2, 5]);
    /// ```
    pub fn try_stack<const AXIS: usize, const K: usize>(
        tensors: [&Self; K],
    ) -> Result<Tensor<<S as InsertDim<AXIS, StackDim<K>>>::Output, E, Cpu>, ShapeError>
    where
        Sz<K>: dims::Count,
        <Sz<K> as dims::Count>::Count: dims::CountDim,
        StackDim<K>: Dim,
        S: InsertDim<AXIS, StackDim<K>>,
    {
        let new = StackDim::<K>::from_size(K).expect("the stacked axis is Sz<K> or One");
        Self::stack_into(&tensors, new)
    }

    /// [`try_stack`](Self::try_stack) that panics with the same words.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let a = Tensor::<shape![2, 2]>::ones();
    /// let b = Tensor::<shape![2, 2]>::zeros();
    /// let ab: Tensor<shape![2, 2, 2]> = Tensor::stack::<2, 2>([&a, &b]);
    /// assert_eq!(ab.as_slice(), &[1., 0., 1., 0., 1., 0., 1., 0.]);
    /// ```
    pub fn stack<const AXIS: usize, const K: usize>(
        tensors: [&Self; K],
    ) -> Tensor<<S as InsertDim<AXIS, StackDim<K>>>::Output, E, Cpu>
    where
        Sz<K>: dims::Count,
        <Sz<K> as dims::Count>::Count: dims::CountDim,
        StackDim<K>: Dim,
        S: InsertDim<AXIS, StackDim<K>>,
    {
        Self::try_stack::<AXIS, K>(tensors).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Tensors of one shape, as many as the slice holds, along a new
    /// run-time axis at position `AXIS`; an error when their run-time dims
    /// differ or the slice is empty (its shape would be unknown).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let digits = vec![Tensor::<shape![28, 28], u8>::zeros(); 5];
    /// let batch = Tensor::try_stack_dyn::<0>(&digits).unwrap();
    /// assert_eq!(batch.dims(), [5, 28, 28]);
    /// assert!(Tensor::<shape![28, 28], u8>::try_stack_dyn::<0>(&[]).is_err());
    /// ```
    pub fn try_stack_dyn<const AXIS: usize>(
        tensors: &[Self],
    ) -> Result<Tensor<<S as InsertDim<AXIS, Dyn>>::Output, E, Cpu>, ShapeError>
    where
        S: InsertDim<AXIS, Dyn>,
    {
        let refs: Vec<&Self> = tensors.iter().collect();
        Self::stack_into(&refs, Dyn(tensors.len()))
    }

    /// [`try_stack_dyn`](Self::try_stack_dyn) that panics with the same words.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let rows = vec![Tensor::<shape![2]>::from_array([1., 2.]); 3];
    /// let m: Tensor<shape![_, 2]> = Tensor::stack_dyn::<0>(&rows);
    /// assert_eq!(m.dims(), [3, 2]);
    /// ```
    pub fn stack_dyn<const AXIS: usize>(
        tensors: &[Self],
    ) -> Tensor<<S as InsertDim<AXIS, Dyn>>::Output, E, Cpu>
    where
        S: InsertDim<AXIS, Dyn>,
    {
        Self::try_stack_dyn::<AXIS>(tensors).unwrap_or_else(|e| panic!("{e}"))
    }

    fn stack_into<const AXIS: usize, New: Dim>(
        tensors: &[&Self],
        new: New,
    ) -> Result<Tensor<<S as InsertDim<AXIS, New>>::Output, E, Cpu>, ShapeError>
    where
        S: InsertDim<AXIS, New>,
    {
        let Some(first) = tensors.first() else {
            return Err(ShapeError::with_argument(
                "stack",
                &[],
                "no tensors".to_string(),
                "do not fit: there is nothing to stack",
            ));
        };
        let dims = first.shape.dims();
        if let Some(t) = tensors.iter().find(|t| t.shape.dims() != dims) {
            return Err(ShapeError::new(
                "stack",
                dims.as_ref(),
                t.shape.dims().as_ref(),
                "do not fit: stacked tensors must have the same shape",
            ));
        }
        let d = dims.as_ref();
        let outer: usize = d[..AXIS].iter().product();
        let inner: usize = d[AXIS..].iter().product();
        let parts: Vec<&[E]> = tensors.iter().map(|t| t.as_slice()).collect();
        let data = join(&parts, outer, inner, &vec![1; parts.len()]);
        let shape = first.shape.insert_dim(new);
        Ok(Tensor::from_shape_vec(shape, data).expect("the stacked shape holds every tensor"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{shape, Dyn, One, Sz, Tensor};

    /// The plain reference: element (i, j, k) of a concatenation along
    /// axis 1 comes from `a` when j < 2, else from `b` at j - 2.
    #[test]
    fn concat_matches_index_arithmetic() {
        let a = Tensor::<shape![2, 2, 3], i32>::from_fn(|i| (i[0] * 100 + i[1] * 10 + i[2]) as i32);
        let b = Tensor::<shape![2, 4, 3], i32>::from_fn(|i| {
            1000 + (i[0] * 100 + i[1] * 10 + i[2]) as i32
        });
        let c: Tensor<shape![2, 6, 3], i32> = a.concat::<1, _>(&b);
        for i in 0..2 {
            for j in 0..6 {
                for k in 0..3 {
                    let want = if j < 2 {
                        a[[i, j, k]]
                    } else {
                        b[[i, j - 2, k]]
                    };
                    assert_eq!(c[[i, j, k]], want);
                }
            }
        }
        let d: Tensor<shape![4, 2, 3], i32> = a.concat::<0, _>(&a);
        assert_eq!(&d.as_slice()[..12], a.as_slice());
        assert_eq!(&d.as_slice()[12..], a.as_slice());
    }

    #[test]
    fn concat_with_run_time_dims() {
        let a = Tensor::<(Dyn, Sz<2>), i32>::from_dims_vec(&[1, 2], vec![1, 2]).unwrap();
        let b = Tensor::<shape![2, 2], i32>::from_array([[3, 4], [5, 6]]);
        let c: Tensor<(Dyn, Sz<2>), i32> = a.concat::<0, _>(&b);
        assert_eq!(c.as_slice(), &[1, 2, 3, 4, 5, 6]);
        let wide = Tensor::<(Dyn, Dyn), i32>::from_dims_vec(&[2, 3], vec![0; 6]).unwrap();
        assert!(b.try_concat::<1, _>(&wide).is_ok());
        assert!(a.try_concat::<1, _>(&wide).is_err());
    }

    #[test]
    fn stack_of_one_is_one() {
        let a = Tensor::<shape![3], i32>::from_array([1, 2, 3]);
        let s: Tensor<(One, Sz<3>), i32> = Tensor::stack::<0, 1>([&a]);
        assert_eq!(s.as_slice(), &[1, 2, 3]);
    }

    #[test]
    fn stack_checks_run_time_shapes() {
        let a = Tensor::<(Dyn,), i32>::from_dims_vec(&[2], vec![1, 2]).unwrap();
        let b = Tensor::<(Dyn,), i32>::from_dims_vec(&[3], vec![1, 2, 3]).unwrap();
        let e = Tensor::try_stack::<0, 2>([&a, &b]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "stack: shapes (2,) and (3,) do not fit: stacked tensors must have the same shape"
        );
        let ok = Tensor::stack_dyn::<1>(&[a.clone(), a]);
        assert_eq!(ok.dims(), [2, 2]);
        assert_eq!(ok.as_slice(), &[1, 1, 2, 2]);
    }
}
