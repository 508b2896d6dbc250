//! Creation: PyTorch's table of constructors (zeros, ones, full, eye, arange,
//! linspace, rand, randn, normal, uniform, randperm, from nested arrays) and
//! their `_like` forms.
//!
//! Fully static shapes get the short forms (`Tensor::<shape![2, 3]>::zeros()`);
//! shapes with a run-time dim take the shape value (`zeros_with((Dyn(n), Sz))`).
//! Random constructors take any seedable [`rand::Rng`], so a run reproduces.

use crate::{
    device::Cpu,
    dim::StaticDim,
    dtype::{Dtype, Float, Num},
    error::ShapeError,
    shape::{ConstShape, Shape},
    Sz, Tensor,
};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// A tensor of the given shape filled with `value`. On Linux one of
    /// 4 MiB or more is advised onto transparent huge pages (`madvise`),
    /// which products reading it by rows run faster on.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let t = Tensor::<shape![_, 2], u8>::full_with((Dyn(3), Sz), 7);
    /// assert_eq!(t.as_slice(), &[7; 6]);
    /// ```
    pub fn full_with(shape: S, value: E) -> Self {
        Tensor {
            shape,
            // Large ones on huge pages (see `huge_pages`).
            data: crate::huge_pages::filled(shape.numel(), value),
            device: Cpu,
        }
    }
    /// A tensor of the given shape filled with zeros (`false` for `bool`).
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Sz, Tensor};
    /// let t = Tensor::<shape![_, 784]>::zeros_with((Dyn(128), Sz));
    /// assert_eq!(t.dims(), [128, 784]);
    /// ```
    pub fn zeros_with(shape: S) -> Self {
        Self::full_with(shape, E::default())
    }
    /// A tensor of this one's shape filled with zeros.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let a = Tensor::<shape![2]>::ones();
    /// assert_eq!(a.zeros_like().as_slice(), &[0.0, 0.0]);
    /// ```
    pub fn zeros_like(&self) -> Self {
        Self::zeros_with(self.shape)
    }
    /// A tensor of this one's shape filled with `value`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let a = Tensor::<shape![2]>::ones();
    /// assert_eq!(a.full_like(3.0).as_slice(), &[3.0, 3.0]);
    /// ```
    pub fn full_like(&self, value: E) -> Self {
        Self::full_with(self.shape, value)
    }
    /// A tensor whose element at each index is `f(index)`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![2, 3], usize>::from_fn_with(Default::default(), |i| i[0] * 10 + i[1]);
    /// assert_eq!(t.as_slice(), &[0, 1, 2, 10, 11, 12]);
    /// ```
    pub fn from_fn_with(shape: S, mut f: impl FnMut(&[usize]) -> E) -> Self {
        let dims = shape.dims();
        let dims = dims.as_ref();
        let n = shape.numel();
        let mut data = Vec::with_capacity(n);
        let mut idx = vec![0usize; dims.len()];
        for _ in 0..n {
            data.push(f(&idx));
            for k in (0..dims.len()).rev() {
                idx[k] += 1;
                if idx[k] < dims[k] {
                    break;
                }
                idx[k] = 0;
            }
        }
        Tensor {
            shape,
            data,
            device: Cpu,
        }
    }
}

impl<S: Shape, E: Num> Tensor<S, E, Cpu> {
    /// A tensor of the given shape filled with ones.
    ///
    /// ```
    /// use shaped_core::{shape, Dyn, Tensor};
    /// assert_eq!(Tensor::<shape![_], i64>::ones_with((Dyn(2),)).as_slice(), &[1, 1]);
    /// ```
    pub fn ones_with(shape: S) -> Self {
        Self::full_with(shape, E::ONE)
    }
    /// A tensor of this one's shape filled with ones.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2]>::zeros().ones_like().as_slice(), &[1.0, 1.0]);
    /// ```
    pub fn ones_like(&self) -> Self {
        Self::ones_with(self.shape)
    }
    /// Integers drawn uniformly from `[low, high)`, like `torch.randint`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Tensor};
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let px = Tensor::<shape![28, 28], u8>::randint_with(Default::default(), 0, 255, &mut rng);
    /// assert!(px.as_slice().iter().all(|&p| p < 255));
    /// ```
    pub fn randint_with(shape: S, low: E, high: E, rng: &mut impl Rng) -> Self {
        let (lo, hi) = (low.to_f64(), high.to_f64());
        assert!(lo < hi, "randint: low {lo} must be below high {hi}");
        let span = (hi - lo) as u64;
        Self::from_fn_with(shape, |_| {
            E::from_f64(lo + rng.random_range(0..span) as f64)
        })
    }
}

