//! numpy's `train_x.mean()` and `train_x.std()` of MNIST scaled to [0, 1]
//! (0.130660 and 0.308108): 47 million values, where an `f32` running total
//! gave 0.131136 and 0.288516. Needs the real files (`MNIST_DIR`); says
//! loudly when it skips.

mod common;

use shaped_core::{shape, Tensor};
use shaped_datasets::Mnist;

#[test]
fn mnist_mean_and_std_match_numpy() {
    let Some(dir) = common::mnist_dir("mnist_mean_and_std_match_numpy") else {
        return;
    };
    let data = Mnist::load(&dir).unwrap();
    let (pixels, labels) = data.train.into_parts();
    // The reference, in f64, element by element.
    let n = pixels.len() as f64;
    let mean = pixels.iter().map(|&p| p as f64 / 255.0).sum::<f64>() / n;
    let var = pixels
        .iter()
        .map(|&p| (p as f64 / 255.0 - mean).powi(2))
        .sum::<f64>()
        / n;
    assert!((mean - 0.130660).abs() < 5e-7, "{mean}");
    assert!((var.sqrt() - 0.308108).abs() < 5e-7, "{}", var.sqrt());

    let u8s = Tensor::<shape![_, 784], u8>::from_dims_vec(&[labels.len(), 784], pixels).unwrap();
    let x: Tensor<shape![_, 784]> = u8s.map(|p| p as f32 / 255.0);
    let tol = 4.0 * f32::EPSILON as f64;
    assert!(
        ((x.mean_all() as f64) - mean).abs() <= tol * mean,
        "{}",
        x.mean_all()
    );
    assert!(
        ((x.std_all() as f64) - var.sqrt()).abs() <= tol * var.sqrt(),
        "{}",
        x.std_all()
    );
    // The u8 tensor's own reductions: an exact u64 sum, f64 mean and std
    // (to the reference's own rounding: a plain f64 loop over 47M values).
    let sum: u64 = u8s.as_slice().iter().map(|&p| p as u64).sum();
    assert_eq!(u8s.sum_all(), sum);
    assert!((u8s.mean_all() / 255.0 - mean).abs() < 1e-9 * mean);
    assert!((u8s.std_all() / 255.0 - var.sqrt()).abs() < 1e-9 * var.sqrt());
    // Per pixel, along the batch axis (the mean image).
    let per_pixel = x.mean::<0>();
    let want0: f64 = (0..labels.len())
        .map(|i| u8s.as_slice()[i * 784 + 350] as f64 / 255.0)
        .sum::<f64>()
        / labels.len() as f64;
    assert!(((per_pixel.as_slice()[350] as f64) - want0).abs() <= tol * want0.max(1e-3));
}
