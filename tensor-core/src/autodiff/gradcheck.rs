//! Gradient checking: the analytic gradient of a backward pass compared with
//! central finite differences, in `f64`. This is the one checker of the
//! workspace: [`GradCheck::check1`] and friends check functions of `Var`s,
//! and [`GradCheck::check_buffers`] checks any function of flat `f64`
//! buffers against a gradient computed some other way (the `nn` crate's
//! layers and losses, which run in `f32`, are checked through it with
//! [`GradCheck::single_precision`]).
//!
//! For every element `x_i` of every input, the numeric derivative is
//! `(f(x + h e_i) - f(x - h e_i)) / (2h)` (with `2h` taken as the actual
//! difference of the two perturbed floats), and it must agree with the
//! analytic one: `|numeric - analytic| <= atol + rtol * max(|numeric|, |analytic|)`.
//!
//! # Tolerances
//!
//! The defaults are `h = 1e-6` and `atol = rtol = 1e-6`. In `f64` the central
//! difference is off by the truncation error `h² |f'''| / 6` (about `1e-13`
//! for smooth functions of inputs of order 1) plus the rounding error
//! `ε |f| / h` (`ε = 2.2e-16`, so about `2e-10 |f|`). Both are at least three
//! orders of magnitude below the tolerance for losses up to `|f| ≈ 100`,
//! while a wrong backward (a missing factor, a transposed operand, a
//! dropped broadcast sum) is off by far more than `1e-6`.
//!
//! # Kinks
//!
//! relu and abs are not differentiable at 0, and max/min not at ties: a
//! finite difference across a kink is meaningless. [`random_input`] therefore
//! draws values that are at least 0.25 away from 0 and pairwise distinct by
//! a margin (see its documentation), so no input lies within `h` of a kink.
//! Kinks of intermediate values (a relu after a dot product) are not ruled
//! out by construction; fixed seeds keep such checks reproducible.
//!
//! # Non-scalar outputs
//!
//! The checked functions return a scalar `Var<(), f64>`. To check an op
//! with a tensor output, reduce it with [`project`], a fixed pseudo-random
//! weighted sum: unlike `sum_all`, it does not hide errors that cancel in a
//! plain sum (the gradient of `softmax(x).sum_all()` is zero, whatever the
//! backward of softmax).
//!
//! ```
//! use rand::{rngs::StdRng, SeedableRng};
//! use shaped_core::autodiff::gradcheck::{gradcheck2, project, random_input};
//! use shaped_core::shape;
//! let mut rng = StdRng::seed_from_u64(7);
//! let x = random_input::<shape![4, 3]>(Default::default(), &mut rng);
//! let w = random_input::<shape![3, 2]>(Default::default(), &mut rng);
//! let report = gradcheck2(&x, &w, |x, w| project(&x.dot(w).tanh())).unwrap();
//! assert_eq!(report.checked, 12 + 6);
//! ```

use crate::{
    autodiff::{tape::Tape, var::Var},
    device::Cpu,
    dtype::Float,
    shape::Shape,
    Tensor,
};
use core::fmt;
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use std::rc::Rc;

/// The default finite-difference step `h`.
pub const DEFAULT_EPS: f64 = 1e-6;
/// The default absolute tolerance.
pub const DEFAULT_ATOL: f64 = 1e-6;
/// The default relative tolerance.
pub const DEFAULT_RTOL: f64 = 1e-6;

/// The settings of a gradient check: the step and the tolerances (see the
/// [module documentation](self) for the defaults and why).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheck {
    /// The finite-difference step `h`.
    pub eps: f64,
    /// The absolute tolerance.
    pub atol: f64,
    /// The relative tolerance, against the larger of the two derivatives.
    pub rtol: f64,
    /// At most this many elements of each input are checked, chosen at
    /// random (without repeats) from [`seed`](Self::seed); an input no
    /// larger is checked whole. `usize::MAX` by default: every element.
    pub max_per_input: usize,
    /// The seed of that choice.
    pub seed: u64,
    /// Where the difference at `eps` disagrees, measure again at `eps / 10`
    /// (against `2.5 atol`, for the ten times larger rounding error of that
    /// step) and fail only if that disagrees too. For functions with kinks
    /// inside the step (a relu after a product) and for functions computed
    /// in single precision. Off by default.
    pub retry_finer: bool,
}

