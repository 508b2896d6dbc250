//! Element-wise binary ops between tensors, with numpy broadcasting:
//! `+ - * /`, their `try_` forms, in-place forms, `maximum`, `minimum`.

use crate::{
    device::Cpu,
    dtype::{Dtype, Float, Num, SameDtype},
    error::ShapeError,
    shape::{broadcast_dims, BroadcastShape, Shape},
    Tensor,
};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Sub, SubAssign};

/// Strides of an operand of sizes `dims` read in the index space `out`
/// (aligned at the right): 0 along stretched or missing axes.
pub(crate) fn broadcast_strides(dims: &[usize], out: &[usize]) -> Vec<usize> {
    let off = out.len() - dims.len();
    let mut strides = vec![0; out.len()];
    let mut acc = 1;
    for k in (0..dims.len()).rev() {
        strides[k + off] = if dims[k] == 1 && out[k + off] != 1 {
            0
        } else {
            acc
        };
        acc *= dims[k];
    }
    strides
}

/// Calls `f(out_index, a_offset, b_offset)` for every element of `out`, in
/// row-major order.
pub(crate) fn for_each_broadcast(
    out: &[usize],
    sa: &[usize],
    sb: &[usize],
    mut f: impl FnMut(usize, usize, usize),
) {
    let n: usize = out.iter().product();
    if n == 0 {
        return;
    }
    let r = out.len();
    if r == 0 {
        f(0, 0, 0);
        return;
    }
    let (last, la, lb) = (out[r - 1], sa[r - 1], sb[r - 1]);
    let mut idx = vec![0usize; r];
    let (mut oa, mut ob) = (0usize, 0usize);
    let mut o = 0;
    while o < n {
        for j in 0..last {
            f(o + j, oa + j * la, ob + j * lb);
        }
        o += last;
        // Advance the outer index (all axes but the last).
        let mut k = r - 1;
        while k > 0 {
            k -= 1;
            idx[k] += 1;
            oa += sa[k];
            ob += sb[k];
            if idx[k] < out[k] {
                break;
            }
            oa -= sa[k] * out[k];
            ob -= sb[k] * out[k];
            idx[k] = 0;
        }
    }
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// Applies `f` to each pair of elements of the two broadcast operands.
    /// Static dims were checked by the compiler; `Dyn` dims are checked here.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let a = Tensor::<shape![2, 3]>::from_array([[1., 2., 3.], [4., 5., 6.]]);
    /// let b = Tensor::<shape![3]>::from_array([10., 20., 30.]);
    /// let c = a.try_zip_with(&b, "add", |x, y| x + y).unwrap();
    /// assert_eq!(c.as_slice(), &[11., 22., 33., 14., 25., 36.]);
    /// ```
    pub fn try_zip_with<S2: Shape, E2: Dtype, O: Dtype>(
        &self,
        rhs: &Tensor<S2, E2, Cpu>,
        op: &'static str,
        f: impl Fn(E, E2) -> O,
    ) -> Result<Tensor<<S as BroadcastShape<S2>>::Output, O, Cpu>, ShapeError>
    where
        S: BroadcastShape<S2>,
    {
        let (da, db) = (self.shape.dims(), rhs.shape.dims());
        let (da, db) = (da.as_ref(), db.as_ref());
        let mismatch = || ShapeError::new(op, da, db, "do not broadcast");
        let out_dims = broadcast_dims(da, db).ok_or_else(mismatch)?;
        let shape = <S as BroadcastShape<S2>>::Output::from_dims(&out_dims).ok_or_else(mismatch)?;
        let (a, b) = (&self.data, &rhs.data);
        let data: Vec<O> = if da == db {
            a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect()
        } else if db.len() <= da.len() && da[da.len() - db.len()..] == *db && da == out_dims {
            // The right operand repeats along the leading axes: rows.
            let m = b.len().max(1);
            let mut v = Vec::with_capacity(a.len());
            for row in a.chunks(m) {
                v.extend(row.iter().zip(b).map(|(&x, &y)| f(x, y)));
            }
            v
        } else {
            let (sa, sb) = (
                broadcast_strides(da, &out_dims),
                broadcast_strides(db, &out_dims),
            );
            let mut v = Vec::with_capacity(shape.numel());
            for_each_broadcast(&out_dims, &sa, &sb, |_, i, j| v.push(f(a[i], b[j])));
            v
        };
        Ok(Tensor {
            shape,
            data,
            device: Cpu,
        })
    }

    /// Applies `f(self, rhs)` in place, broadcasting `rhs` to this tensor's
    /// shape; an error if `rhs` would stretch this tensor.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let mut a = Tensor::<shape![2, 2]>::ones();
    /// a.try_zip_assign(&Tensor::<shape![2]>::from_array([1., 2.]), "add", |x, y| *x += y).unwrap();
    /// assert_eq!(a.as_slice(), &[2., 3., 2., 3.]);
    /// ```
    pub fn try_zip_assign<S2: Shape, E2: Dtype>(
        &mut self,
        rhs: &Tensor<S2, E2, Cpu>,
        op: &'static str,
        f: impl Fn(&mut E, E2),
    ) -> Result<(), ShapeError>
    where
        S: BroadcastShape<S2, Output = S>,
    {
        let (da, db) = (self.shape.dims(), rhs.shape.dims());
        let (da, db) = (da.as_ref(), db.as_ref());
        match broadcast_dims(da, db) {
            Some(out) if out == da => {}
            _ => return Err(ShapeError::new(op, da, db, "do not broadcast in place")),
        }
        if da == db {
            self.data
                .iter_mut()
                .zip(&rhs.data)
                .for_each(|(x, &y)| f(x, y));
        } else {
            let (sa, sb) = (broadcast_strides(da, da), broadcast_strides(db, da));
            let (a, b) = (&mut self.data, &rhs.data);
            for_each_broadcast(da, &sa, &sb, |_, i, j| f(&mut a[i], b[j]));
        }
        Ok(())
    }
}

