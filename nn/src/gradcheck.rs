//! Gradient checks of layers and models against central finite differences,
//! for the built-in layers' tests and for users writing their own layers.
//!
//! The check differentiates `L = sum(output * r)` for a fixed pseudo-random
//! `r` (so that every output matters and none cancels another): the
//! analytic gradient comes from the layer's `backward` with `grad_out = r`,
//! the numeric one from `(L(p + eps) - L(p - eps)) / 2 eps` through the
//! layer's inference `forward`, for every parameter and every input (or a
//! sample of them in large layers). Layers work in `f32`, so the step and
//! the tolerance are those of single precision.
//!
//! A kink (relu at zero) inside the step makes the finite difference
//! meaningless there: an entry whose difference at `eps` disagrees with the
//! analytic value is measured again at `eps / 10` (with the larger rounding
//! error that step brings), and fails only if it disagrees there too.

use crate::{Layer, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Where an analytic gradient disagrees with the finite difference.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheckError {
    /// `"parameter <name>[<i>]"` or `"input[<i>]"`.
    pub what: String,
    /// The analytic value.
    pub analytic: f32,
    /// The finite difference.
    pub numeric: f32,
}

impl std::fmt::Display for GradCheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "gradient of {}: backward gives {}, finite differences {}",
            self.what, self.analytic, self.numeric
        )
    }
}

impl std::error::Error for GradCheckError {}

/// Settings of a check.
#[derive(Clone, Copy, Debug)]
pub struct GradCheck {
    /// The finite-difference step.
    pub eps: f32,
    /// Allowed absolute difference.
    pub atol: f32,
    /// Allowed difference relative to the larger of the two values.
    pub rtol: f32,
    /// At most this many entries of each tensor (and of the input) are
    /// checked, chosen at random; the rest are skipped.
    pub samples_per_tensor: usize,
    /// Seed of the projection and of the sampling.
    pub seed: u64,
}

impl Default for GradCheck {
    /// A step of 1e-3 and tolerances of 2e-3 absolute and 2e-2 relative:
    /// the central difference's error is O(eps^2), its rounding error about
    /// 1e-7 |L| / eps in single precision, and a small step meets few kinks.
    fn default() -> Self {
        GradCheck {
            eps: 1e-3,
            atol: 2e-3,
            rtol: 2e-2,
            samples_per_tensor: 64,
            seed: 0,
        }
    }
}

fn projected(out: &[f32], r: &[f32]) -> f64 {
    out.iter().zip(r).map(|(&o, &r)| o as f64 * r as f64).sum()
}

