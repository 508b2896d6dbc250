//! A data set computed on the fly, shared by the tests of `Dataset`.

use shaped_core::{shape, Sz};
use shaped_nn::{
    losses::BinaryCrossentropy,
    metrics::BinaryAccuracy,
    model,
    optim::Adam,
    train::{Dataset, FitConfig, Trainer, Verbosity},
    Dense, Relu, Sigmoid, Tanh,
};
use std::f32::consts::PI;

model! {
    /// A small classifier of points in the plane.
    pub struct Spiral: 2 => [Dense<32, Tanh>, Dense<32, Relu>, Dense<1, Sigmoid>]
}

/// `n` points on two interleaved spirals, point `i` of class `i % 2`,
/// computed when gathered.
pub struct Spirals {
    /// The number of points.
    pub n: usize,
}

impl Spirals {
    fn point(&self, i: usize) -> ([f32; 2], f32) {
        let class = i % 2;
        let t = (i / 2) as f32 / (self.n / 2) as f32 * 3.0 * PI;
        let r = 0.2 + t / (3.0 * PI);
        let a = t + class as f32 * PI;
        ([r * a.cos(), r * a.sin()], class as f32)
    }
}

impl Dataset for Spirals {
    type Sample = shape![2];
    type Target = (Sz<1>,);
    fn len(&self) -> usize {
        self.n
    }
    fn gather(
        &self,
        indices: &[usize],
        samples: &mut [f32],
        targets: &mut [f32],
    ) -> Result<(), shaped_nn::train::GatherError> {
        for ((&i, s), t) in indices.iter().zip(samples.chunks_mut(2)).zip(targets) {
            let (p, class) = self.point(i);
            s.copy_from_slice(&p);
            *t = class;
        }
        Ok(())
    }
}

/// A trainer of [`Spiral`] with Adam.
pub fn trainer(seed: u64) -> Trainer<Spiral, Adam<Spiral>, BinaryCrossentropy, BinaryAccuracy> {
    Trainer::new(
        Spiral::seeded(seed),
        Adam::new(0.01),
        BinaryCrossentropy,
        BinaryAccuracy::default(),
    )
}

/// `epochs` epochs of batch 32, seed 7, silent.
pub fn config(epochs: usize) -> FitConfig {
    FitConfig::new()
        .epochs(epochs)
        .batch_size(32)
        .seed(7)
        .verbosity(Verbosity::Silent)
}