impl<S: Shape, E: Float> Tensor<S, E, Cpu> {
    /// Uniform samples in `[0, 1)`, like `torch.rand`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Dyn, Tensor};
    /// let t = Tensor::<shape![_]>::rand_with((Dyn(100),), &mut StdRng::seed_from_u64(1));
    /// assert!(t.as_slice().iter().all(|&x| (0.0..1.0).contains(&x)));
    /// ```
    pub fn rand_with(shape: S, rng: &mut impl Rng) -> Self {
        Self::uniform_with(shape, E::ZERO, E::ONE, rng)
    }
    /// Uniform samples in `[low, high)`, like `torch.Tensor.uniform_`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![50]>::uniform_with(Default::default(), -2.0, 2.0, &mut StdRng::seed_from_u64(1));
    /// assert!(t.as_slice().iter().all(|&x| (-2.0..2.0).contains(&x)));
    /// ```
    pub fn uniform_with(shape: S, low: E, high: E, rng: &mut impl Rng) -> Self {
        let (lo, hi) = (low.to_f64(), high.to_f64());
        Self::from_fn_with(shape, |_| {
            let x = E::from_f64(lo + (hi - lo) * rng.random::<f64>());
            // Rounding to a narrower type can land on `high`: keep it open.
            if x >= high {
                low
            } else {
                x
            }
        })
    }
    /// Standard normal samples, like `torch.randn`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Dyn, Tensor};
    /// let t = Tensor::<shape![_], f64>::randn_with((Dyn(10_000),), &mut StdRng::seed_from_u64(1));
    /// assert!(t.mean_all().abs() < 0.05);
    /// ```
    pub fn randn_with(shape: S, rng: &mut impl Rng) -> Self {
        Self::normal_with(shape, E::ZERO, E::ONE, rng)
    }
    /// Normal samples with the given mean and standard deviation, like
    /// `torch.normal`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Dyn, Tensor};
    /// let t = Tensor::<shape![_], f64>::normal_with((Dyn(10_000),), 5.0, 0.1, &mut StdRng::seed_from_u64(1));
    /// assert!((t.mean_all() - 5.0).abs() < 0.01);
    /// ```
    pub fn normal_with(shape: S, mean: E, std: E, rng: &mut impl Rng) -> Self {
        let (m, s) = (mean.to_f64(), std.to_f64());
        Self::from_fn_with(shape, |_| {
            let z: f64 = StandardNormal.sample(rng);
            E::from_f64(m + s * z)
        })
    }
    /// Uniform samples in `[0, 1)` of this tensor's shape.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Tensor};
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let x = Tensor::<shape![4, 5]>::zeros();
    /// let u = x.rand_like(&mut rng);
    /// assert!(u.as_slice().iter().all(|&v| (0.0..1.0).contains(&v)));
    /// ```
    pub fn rand_like(&self, rng: &mut impl Rng) -> Self {
        Self::rand_with(self.shape, rng)
    }
    /// Standard normal samples of this tensor's shape.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Tensor};
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let x = Tensor::<shape![4, 5]>::zeros();
    /// let z = x.randn_like(&mut rng);
    /// assert_eq!(z.dims(), [4, 5]);
    /// assert!(z.as_slice().iter().any(|&v| v != 0.0));
    /// ```
    pub fn randn_like(&self, rng: &mut impl Rng) -> Self {
        Self::randn_with(self.shape, rng)
    }
}