macro_rules! binary_op {
    ($Trait:ident, $method:ident, $try:ident, $Assign:ident, $assign:ident, $op:tt, $name:literal) => {
        impl<S: Shape, E: Num> Tensor<S, E, Cpu> {
            #[doc = concat!("Element-wise `", stringify!($op), "` with broadcasting; an error names both shapes when a run-time dim does not fit.")]
            ///
            /// ```
            /// use shaped_core::{shape, Tensor};
            /// let a = Tensor::<shape![2, 2]>::from_array([[1., 2.], [3., 4.]]);
            /// let b = Tensor::<shape![2]>::from_array([1., 2.]);
            #[doc = concat!("assert!(a.", stringify!($try), "(&b).is_ok());")]
            /// ```
            pub fn $try<S2: Shape>(
                &self,
                rhs: &Tensor<S2, E, Cpu>,
            ) -> Result<Tensor<<S as BroadcastShape<S2>>::Output, E, Cpu>, ShapeError>
            where
                S: BroadcastShape<S2>,
            {
                self.try_zip_with(rhs, $name, |x, y| x $op y)
            }
        }

        impl<'a, 'b, S: Shape, S2: Shape, E: Num, E2: SameDtype<E>> $Trait<&'b Tensor<S2, E2, Cpu>> for &'a Tensor<S, E, Cpu>
        where
            S: BroadcastShape<S2>,
        {
            type Output = Tensor<<S as BroadcastShape<S2>>::Output, E, Cpu>;
            fn $method(self, rhs: &'b Tensor<S2, E2, Cpu>) -> Self::Output {
                self.try_zip_with(rhs, $name, |x, y| x $op y.same()).unwrap_or_else(|e| panic!("{e}"))
            }
        }
        impl<'b, S: Shape, S2: Shape, E: Num, E2: SameDtype<E>> $Trait<&'b Tensor<S2, E2, Cpu>> for Tensor<S, E, Cpu>
        where
            S: BroadcastShape<S2>,
        {
            type Output = Tensor<<S as BroadcastShape<S2>>::Output, E, Cpu>;
            fn $method(self, rhs: &'b Tensor<S2, E2, Cpu>) -> Self::Output {
                (&self).$method(rhs)
            }
        }
        impl<'a, S: Shape, S2: Shape, E: Num, E2: SameDtype<E>> $Trait<Tensor<S2, E2, Cpu>> for &'a Tensor<S, E, Cpu>
        where
            S: BroadcastShape<S2>,
        {
            type Output = Tensor<<S as BroadcastShape<S2>>::Output, E, Cpu>;
            fn $method(self, rhs: Tensor<S2, E2, Cpu>) -> Self::Output {
                self.$method(&rhs)
            }
        }
        impl<S: Shape, S2: Shape, E: Num, E2: SameDtype<E>> $Trait<Tensor<S2, E2, Cpu>> for Tensor<S, E, Cpu>
        where
            S: BroadcastShape<S2>,
        {
            type Output = Tensor<<S as BroadcastShape<S2>>::Output, E, Cpu>;
            fn $method(self, rhs: Tensor<S2, E2, Cpu>) -> Self::Output {
                (&self).$method(&rhs)
            }
        }
        impl<'b, S: Shape, S2: Shape, E: Num> $Assign<&'b Tensor<S2, E, Cpu>> for Tensor<S, E, Cpu>
        where
            S: BroadcastShape<S2, Output = S>,
        {
            fn $assign(&mut self, rhs: &'b Tensor<S2, E, Cpu>) {
                self.try_zip_assign(rhs, $name, |x, y| *x = *x $op y)
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        }
    };
}
binary_op!(Add, add, try_add, AddAssign, add_assign, +, "add");
binary_op!(Sub, sub, try_sub, SubAssign, sub_assign, -, "sub");
binary_op!(Mul, mul, try_mul, MulAssign, mul_assign, *, "mul");
binary_op!(Div, div, try_div, DivAssign, div_assign, /, "div");

/// The larger of `a` and `b`, NaN if either is NaN (numpy's `maximum`;
/// `f32::max` would return the other operand and hide the NaN).
#[inline(always)]
pub(crate) fn nan_max<E: Float>(a: E, b: E) -> E {
    if a > b || a.is_nan() {
        a
    } else {
        b
    }
}

/// The smaller of `a` and `b`, NaN if either is NaN (numpy's `minimum`).
#[inline(always)]
pub(crate) fn nan_min<E: Float>(a: E, b: E) -> E {
    if a < b || a.is_nan() {
        a
    } else {
        b
    }
}

impl<S: Shape, E: Float> Tensor<S, E, Cpu> {
    /// The element-wise maximum of two broadcast tensors. A NaN in either
    /// operand gives NaN, as numpy's `maximum` does.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let a = Tensor::<shape![3]>::from_array([1., 5., 3.]);
    /// let b = Tensor::<shape![]>::scalar(2.);
    /// assert_eq!(a.maximum(&b).as_slice(), &[2., 5., 3.]);
    /// let n = f32::NAN;
    /// let m = Tensor::<shape![4]>::from_array([n, -1., 2., n])
    ///     .maximum(&Tensor::<shape![4]>::from_array([0., n, 1., 5.]));
    /// assert!(m.as_slice()[0].is_nan() && m.as_slice()[1].is_nan() && m.as_slice()[3].is_nan());
    /// assert_eq!(m.as_slice()[2], 2.);
    /// ```
    pub fn maximum<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, Cpu>,
    ) -> Tensor<<S as BroadcastShape<S2>>::Output, E, Cpu>
    where
        S: BroadcastShape<S2>,
    {
        self.try_zip_with(rhs, "maximum", nan_max)
            .unwrap_or_else(|e| panic!("{e}"))
    }
    /// The element-wise minimum of two broadcast tensors. A NaN in either
    /// operand gives NaN, as numpy's `minimum` does.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let a = Tensor::<shape![3]>::from_array([1., 5., 3.]);
    /// assert_eq!(a.minimum(&Tensor::scalar(2.)).as_slice(), &[1., 2., 2.]);
    /// assert!(a.minimum(&Tensor::scalar(f32::NAN)).as_slice().iter().all(|v| v.is_nan()));
    /// ```
    pub fn minimum<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, Cpu>,
    ) -> Tensor<<S as BroadcastShape<S2>>::Output, E, Cpu>
    where
        S: BroadcastShape<S2>,
    {
        self.try_zip_with(rhs, "minimum", nan_min)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{shape, Dyn, One, Sz, Tensor};

    /// Reference: numpy broadcasting by explicit index arithmetic.
    fn reference(a: &[f64], da: &[usize], b: &[f64], db: &[usize]) -> (Vec<usize>, Vec<f64>) {
        let out = crate::shape::broadcast_dims(da, db).unwrap();
        let n: usize = out.iter().product();
        let mut v = Vec::new();
        for flat in 0..n {
            let mut rem = flat;
            let mut idx = vec![0; out.len()];
            for k in (0..out.len()).rev() {
                idx[k] = rem % out[k];
                rem /= out[k];
            }
            let pick = |d: &[usize]| {
                let off = out.len() - d.len();
                let mut o = 0;
                for k in 0..d.len() {
                    let i = if d[k] == 1 { 0 } else { idx[k + off] };
                    o = o * d[k] + i;
                }
                o
            };
            v.push(a[pick(da)] + 10.0 * b[pick(db)]);
        }
        (out, v)
    }

    fn check<S1, S2: crate::Shape>(a: Tensor<S1, f64>, b: Tensor<S2, f64>)
    where
        S1: crate::BroadcastShape<S2>,
    {
        let c = a.try_zip_with(&b, "t", |x, y| x + 10.0 * y).unwrap();
        let (out, v) = reference(
            a.as_slice(),
            a.dims().as_ref(),
            b.as_slice(),
            b.dims().as_ref(),
        );
        assert_eq!(c.dims().as_ref(), &out[..]);
        assert_eq!(c.as_slice(), &v[..]);
    }

    fn iota<S: crate::Shape>(s: S) -> Tensor<S, f64> {
        let mut i = 0.0;
        Tensor::from_fn_with(s, |_| {
            i += 1.0;
            i
        })
    }

    #[test]
    fn broadcasts_match_reference() {
        check(
            iota::<shape![32, 10]>(Default::default()),
            iota::<shape![10]>(Default::default()),
        );
        check(
            iota::<shape![2, 3, 4]>(Default::default()),
            iota::<shape![3, 4]>(Default::default()),
        );
        check(
            iota::<shape![3, 1]>(Default::default()),
            iota::<shape![1, 4]>(Default::default()),
        );
        check(
            iota::<shape![2, 1, 4]>(Default::default()),
            iota::<shape![3, 1]>(Default::default()),
        );
        check(
            iota::<shape![]>(()),
            iota::<shape![2, 2]>(Default::default()),
        );
        check(
            iota((Dyn(5), Sz::<10>)),
            iota::<shape![10]>(Default::default()),
        );
        check(iota((Dyn(1), Sz::<3>)), iota((Dyn(4), One)));
    }

    #[test]
    fn dyn_mismatch_is_an_error_naming_both_shapes() {
        let a = Tensor::<shape![_, 3]>::zeros_with((Dyn(2), Sz));
        let b = Tensor::<shape![_, 3]>::zeros_with((Dyn(5), Sz));
        let e = a.try_add(&b).unwrap_err();
        assert_eq!(
            e.to_string(),
            "add: shapes (2, 3) and (5, 3) do not broadcast"
        );
        let c = Tensor::<shape![_]>::zeros_with((Dyn(4),));
        let e = Tensor::<shape![3]>::zeros().try_mul(&c).unwrap_err();
        assert_eq!(e.to_string(), "mul: shapes (3,) and (4,) do not broadcast");
    }

    #[test]
    #[should_panic(expected = "sub: shapes (2,) and (3,) do not broadcast")]
    fn operator_panics_with_the_same_words() {
        let a = Tensor::<shape![_]>::zeros_with((Dyn(2),));
        let b = Tensor::<shape![_]>::zeros_with((Dyn(3),));
        let _ = &a - &b;
    }

    #[test]
    fn in_place_ops() {
        let mut a = Tensor::<shape![2, 3]>::ones();
        a += &Tensor::<shape![3]>::from_array([1., 2., 3.]);
        a *= &Tensor::<shape![2, 1]>::from_array([[2.], [3.]]);
        assert_eq!(a.as_slice(), &[4., 6., 8., 6., 9., 12.]);
        let mut d = Tensor::<shape![_, 1]>::ones_with((Dyn(2), One));
        let wide = Tensor::<shape![_, 1]>::ones_with((Dyn(3), One));
        assert!(d.try_zip_assign(&wide, "add", |x, y| *x += y).is_err());
    }
}