impl Default for GradCheck {
    fn default() -> Self {
        GradCheck {
            eps: DEFAULT_EPS,
            atol: DEFAULT_ATOL,
            rtol: DEFAULT_RTOL,
            max_per_input: usize::MAX,
            seed: 0,
            retry_finer: false,
        }
    }
}

impl GradCheck {
    /// Settings for functions computed in `f32` (the `nn` crate's layers):
    /// a step of 1e-3, tolerances of 2e-3 absolute and 2e-2 relative, at
    /// most 64 elements of each input, and a retry at a tenth of the step.
    /// The central difference's truncation error is O(h²) and its rounding
    /// error about `1.2e-7 |f| / h` in single precision, both well inside
    /// these tolerances for `|f|` up to about 10; a wrong backward (a
    /// missing factor, a transposed operand) is off by far more.
    ///
    /// ```
    /// use shaped_core::autodiff::gradcheck::GradCheck;
    /// // f(a) = Σ a_i² computed in f32, with its gradient 2a.
    /// let a = [0.5f64, -1.5, 2.0];
    /// let grad: Vec<f64> = a.iter().map(|&a| 2.0 * a).collect();
    /// let f = |xs: &[Vec<f64>]| xs[0].iter().map(|&v| (v as f32) * (v as f32)).sum::<f32>() as f64;
    /// let report = GradCheck::single_precision().check_buffers(&[&a], &[&grad], f).unwrap();
    /// assert_eq!(report.checked, 3);
    /// ```
    pub fn single_precision() -> Self {
        GradCheck {
            eps: 1e-3,
            atol: 2e-3,
            rtol: 2e-2,
            max_per_input: 64,
            seed: 0,
            retry_finer: true,
        }
    }
}

/// A passed check: how many derivatives were compared and the largest
/// disagreements seen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheckReport {
    /// The number of input elements checked.
    pub checked: usize,
    /// The largest `|numeric - analytic|`.
    pub max_abs_err: f64,
    /// The largest `|numeric - analytic| / max(|numeric|, |analytic|)`
    /// (0 where both are 0).
    pub max_rel_err: f64,
    /// How many of them needed the retry at a tenth of the step (see
    /// [`GradCheck::retry_finer`]); a large share hints at a kinked
    /// function or at too coarse a step.
    pub retried: usize,
}

/// A failed check: the first derivative outside the tolerance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheckError {
    /// Which input (0 for the first argument of the function).
    pub input: usize,
    /// The element's offset in that input, in row-major order.
    pub index: usize,
    /// The finite-difference derivative.
    pub numeric: f64,
    /// The derivative from the backward pass.
    pub analytic: f64,
    /// The tolerance it exceeded.
    pub tolerance: f64,
}

impl fmt::Display for GradCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gradient check failed at input {} element {}: numeric {:e}, analytic {:e} (difference {:e} > tolerance {:e})",
            self.input,
            self.index,
            self.numeric,
            self.analytic,
            (self.numeric - self.analytic).abs(),
            self.tolerance
        )
    }
}

impl std::error::Error for GradCheckError {}

/// Evaluates the loss at flat inputs; with `grad`, also its gradient with
/// respect to each input (zeros where none arrived).
type Eval<'a> = dyn Fn(&[Vec<f64>], bool) -> (f64, Vec<Vec<f64>>) + 'a;

/// A leaf of `like`'s shape holding `data`.
fn leaf<S: Shape>(tape: &Tape<f64>, like: &Tensor<S, f64>, data: &[f64]) -> Var<S, f64> {
    tape.var(Tensor {
        shape: like.shape,
        data: data.to_vec(),
        device: Cpu,
    })
}

/// The gradient of `x` as a flat vector, zeros when none arrived.
fn flat_grad<S: Shape>(grads: &crate::autodiff::Gradients<f64>, x: &Var<S, f64>) -> Vec<f64> {
    grads
        .get_slice(x)
        .map_or_else(|| vec![0.0; x.value.numel()], <[f64]>::to_vec)
}