impl<S: Shape> Tensor<S, bool, Cpu> {
    /// A mask whose elements are `true` with probability `p`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Tensor};
    /// let m = Tensor::<shape![1000], bool>::bernoulli_with(Default::default(), 0.0, &mut StdRng::seed_from_u64(1));
    /// assert!(m.as_slice().iter().all(|&b| !b));
    /// ```
    pub fn bernoulli_with(shape: S, p: f64, rng: &mut impl Rng) -> Self {
        Self::from_fn_with(shape, |_| rng.random::<f64>() < p)
    }
}

impl<S: ConstShape, E: Dtype> Tensor<S, E, Cpu> {
    /// A tensor filled with `value`, like `torch.full`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![3], f64>::full(0.5).as_slice(), &[0.5; 3]);
    /// ```
    pub fn full(value: E) -> Self {
        Self::full_with(S::default(), value)
    }
    /// A tensor of zeros, like `torch.zeros`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2, 2], i32>::zeros().as_slice(), &[0; 4]);
    /// ```
    pub fn zeros() -> Self {
        Self::zeros_with(S::default())
    }
    /// A tensor whose element at each index is `f(index)`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![3], usize>::from_fn(|i| i[0] * i[0]);
    /// assert_eq!(t.as_slice(), &[0, 1, 4]);
    /// ```
    pub fn from_fn(f: impl FnMut(&[usize]) -> E) -> Self {
        Self::from_fn_with(S::default(), f)
    }
}

impl<S: ConstShape, E: Num> Tensor<S, E, Cpu> {
    /// A tensor of ones, like `torch.ones`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![2], u8>::ones().as_slice(), &[1, 1]);
    /// ```
    pub fn ones() -> Self {
        Self::ones_with(S::default())
    }
}

impl<S: ConstShape, E: Float> Tensor<S, E, Cpu> {
    /// Uniform samples in `[0, 1)`, like `torch.rand`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Tensor};
    /// let mut rng = StdRng::seed_from_u64(42);
    /// let a = Tensor::<shape![2, 3]>::rand(&mut rng);
    /// let b = Tensor::<shape![2, 3]>::rand(&mut StdRng::seed_from_u64(42));
    /// assert_eq!(a, b);
    /// ```
    pub fn rand(rng: &mut impl Rng) -> Self {
        Self::rand_with(S::default(), rng)
    }
    /// Standard normal samples, like `torch.randn`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![4]>::randn(&mut StdRng::seed_from_u64(0));
    /// assert_eq!(t.numel(), 4);
    /// ```
    pub fn randn(rng: &mut impl Rng) -> Self {
        Self::randn_with(S::default(), rng)
    }
    /// Normal samples with this mean and standard deviation.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![4]>::normal(10.0, 0.0, &mut StdRng::seed_from_u64(0));
    /// assert_eq!(t.as_slice(), &[10.0; 4]);
    /// ```
    pub fn normal(mean: E, std: E, rng: &mut impl Rng) -> Self {
        Self::normal_with(S::default(), mean, std, rng)
    }
    /// Uniform samples in `[low, high)`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![4]>::uniform(1.0, 2.0, &mut StdRng::seed_from_u64(0));
    /// assert!(t.as_slice().iter().all(|&x| (1.0..2.0).contains(&x)));
    /// ```
    pub fn uniform(low: E, high: E, rng: &mut impl Rng) -> Self {
        Self::uniform_with(S::default(), low, high, rng)
    }
}

impl<const M: usize, const N: usize, E: Num> Tensor<(Sz<M>, Sz<N>), E, Cpu> {
    /// The identity matrix (ones on the diagonal), like `torch.eye`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let i = Tensor::<shape![2, 3], i32>::eye();
    /// assert_eq!(i.as_slice(), &[1, 0, 0, 0, 1, 0]);
    /// ```
    pub fn eye() -> Self {
        Self::from_fn(|i| if i[0] == i[1] { E::ONE } else { E::ZERO })
    }
}

impl<S: Shape<Dims = [usize; 1]>, E: Num> Tensor<S, E, Cpu> {
    fn rank1(op: &'static str, n: usize) -> Result<S, ShapeError> {
        S::from_dims(&[n]).ok_or_else(|| {
            ShapeError::against_type::<S>(op, &[n], "differ: the arguments give the first")
        })
    }

