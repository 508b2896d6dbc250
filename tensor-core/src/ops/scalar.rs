//! Arithmetic between a tensor and one number: `&t * 2.0`, `1.0 - &t`,
//! `t /= 255.0`. Implemented for each element type by name, so that a
//! mismatched tensor operand never reads as a scalar error.

use crate::{device::Cpu, shape::Shape, Tensor};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Sub, SubAssign};

macro_rules! scalar_ops {
    ($($t:ty),*) => {$(
        scalar_ops!(@op $t, Add, add, AddAssign, add_assign, +);
        scalar_ops!(@op $t, Sub, sub, SubAssign, sub_assign, -);
        scalar_ops!(@op $t, Mul, mul, MulAssign, mul_assign, *);
        scalar_ops!(@op $t, Div, div, DivAssign, div_assign, /);
    )*};
    (@op $t:ty, $Trait:ident, $m:ident, $Assign:ident, $am:ident, $op:tt) => {
        impl<S: Shape> $Trait<$t> for &Tensor<S, $t, Cpu> {
            type Output = Tensor<S, $t, Cpu>;
            fn $m(self, rhs: $t) -> Self::Output {
                self.map(|x| x $op rhs)
            }
        }
        impl<S: Shape> $Trait<$t> for Tensor<S, $t, Cpu> {
            type Output = Tensor<S, $t, Cpu>;
            fn $m(mut self, rhs: $t) -> Self::Output {
                self.map_inplace(|x| x $op rhs);
                self
            }
        }
        impl<S: Shape> $Trait<&Tensor<S, $t, Cpu>> for $t {
            type Output = Tensor<S, $t, Cpu>;
            fn $m(self, rhs: &Tensor<S, $t, Cpu>) -> Self::Output {
                rhs.map(|x| self $op x)
            }
        }
        impl<S: Shape> $Trait<Tensor<S, $t, Cpu>> for $t {
            type Output = Tensor<S, $t, Cpu>;
            fn $m(self, mut rhs: Tensor<S, $t, Cpu>) -> Self::Output {
                rhs.map_inplace(|x| self $op x);
                rhs
            }
        }
        impl<S: Shape> $Assign<$t> for Tensor<S, $t, Cpu> {
            fn $am(&mut self, rhs: $t) {
                self.map_inplace(|x| x $op rhs)
            }
        }
    };
}
scalar_ops!(f32, f64, i8, i16, i32, i64, u8, u16, u32, u64, usize);

#[cfg(test)]
mod tests {
    use crate::{shape, Tensor};

    #[test]
    fn scalar_arithmetic_both_sides() {
        let t = Tensor::<shape![3]>::from_array([1., 2., 4.]);
        assert_eq!((&t * 2.0).as_slice(), &[2., 4., 8.]);
        assert_eq!((1.0 - &t).as_slice(), &[0., -1., -3.]);
        assert_eq!((8.0 / t.clone()).as_slice(), &[8., 4., 2.]);
        let mut u = t + 1.0;
        u /= 2.0;
        assert_eq!(u.as_slice(), &[1., 1.5, 2.5]);
        let px = Tensor::<shape![2], u8>::from_array([1, 2]);
        assert_eq!((&px * 3).as_slice(), &[3, 6]);
    }
}