impl GradCheck {
    /// Checks `f` of one input at `x`.
    pub fn check1<S: Shape>(
        &self,
        x: &Tensor<S, f64>,
        f: impl Fn(&Var<S, f64>) -> Var<(), f64>,
    ) -> Result<GradCheckReport, GradCheckError> {
        let eval = |xs: &[Vec<f64>], grad: bool| {
            let tape = Tape::new();
            let a = leaf(&tape, x, &xs[0]);
            let loss = f(&a);
            let g = if grad {
                vec![flat_grad(&loss.backward(), &a)]
            } else {
                Vec::new()
            };
            (loss.item(), g)
        };
        self.run(&[&x.data], &eval)
    }

    /// Checks `f` of two inputs at `(x, y)`.
    pub fn check2<S1: Shape, S2: Shape>(
        &self,
        x: &Tensor<S1, f64>,
        y: &Tensor<S2, f64>,
        f: impl Fn(&Var<S1, f64>, &Var<S2, f64>) -> Var<(), f64>,
    ) -> Result<GradCheckReport, GradCheckError> {
        let eval = |xs: &[Vec<f64>], grad: bool| {
            let tape = Tape::new();
            let (a, b) = (leaf(&tape, x, &xs[0]), leaf(&tape, y, &xs[1]));
            let loss = f(&a, &b);
            let g = if grad {
                let grads = loss.backward();
                vec![flat_grad(&grads, &a), flat_grad(&grads, &b)]
            } else {
                Vec::new()
            };
            (loss.item(), g)
        };
        self.run(&[&x.data, &y.data], &eval)
    }

    /// Checks `f` of three inputs at `(x, y, z)`.
    pub fn check3<S1: Shape, S2: Shape, S3: Shape>(
        &self,
        x: &Tensor<S1, f64>,
        y: &Tensor<S2, f64>,
        z: &Tensor<S3, f64>,
        f: impl Fn(&Var<S1, f64>, &Var<S2, f64>, &Var<S3, f64>) -> Var<(), f64>,
    ) -> Result<GradCheckReport, GradCheckError> {
        let eval = |xs: &[Vec<f64>], grad: bool| {
            let tape = Tape::new();
            let a = leaf(&tape, x, &xs[0]);
            let b = leaf(&tape, y, &xs[1]);
            let c = leaf(&tape, z, &xs[2]);
            let loss = f(&a, &b, &c);
            let g = if grad {
                let grads = loss.backward();
                vec![
                    flat_grad(&grads, &a),
                    flat_grad(&grads, &b),
                    flat_grad(&grads, &c),
                ]
            } else {
                Vec::new()
            };
            (loss.item(), g)
        };
        self.run(&[&x.data, &y.data, &z.data], &eval)
    }

    /// Compares the analytic gradient with central differences, element by
    /// element of every input.
    fn run(&self, inputs: &[&[f64]], eval: &Eval<'_>) -> Result<GradCheckReport, GradCheckError> {
        let work: Vec<Vec<f64>> = inputs.iter().map(|x| x.to_vec()).collect();
        let (_, analytic) = eval(&work, true);
        let analytic: Vec<&[f64]> = analytic.iter().map(Vec::as_slice).collect();
        self.check_buffers(inputs, &analytic, |xs| eval(xs, false).0)
    }