    /// `start, start + step, ...` up to but excluding `end`, like
    /// `torch.arange`; an error if the count does not fit a static length.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let a = Tensor::<shape![_], i32>::try_arange(0, 10, 3).unwrap();
    /// assert_eq!(a.as_slice(), &[0, 3, 6, 9]);
    /// let b = Tensor::<shape![4], f32>::try_arange(1.0, 2.0, 0.25).unwrap();
    /// assert_eq!(b.as_slice(), &[1.0, 1.25, 1.5, 1.75]);
    /// assert!(Tensor::<shape![5], i32>::try_arange(0, 10, 3).is_err());
    /// ```
    pub fn try_arange(start: E, end: E, step: E) -> Result<Self, ShapeError> {
        let (a, b, s) = (start.to_f64(), end.to_f64(), step.to_f64());
        if s == 0.0 || !s.is_finite() || !a.is_finite() || !b.is_finite() {
            return Err(ShapeError::with_argument(
                "arange",
                &[],
                format!("start {a}, end {b}, step {s}"),
                "do not fit: the step must be finite and non-zero",
            ));
        }
        let n = ((b - a) / s).ceil().max(0.0) as usize;
        let shape = Self::rank1("arange", n)?;
        Ok(Self::from_fn_with(shape, |i| {
            E::from_f64(a + s * i[0] as f64)
        }))
    }
    /// [`try_arange`](Self::try_arange) that panics on a bad count.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![3], i64>::arange(0, 3, 1).as_slice(), &[0, 1, 2]);
    /// ```
    pub fn arange(start: E, end: E, step: E) -> Self {
        Self::try_arange(start, end, step).unwrap_or_else(|e| panic!("{e}"))
    }
    /// `steps` values evenly spaced from `start` to `end`, both included,
    /// like `torch.linspace`.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let t = Tensor::<shape![5], f64>::try_linspace(0.0, 1.0, 5).unwrap();
    /// assert_eq!(t.as_slice(), &[0.0, 0.25, 0.5, 0.75, 1.0]);
    /// assert!(Tensor::<shape![5], f64>::try_linspace(0.0, 1.0, 4).is_err());
    /// ```
    pub fn try_linspace(start: E, end: E, steps: usize) -> Result<Self, ShapeError> {
        let shape = Self::rank1("linspace", steps)?;
        let (a, b) = (start.to_f64(), end.to_f64());
        let step = if steps > 1 {
            (b - a) / (steps - 1) as f64
        } else {
            0.0
        };
        Ok(Self::from_fn_with(shape, |i| {
            if steps > 1 && i[0] == steps - 1 {
                end
            } else {
                E::from_f64(a + step * i[0] as f64)
            }
        }))
    }
    /// [`try_linspace`](Self::try_linspace) that panics on a bad count.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// assert_eq!(Tensor::<shape![_]>::linspace(-1.0, 1.0, 3).as_slice(), &[-1.0, 0.0, 1.0]);
    /// ```
    pub fn linspace(start: E, end: E, steps: usize) -> Self {
        Self::try_linspace(start, end, steps).unwrap_or_else(|e| panic!("{e}"))
    }
    /// A random permutation of `0..m`, like `torch.randperm`.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use shaped_core::{shape, Tensor};
    /// let p = Tensor::<shape![_], usize>::randperm(5, &mut StdRng::seed_from_u64(3));
    /// let mut v = p.into_vec();
    /// v.sort();
    /// assert_eq!(v, [0, 1, 2, 3, 4]);
    /// ```
    pub fn randperm(m: usize, rng: &mut impl Rng) -> Self {
        let shape = Self::rank1("randperm", m).unwrap_or_else(|e| panic!("{e}"));
        let mut idx: Vec<usize> = (0..m).collect();
        rand::seq::SliceRandom::shuffle(idx.as_mut_slice(), rng);
        Tensor {
            shape,
            data: idx.into_iter().map(E::from_usize).collect(),
            device: Cpu,
        }
    }
}

