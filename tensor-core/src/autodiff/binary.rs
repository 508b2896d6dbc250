//! Binary ops on [`Var`]s: the broadcasting `+ - * /`, `maximum`, `minimum`,
//! and `select`.
//! Each has the bounds of its [`Tensor`] counterpart (`S: BroadcastShape<S2>`),
//! and its backward un-broadcasts (see [`BroadcastMap`]).

use crate::{
    autodiff::{broadcast::BroadcastMap, var::Var},
    device::Cpu,
    dtype::Float,
    error::ShapeError,
    ops::binary::{nan_max, nan_min},
    shape::{BroadcastShape, Shape},
    Tensor,
};
use core::ops::{Add, Div, Mul, Sub};
use std::rc::Rc;

/// The shape of `a op b` for `Var`s of shapes `S` and `S2`.
type Out<S, S2> = <S as BroadcastShape<S2>>::Output;

impl<S: Shape, E: Float> Var<S, E> {
    /// Records `f(a, b)` element-wise with broadcasting; the partial
    /// derivatives `da(a, b)` and `db(a, b)` are evaluated per element in the
    /// backward pass. `linear` ops (`+`, `-`) have constant partials and
    /// skip reading the operands.
    fn zip_var<S2: Shape>(
        &self,
        rhs: &Var<S2, E>,
        op: &'static str,
        f: impl Fn(E, E) -> E,
        da: fn(E, E) -> E,
        db: fn(E, E) -> E,
        linear: bool,
    ) -> Result<Var<Out<S, S2>, E>, ShapeError>
    where
        S: BroadcastShape<S2>,
    {
        let value = self.value.try_zip_with(&rhs.value, op, f)?;
        let map = Rc::new(BroadcastMap::new(
            self.value.dims().as_ref(),
            rhs.value.dims().as_ref(),
        ));
        let (a, b) = (Rc::clone(&self.value), Rc::clone(&rhs.value));
        let (a2, b2, map2) = (Rc::clone(&a), Rc::clone(&b), Rc::clone(&map));
        Ok(self.record2(
            rhs,
            op,
            value,
            move |g, ga| {
                if linear {
                    map.unbroadcast_lhs(g, da(E::ZERO, E::ZERO), ga)
                } else {
                    let (a, b) = (&a.data, &b.data);
                    map.for_each(|o, i, j| ga[i] += g[o] * da(a[i], b[j]))
                }
            },
            move |g, gb| {
                if linear {
                    map2.unbroadcast_rhs(g, db(E::ZERO, E::ZERO), gb)
                } else {
                    let (a, b) = (&a2.data, &b2.data);
                    map2.for_each(|o, i, j| gb[j] += g[o] * db(a[i], b[j]))
                }
            },
        ))
    }