    /// Checks `analytic`, the gradient of `f` at `inputs` computed some
    /// other way (a hand-written backward, a layer's fused kernel), against
    /// central differences of `f`, element by element of every input (or of
    /// a sample of them: [`max_per_input`](Self::max_per_input)).
    ///
    /// `f` receives the inputs with one element moved by `±eps` and must be
    /// a pure function of them. `analytic[i]` is the gradient with respect
    /// to `inputs[i]`, of the same length; a missing or mis-sized one fails
    /// the check at its first element with an analytic value of NaN.
    ///
    /// ```
    /// use shaped_core::autodiff::gradcheck::GradCheck;
    /// // f(a, b) = Σ a_i b_i: the gradient with respect to a is b.
    /// let (a, b) = ([1.0, 2.0], [3.0, -4.0]);
    /// let f = |xs: &[Vec<f64>]| xs[0].iter().zip(&xs[1]).map(|(a, b)| a * b).sum();
    /// let ok = GradCheck::default().check_buffers(&[&a, &b], &[&b, &a], f).unwrap();
    /// assert_eq!(ok.checked, 4);
    /// let wrong = GradCheck::default().check_buffers(&[&a, &b], &[&a, &a], f).unwrap_err();
    /// assert_eq!((wrong.input, wrong.index), (0, 0));
    /// ```
    pub fn check_buffers(
        &self,
        inputs: &[&[f64]],
        analytic: &[&[f64]],
        mut f: impl FnMut(&[Vec<f64>]) -> f64,
    ) -> Result<GradCheckReport, GradCheckError> {
        let mut work: Vec<Vec<f64>> = inputs.iter().map(|x| x.to_vec()).collect();
        let mut report = GradCheckReport {
            checked: 0,
            max_abs_err: 0.0,
            max_rel_err: 0.0,
            retried: 0,
        };
        let mut rng = StdRng::seed_from_u64(self.seed);
        for (input, x) in inputs.iter().enumerate() {
            let grad = analytic.get(input).copied().unwrap_or(&[]);
            if grad.len() != x.len() {
                return Err(GradCheckError {
                    input,
                    index: grad.len().min(x.len()),
                    numeric: f64::NAN,
                    analytic: f64::NAN,
                    tolerance: 0.0,
                });
            }
            let picked: Vec<usize> = if x.len() <= self.max_per_input {
                (0..x.len()).collect()
            } else {
                let mut v =
                    rand::seq::index::sample(&mut rng, x.len(), self.max_per_input).into_vec();
                v.sort_unstable();
                v
            };
            for index in picked {
                let x0 = x[index];
                let mut diff = |h: f64, work: &mut Vec<Vec<f64>>| {
                    let (hi, lo) = (x0 + h, x0 - h);
                    work[input][index] = hi;
                    let f_hi = f(work);
                    work[input][index] = lo;
                    let f_lo = f(work);
                    work[input][index] = x0;
                    (f_hi - f_lo) / (hi - lo)
                };
                let analytic = grad[index];
                let judge = |numeric: f64, atol: f64| {
                    let err = (numeric - analytic).abs();
                    let scale = numeric.abs().max(analytic.abs());
                    let tolerance = atol + self.rtol * scale;
                    // A NaN on either side fails too.
                    (!(err.is_nan() || err > tolerance), err, scale, tolerance)
                };
                let mut numeric = diff(self.eps, &mut work);
                let mut verdict = judge(numeric, self.atol);
                if !verdict.0 && self.retry_finer {
                    report.retried += 1;
                    numeric = diff(self.eps / 10.0, &mut work);
                    verdict = judge(numeric, 2.5 * self.atol);
                }
                let (ok, err, scale, tolerance) = verdict;
                if !ok {
                    return Err(GradCheckError {
                        input,
                        index,
                        numeric,
                        analytic,
                        tolerance,
                    });
                }
                report.checked += 1;
                report.max_abs_err = report.max_abs_err.max(err);
                if scale > 0.0 {
                    report.max_rel_err = report.max_rel_err.max(err / scale);
                }
            }
        }
        Ok(report)
    }
}

/// [`GradCheck::check1`] with the default step and tolerances.
///
/// ```
/// use rand::{rngs::StdRng, SeedableRng};
/// use shaped_core::{autodiff::gradcheck::{gradcheck1, project, random_input}, shape};
/// let x = random_input::<shape![2, 5]>(Default::default(), &mut StdRng::seed_from_u64(1));
/// gradcheck1(&x, |x| project(&x.log_softmax())).unwrap();
/// ```
pub fn gradcheck1<S: Shape>(
    x: &Tensor<S, f64>,
    f: impl Fn(&Var<S, f64>) -> Var<(), f64>,
) -> Result<GradCheckReport, GradCheckError> {
    GradCheck::default().check1(x, f)
}