impl GradCheck {
    /// Checks `layer` on the `n` samples in `x`; returns how many gradient
    /// entries were compared (kinks skipped).
    ///
    /// A user-defined layer, with its own gradient check:
    ///
    /// ```
    /// use nn::{gradcheck::GradCheck, layer::SummaryRow, Layer, Parameters};
    /// use rand::rngs::StdRng;
    /// use tensor_core::{Sz, Tensor};
    ///
    /// /// Multiplies each of its N inputs by a learned factor.
    /// struct Scale<const N: usize> { factor: Tensor<(Sz<N>,)> }
    ///
    /// impl<const N: usize> Parameters for Scale<N> {
    ///     fn len(&self) -> usize { 1 }
    ///     fn name_of(&self, _: usize) -> String { "factor".into() }
    ///     fn shape_of(&self, _: usize) -> Vec<usize> { vec![N] }
    ///     fn get(&self, _: usize) -> &[f32] { self.factor.as_slice() }
    ///     fn get_mut(&mut self, _: usize) -> &mut [f32] { self.factor.as_mut_slice() }
    /// }
    ///
    /// impl<const N: usize> Layer for Scale<N> {
    ///     type Input = (Sz<N>,);
    ///     type Output = (Sz<N>,);
    ///     type Grads = Tensor<(Sz<N>,)>;
    ///     type Cache = ();
    ///     const PARAMS: usize = N;
    ///     fn init(_: &mut StdRng) -> Self { Scale { factor: Tensor::ones() } }
    ///     fn zero_grads(&self) -> Self::Grads { Tensor::zeros() }
    ///     fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
    ///         rows.push(SummaryRow { layer: format!("{name} (Scale)"), output_shape: format!("(None, {N})"), params: N });
    ///     }
    ///     fn forward(&self, x: &[f32], _: usize, out: &mut Vec<f32>) {
    ///         out.clear();
    ///         out.extend(x.chunks(N).flat_map(|row| row.iter().zip(self.factor.as_slice()).map(|(x, a)| x * a)));
    ///     }
    ///     fn forward_train(&self, x: &[f32], n: usize, out: &mut Vec<f32>, _: &mut (), _: &mut StdRng) {
    ///         self.forward(x, n, out)
    ///     }
    ///     fn backward(&self, x: &[f32], _: &[f32], _: usize, g: &mut [f32], _: bool, _: &mut (),
    ///                 grads: &mut Self::Grads, grad_in: Option<&mut Vec<f32>>) {
    ///         let da = grads.as_mut_slice();
    ///         da.fill(0.0);
    ///         for (xr, gr) in x.chunks(N).zip(g.chunks(N)) {
    ///             for j in 0..N { da[j] += xr[j] * gr[j]; }
    ///         }
    ///         if let Some(dx) = grad_in {
    ///             dx.clear();
    ///             dx.extend(g.chunks(N).flat_map(|gr| gr.iter().zip(self.factor.as_slice()).map(|(g, a)| g * a)));
    ///         }
    ///     }
    /// }
    ///
    /// let mut layer = Scale::<3> { factor: Tensor::from_array([0.5, -1.0, 2.0]) };
    /// let x = [0.1, 0.2, 0.3, -0.4, 0.5, -0.6];
    /// let checked = GradCheck::default().check(&mut layer, &x, 2).unwrap();
    /// assert_eq!(checked, 3 + 6); // every factor and every input
    /// ```
    pub fn check<L: Layer>(
        &self,
        layer: &mut L,
        x: &[f32],
        n: usize,
    ) -> Result<usize, GradCheckError> {
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut out = Vec::new();
        let mut cache = L::Cache::default();
        layer.forward_train(x, n, &mut out, &mut cache, &mut rng);
        let r: Vec<f32> = (0..out.len())
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        let mut grads = layer.zero_grads();
        let mut g = r.clone();
        let mut dx = Vec::new();
        layer.backward(
            x,
            &out,
            n,
            &mut g,
            false,
            &mut cache,
            &mut grads,
            Some(&mut dx),
        );

        let loss = |layer: &L, x: &[f32], buf: &mut Vec<f32>| {
            layer.forward(x, n, buf);
            projected(buf, &r)
        };
        let mut checked = 0;
        let close =
            |a: f32, num: f32| (a - num).abs() <= self.atol + self.rtol * a.abs().max(num.abs());
        // A tenth of the step brings ten times the rounding error.
        let close_fine = |a: f32, num: f32| {
            (a - num).abs() <= 2.5 * self.atol + self.rtol * a.abs().max(num.abs())
        };
        let pick = |len: usize, rng: &mut StdRng| -> Vec<usize> {
            if len <= self.samples_per_tensor {
                (0..len).collect()
            } else {
                (0..self.samples_per_tensor)
                    .map(|_| rng.random_range(0..len))
                    .collect()
            }
        };
        let mut buf = Vec::new();
        for t in 0..layer.len() {
            for i in pick(layer.get(t).len(), &mut rng) {
                let orig = layer.get(t)[i];
                let mut diff = |h: f32| {
                    layer.get_mut(t)[i] = orig + h;
                    let up = loss(layer, x, &mut buf);
                    layer.get_mut(t)[i] = orig - h;
                    let down = loss(layer, x, &mut buf);
                    layer.get_mut(t)[i] = orig;
                    ((up - down) / (2.0 * h as f64)) as f32
                };
                let analytic = grads.get(t)[i];
                let numeric = diff(self.eps);
                if !close(analytic, numeric) {
                    let fine = diff(self.eps / 10.0);
                    if !close_fine(analytic, fine) {
                        return Err(GradCheckError {
                            what: format!("parameter {}[{i}]", layer.name_of(t)),
                            analytic,
                            numeric: fine,
                        });
                    }
                }
                checked += 1;
            }
        }
        let mut xp = x.to_vec();
        for i in pick(x.len(), &mut rng) {
            let orig = xp[i];
            let mut diff = |h: f32| {
                xp[i] = orig + h;
                let up = loss(layer, &xp, &mut buf);
                xp[i] = orig - h;
                let down = loss(layer, &xp, &mut buf);
                xp[i] = orig;
                ((up - down) / (2.0 * h as f64)) as f32
            };
            let numeric = diff(self.eps);
            if !close(dx[i], numeric) {
                let fine = diff(self.eps / 10.0);
                if !close_fine(dx[i], fine) {
                    return Err(GradCheckError {
                        what: format!("input[{i}]"),
                        analytic: dx[i],
                        numeric: fine,
                    });
                }
            }
            checked += 1;
        }
        Ok(checked)
    }
}