    /// Element-wise `+` with broadcasting; an error names both shapes when a
    /// run-time dim does not fit. The backward sums over stretched axes.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Dyn, Sz, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var(Tensor::<shape![_, 3], f64>::ones_with((Dyn(2), Sz)));
    /// let b = tape.var(Tensor::<shape![3], f64>::ones());
    /// let g = a.try_add(&b).unwrap().sum_all().backward();
    /// assert_eq!(g.get_slice(&b).unwrap(), &[2., 2., 2.]); // summed over the 2 rows
    /// let c = tape.var(Tensor::<shape![_, 3], f64>::ones_with((Dyn(4), Sz)));
    /// let err = a.try_add(&c).unwrap_err();
    /// assert_eq!(err.to_string(), "add: shapes (2, 3) and (4, 3) do not broadcast");
    /// ```
    pub fn try_add<S2: Shape>(&self, rhs: &Var<S2, E>) -> Result<Var<Out<S, S2>, E>, ShapeError>
    where
        S: BroadcastShape<S2>,
    {
        self.zip_var(rhs, "add", |x, y| x + y, |_, _| E::ONE, |_, _| E::ONE, true)
    }
    /// Element-wise `-` with broadcasting.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var(Tensor::<shape![2], f64>::from_array([5., 7.]));
    /// let b = tape.var(Tensor::<shape![2], f64>::from_array([1., 2.]));
    /// let y = a.try_sub(&b).unwrap();
    /// assert_eq!(y.value().as_slice(), &[4., 5.]);
    /// assert_eq!(y.sum_all().backward().get_slice(&b).unwrap(), &[-1., -1.]);
    /// ```
    pub fn try_sub<S2: Shape>(&self, rhs: &Var<S2, E>) -> Result<Var<Out<S, S2>, E>, ShapeError>
    where
        S: BroadcastShape<S2>,
    {
        self.zip_var(
            rhs,
            "sub",
            |x, y| x - y,
            |_, _| E::ONE,
            |_, _| -E::ONE,
            true,
        )
    }
    /// Element-wise `*` with broadcasting.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var(Tensor::<shape![2], f64>::from_array([2., 3.]));
    /// let b = tape.var(Tensor::<shape![2], f64>::from_array([5., 7.]));
    /// let g = a.try_mul(&b).unwrap().sum_all().backward();
    /// assert_eq!((g.get_slice(&a).unwrap(), g.get_slice(&b).unwrap()), (&[5., 7.][..], &[2., 3.][..]));
    /// ```
    pub fn try_mul<S2: Shape>(&self, rhs: &Var<S2, E>) -> Result<Var<Out<S, S2>, E>, ShapeError>
    where
        S: BroadcastShape<S2>,
    {
        self.zip_var(rhs, "mul", |x, y| x * y, |_, b| b, |a, _| a, false)
    }
    /// Element-wise `/` with broadcasting.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var(Tensor::<shape![1], f64>::from_array([6.]));
    /// let b = tape.var(Tensor::<shape![1], f64>::from_array([2.]));
    /// let y = a.try_div(&b).unwrap();
    /// assert_eq!(y.value().as_slice(), &[3.]);
    /// let g = y.sum_all().backward();
    /// assert_eq!((g.get_slice(&a).unwrap(), g.get_slice(&b).unwrap()), (&[0.5][..], &[-1.5][..]));
    /// ```
    pub fn try_div<S2: Shape>(&self, rhs: &Var<S2, E>) -> Result<Var<Out<S, S2>, E>, ShapeError>
    where
        S: BroadcastShape<S2>,
    {
        self.zip_var(
            rhs,
            "div",
            |x, y| x / y,
            |_, b| E::ONE / b,
            |a, b| -a / (b * b),
            false,
        )
    }
    /// The element-wise maximum of two broadcast values; a NaN in either
    /// gives NaN (numpy). The gradient goes to the operand the value came
    /// from: the larger one, `self` on ties or when `self` is NaN.
    pub fn maximum<S2: Shape>(&self, rhs: &Var<S2, E>) -> Var<Out<S, S2>, E>
    where
        S: BroadcastShape<S2>,
    {
        let lhs = |a: E, b: E| {
            if a >= b || a.is_nan() {
                E::ONE
            } else {
                E::ZERO
            }
        };
        let rhs_wins = |a: E, b: E| {
            if a >= b || a.is_nan() {
                E::ZERO
            } else {
                E::ONE
            }
        };
        self.zip_var(rhs, "maximum", nan_max, lhs, rhs_wins, false)
            .unwrap_or_else(|e| panic!("{e}"))
    }
    /// The element-wise minimum of two broadcast values; a NaN in either
    /// gives NaN (numpy). The gradient goes to the operand the value came
    /// from: the smaller one, `self` on ties or when `self` is NaN.
    pub fn minimum<S2: Shape>(&self, rhs: &Var<S2, E>) -> Var<Out<S, S2>, E>
    where
        S: BroadcastShape<S2>,
    {
        let lhs = |a: E, b: E| {
            if a <= b || a.is_nan() {
                E::ONE
            } else {
                E::ZERO
            }
        };
        let rhs_wins = |a: E, b: E| {
            if a <= b || a.is_nan() {
                E::ZERO
            } else {
                E::ONE
            }
        };
        self.zip_var(rhs, "minimum", nan_min, lhs, rhs_wins, false)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

impl<S: Shape, E: Float> Var<S, E> {
    /// Picks `self` where `mask` is true and `other` elsewhere (numpy's
    /// `where`), like [`Tensor::select`](crate::Tensor::select). The gradient
    /// goes to `self` where the mask is true and to `other` elsewhere; the
    /// mask is data, not differentiated.
    ///
    /// ```
    /// use shaped_core::{autodiff::Tape, shape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::<shape![3], f64>::from_array([-1., 2., -3.]));
    /// let y = x.select(&x.value().gt_scalar(0.), &x.square());
    /// assert_eq!(y.value().as_slice(), &[1., 2., 9.]);
    /// let g = y.sum_all().backward().get(&x).unwrap();
    /// assert_eq!(g.as_slice(), &[-2., 1., -6.]);
    /// ```
    pub fn select(&self, mask: &Tensor<S, bool, Cpu>, other: &Var<S, E>) -> Var<S, E> {
        let value = self.value.select(mask, &other.value);
        let (m1, m2) = (
            Rc::new(mask.as_slice().to_vec()),
            Rc::new(mask.as_slice().to_vec()),
        );
        self.record2(
            other,
            "select",
            value,
            move |g, ga| {
                for ((ga, &g), &m) in ga.iter_mut().zip(g).zip(m1.iter()) {
                    if m {
                        *ga += g;
                    }
                }
            },
            move |g, gb| {
                for ((gb, &g), &m) in gb.iter_mut().zip(g).zip(m2.iter()) {
                    if !m {
                        *gb += g;
                    }
                }
            },
        )
    }
}

macro_rules! var_binary_op {
    ($Trait:ident, $method:ident, $try:ident) => {
        /// Element-wise with broadcasting, like the [`Tensor`] operator;
        /// panics (naming both shapes) when a run-time dim does not fit.
        impl<'b, S: Shape, S2: Shape, E: Float> $Trait<&'b Var<S2, E>> for &Var<S, E>
        where
            S: BroadcastShape<S2>,
        {
            type Output = Var<Out<S, S2>, E>;
            fn $method(self, rhs: &'b Var<S2, E>) -> Self::Output {
                self.$try(rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
        /// Element-wise with broadcasting (see the `&Var` form).
        impl<S: Shape, S2: Shape, E: Float> $Trait<Var<S2, E>> for Var<S, E>
        where
            S: BroadcastShape<S2>,
        {
            type Output = Var<Out<S, S2>, E>;
            fn $method(self, rhs: Var<S2, E>) -> Self::Output {
                (&self).$method(&rhs)
            }
        }
        /// Element-wise with broadcasting (see the `&Var` form).
        impl<'b, S: Shape, S2: Shape, E: Float> $Trait<&'b Var<S2, E>> for Var<S, E>
        where
            S: BroadcastShape<S2>,
        {
            type Output = Var<Out<S, S2>, E>;
            fn $method(self, rhs: &'b Var<S2, E>) -> Self::Output {
                (&self).$method(rhs)
            }
        }
        /// Element-wise with broadcasting (see the `&Var` form).
        impl<S: Shape, S2: Shape, E: Float> $Trait<Var<S2, E>> for &Var<S, E>
        where
            S: BroadcastShape<S2>,
        {
            type Output = Var<Out<S, S2>, E>;
            fn $method(self, rhs: Var<S2, E>) -> Self::Output {
                self.$method(&rhs)
            }
        }
    };
}
var_binary_op!(Add, add, try_add);
var_binary_op!(Sub, sub, try_sub);
var_binary_op!(Mul, mul, try_mul);
var_binary_op!(Div, div, try_div);