/// [`GradCheck::check2`] with the default step and tolerances.
pub fn gradcheck2<S1: Shape, S2: Shape>(
    x: &Tensor<S1, f64>,
    y: &Tensor<S2, f64>,
    f: impl Fn(&Var<S1, f64>, &Var<S2, f64>) -> Var<(), f64>,
) -> Result<GradCheckReport, GradCheckError> {
    GradCheck::default().check2(x, y, f)
}

/// [`GradCheck::check3`] with the default step and tolerances.
pub fn gradcheck3<S1: Shape, S2: Shape, S3: Shape>(
    x: &Tensor<S1, f64>,
    y: &Tensor<S2, f64>,
    z: &Tensor<S3, f64>,
    f: impl Fn(&Var<S1, f64>, &Var<S2, f64>, &Var<S3, f64>) -> Var<(), f64>,
) -> Result<GradCheckReport, GradCheckError> {
    GradCheck::default().check3(x, y, z, f)
}

/// `n` values in `[0.25, 2]`, pairwise at least `0.7 / n` apart: a random
/// permutation of `n` equal slots, each value jittered within the middle 60%
/// of its slot.
fn spread_magnitudes(n: usize, rng: &mut impl Rng) -> Vec<f64> {
    let mut slots: Vec<usize> = (0..n).collect();
    slots.shuffle(rng);
    let width = 1.75 / n.max(1) as f64;
    slots
        .into_iter()
        .map(|s| 0.25 + width * (s as f64 + 0.5 + rng.random_range(-0.3..0.3)))
        .collect()
}

/// A random `f64` input for gradient checks, free of kinks: every value has
/// magnitude in `[0.25, 2]` (so it is far from 0, where relu and abs bend)
/// and a random sign, and no two values are closer than `0.7 / n` for `n`
/// elements (so max/min have no ties, even after a step of `h`).
///
/// ```
/// use rand::{rngs::StdRng, SeedableRng};
/// use shaped_core::{autodiff::gradcheck::random_input, shape};
/// let x = random_input::<shape![3, 4]>(Default::default(), &mut StdRng::seed_from_u64(0));
/// assert!(x.as_slice().iter().all(|v| (0.25..=2.0).contains(&v.abs())));
/// ```
pub fn random_input<S: Shape>(shape: S, rng: &mut impl Rng) -> Tensor<S, f64> {
    let mut data = spread_magnitudes(shape.numel(), rng);
    for v in &mut data {
        if rng.random::<bool>() {
            *v = -*v;
        }
    }
    Tensor {
        shape,
        data,
        device: Cpu,
    }
}

/// [`random_input`] with every value positive (in `[0.25, 2]`), for ops
/// defined on positive numbers only (`ln`, `sqrt`, `powf`).
pub fn random_positive_input<S: Shape>(shape: S, rng: &mut impl Rng) -> Tensor<S, f64> {
    Tensor {
        data: spread_magnitudes(shape.numel(), rng),
        shape,
        device: Cpu,
    }
}

/// A fixed pseudo-random weighted sum `Σ wᵢ yᵢ` of all elements of `y`, to
/// check an op with a tensor output as a scalar function. The weights, in
/// `[-1, 1]`, depend only on the element count, so every evaluation of a
/// gradient check sees the same ones.
pub fn project<S: Shape, E: Float>(y: &Var<S, E>) -> Var<(), E> {
    let n = y.value.numel();
    let mut rng = StdRng::seed_from_u64(0x5eed_0000 ^ n as u64);
    let w: Rc<Vec<E>> = Rc::new(
        (0..n)
            .map(|_| E::from_f64(rng.random_range(-1.0..1.0)))
            .collect(),
    );
    let value = y
        .value
        .data
        .iter()
        .zip(w.iter())
        .fold(E::ZERO, |a, (&y, &w)| a + y * w);
    let scalar = Tensor {
        shape: (),
        data: vec![value],
        device: Cpu,
    };
    y.record1(scalar, move |g, gy| {
        gy.iter_mut()
            .zip(w.iter())
            .for_each(|(gy, &w)| *gy += g[0] * w);
    })
}