impl<E: Dtype> Tensor<(), E, Cpu> {
    /// A rank-0 tensor holding one value.
    ///
    /// ```
    /// use shaped_core::Tensor;
    /// let s = Tensor::scalar(3.5f32);
    /// assert_eq!((s.ndim(), s.item()), (0, 3.5));
    /// ```
    pub fn scalar(value: E) -> Self {
        Self::full(value)
    }
    /// The value of a rank-0 tensor.
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let s = Tensor::<shape![], i32>::full(7);
    /// assert_eq!(s.item(), 7);
    /// ```
    pub fn item(&self) -> E {
        self.data[0]
    }
}

/// A static dim that an array literal of length `N` can fill: `Sz<N>`, or
/// [`One`](crate::One) for a literal of length 1.
#[diagnostic::on_unimplemented(
    message = "an array literal of length {N} cannot fill an axis of type `{Self}`",
    label = "this literal has {N} entries along an axis of type `{Self}`",
    note = "the literal's nesting must match the tensor's shape axis by axis, outermost first: `[[x; 3]; 2]` (2 rows of 3) fills `shape![2, 3]`"
)]
pub trait LiteralLen<const N: usize>: StaticDim {}
#[diagnostic::do_not_recommend]
impl<const N: usize> LiteralLen<N> for Sz<N> {}
#[diagnostic::do_not_recommend]
impl LiteralLen<1> for crate::One {}

/// A nested array literal that fills a tensor of static shape `S`:
/// `[[E; 3]; 2]` fills `(2, 3)`.
#[diagnostic::on_unimplemented(
    message = "the array literal `{Self}` does not have the shape `{S}`",
    label = "the nesting of this literal is not the tensor's shape"
)]
pub trait NestedArray<E: Dtype, S: ConstShape> {
    /// The elements in row-major order.
    fn flat(&self) -> &[E];
}

macro_rules! arr {
    ($e:ty; $a:ident) => { [$e; $a] };
    ($e:ty; $a:ident, $($rest:ident),+) => { [arr!($e; $($rest),+); $a] };
}

macro_rules! nested {
    ($($a:ident $d:ident),+) => {
        #[diagnostic::do_not_recommend]
        impl<E: Dtype, $(const $a: usize, $d: LiteralLen<$a>),+> NestedArray<E, ($($d,)+)> for arr!(E; $($a),+) {
            fn flat(&self) -> &[E] {
                let s: &[_] = &self[..];
                nested!(@flatten s; $($a),+)
            }
        }
        impl<E: Dtype, $(const $a: usize),+> From<arr!(E; $($a),+)> for Tensor<($(Sz<$a>,)+), E, Cpu> {
            fn from(a: arr!(E; $($a),+)) -> Self {
                Tensor::from_array(a)
            }
        }
    };
    (@flatten $s:ident; $a:ident) => { $s };
    (@flatten $s:ident; $a:ident, $($rest:ident),+) => {{
        let $s = $s.as_flattened();
        nested!(@flatten $s; $($rest),+)
    }};
}
nested!(A DA);
nested!(A DA, B DB);
nested!(A DA, B DB, C DC);
nested!(A DA, B DB, C DC, D DD);
nested!(A DA, B DB, C DC, D DD, F DF);
nested!(A DA, B DB, C DC, D DD, F DF, G DG);

impl<S: ConstShape, E: Dtype> Tensor<S, E, Cpu> {
    /// A tensor from a nested array literal; the literal's nesting must be
    /// the tensor's shape, or the program does not compile. A length-1
    /// level fills either `Sz<1>` or the stretchable [`One`](crate::One).
    ///
    /// ```
    /// use shaped_core::{shape, Tensor};
    /// let m: Tensor<shape![2, 3]> = Tensor::from_array([[1., 2., 3.], [4., 5., 6.]]);
    /// assert_eq!(m.as_slice(), &[1., 2., 3., 4., 5., 6.]);
    /// let col = Tensor::<shape![2, 1]>::from_array([[1.], [2.]]);
    /// let x = Tensor::from([[[1u8, 2], [3, 4]]]);
    /// assert_eq!(x.dims(), [1, 2, 2]);
    /// ```
    pub fn from_array<A: NestedArray<E, S>>(array: A) -> Self {
        Tensor {
            shape: S::default(),
            data: array.flat().to_vec(),
            device: Cpu,
        }
    }
}
