//! Parameters: every trainable tensor of a layer or model, visited by index
//! so that optimizers and checkpoints can walk a model, its gradients and
//! the optimizer's state in lockstep, without allocating.

use shaped_core::{ConstShape, Dtype, Tensor};

/// A set of named, shaped tensors of element type `E` (`f32` unless
/// named) in a fixed order.
///
/// A layer, the gradients of that layer and an optimizer's state for it all
/// implement `Parameters` with the same count, order and shapes, so index `i`
/// names the same weight in each.
///
/// ```
/// use shaped_nn::Parameters;
/// use shaped_core::{shape, Tensor};
/// let w = Tensor::<shape![2, 3]>::ones();
/// assert_eq!(Parameters::len(&w), 1);
/// assert_eq!(w.shape_of(0), vec![2, 3]);
/// assert_eq!(Parameters::get(&w, 0).len(), 6);
/// ```
pub trait Parameters<E: Dtype = f32> {
    /// How many tensors.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The name of tensor `i`, e.g. `dense_0.kernel`.
    fn name_of(&self, i: usize) -> String;
    /// The shape of tensor `i`.
    fn shape_of(&self, i: usize) -> Vec<usize>;
    /// Tensor `i`'s elements.
    fn get(&self, i: usize) -> &[E];
    /// Tensor `i`'s elements, mutable.
    fn get_mut(&mut self, i: usize) -> &mut [E];
    /// The total number of scalars.
    fn count(&self) -> usize {
        (0..self.len()).map(|i| self.get(i).len()).sum()
    }
    /// Sets every element of every tensor to zero.
    fn fill_zero(&mut self) {
        for i in 0..self.len() {
            self.get_mut(i).fill(E::default());
        }
    }
}

impl<S: ConstShape, E: Dtype> Parameters<E> for Tensor<S, E> {
    fn len(&self) -> usize {
        1
    }
    fn name_of(&self, _: usize) -> String {
        String::new()
    }
    fn shape_of(&self, _: usize) -> Vec<usize> {
        self.dims().as_ref().to_vec()
    }
    fn get(&self, _: usize) -> &[E] {
        self.as_slice()
    }
    fn get_mut(&mut self, _: usize) -> &mut [E] {
        self.as_mut_slice()
    }
}

/// No parameters (activations, flatten, dropout).
impl<E: Dtype> Parameters<E> for () {
    fn len(&self) -> usize {
        0
    }
    fn name_of(&self, i: usize) -> String {
        panic!("no parameter {i}")
    }
    fn shape_of(&self, i: usize) -> Vec<usize> {
        panic!("no parameter {i}")
    }
    fn get(&self, i: usize) -> &[E] {
        panic!("no parameter {i}")
    }
    fn get_mut(&mut self, i: usize) -> &mut [E] {
        panic!("no parameter {i}")
    }
}

/// Implements [`Parameters`] for a struct by listing its fields, each itself
/// `Parameters`; names are `field.inner`. Used by the layers and by `model!`.
/// The impl's generics go in the leading brackets; `Ty: Parameters<E> { .. }`
/// names an element type other than `f32` (a generic one too).
///
/// ```
/// use shaped_nn::{parameters_struct, Parameters};
/// use shaped_core::{shape, Tensor};
/// struct Two { a: Tensor<shape![2]>, b: Tensor<shape![3]> }
/// parameters_struct!([] Two { a, b });
/// let t = Two { a: Tensor::zeros(), b: Tensor::ones() };
/// assert_eq!((t.len(), t.name_of(1), t.count()), (2, "b".to_string(), 5));
///
/// // Generic over the element type:
/// use shaped_core::Dtype;
/// struct One<E: Dtype> { w: Tensor<shape![2], E> }
/// parameters_struct!([E: Dtype] One<E>: Parameters<E> { w });
/// let o = One { w: Tensor::<shape![2], f64>::ones() };
/// assert_eq!(Parameters::<f64>::get(&o, 0), [1.0, 1.0]);
/// ```
#[macro_export]
macro_rules! parameters_struct {
    ([$($g:tt)*] $ty:ty { $($field:ident),* $(,)? }) => {
        $crate::parameters_struct!([$($g)*] $ty: Parameters<f32> { $($field),* });
    };
    ([$($g:tt)*] $ty:ty: Parameters<$e:ty> { $($field:ident),* $(,)? }) => {
        impl<$($g)*> $crate::Parameters<$e> for $ty {
            fn len(&self) -> usize {
                0 $(+ $crate::Parameters::<$e>::len(&self.$field))*
            }
            #[allow(unused_mut, unused_assignments)]
            fn name_of(&self, mut i: usize) -> String {
                $(
                    let n = $crate::Parameters::<$e>::len(&self.$field);
                    if i < n {
                        let inner = $crate::Parameters::<$e>::name_of(&self.$field, i);
                        return if inner.is_empty() {
                            stringify!($field).to_string()
                        } else {
                            format!("{}.{}", stringify!($field), inner)
                        };
                    }
                    i -= n;
                )*
                panic!("no parameter {i}")
            }
            #[allow(unused_mut, unused_assignments)]
            fn shape_of(&self, mut i: usize) -> Vec<usize> {
                $(
                    let n = $crate::Parameters::<$e>::len(&self.$field);
                    if i < n {
                        return $crate::Parameters::<$e>::shape_of(&self.$field, i);
                    }
                    i -= n;
                )*
                panic!("no parameter {i}")
            }
            #[allow(unused_mut, unused_assignments)]
            fn get(&self, mut i: usize) -> &[$e] {
                $(
                    let n = $crate::Parameters::<$e>::len(&self.$field);
                    if i < n {
                        return $crate::Parameters::<$e>::get(&self.$field, i);
                    }
                    i -= n;
                )*
                panic!("no parameter {i}")
            }
            #[allow(unused_mut, unused_assignments)]
            fn get_mut(&mut self, mut i: usize) -> &mut [$e] {
                $(
                    let n = $crate::Parameters::<$e>::len(&self.$field);
                    if i < n {
                        return $crate::Parameters::<$e>::get_mut(&mut self.$field, i);
                    }
                    i -= n;
                )*
                panic!("no parameter {i}")
            }
        }
    };
}
