// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_nn::{model, Dense, Layer, Parameters, Relu, Softmax};

const HIDDEN: usize = 512;

model! {
    /// Chollet's MNIST network.
    pub struct Mnist: 784 => [Dense<HIDDEN, Relu>, Dense<10, Softmax>]
}

#[test]
fn chapter_network_counts_and_summary() {
    assert_eq!(Mnist::PARAMS, 407_050);
    let m = Mnist::seeded(0);
    assert_eq!(m.count(), 407_050);
    assert_eq!(m.len(), 4);
    assert_eq!(m.name_of(0), "dense_0.kernel");
    assert_eq!(m.shape_of(0), vec![784, 512]);
    assert_eq!(m.name_of(3), "dense_1.bias");
    let s = m.summary();
    println!("{s}");
    assert!(s.contains("Total params: 407,050 (1.55 MB)"));
    let mut out = Vec::new();
    m.forward(&vec![0.5; 784 * 3], 3, &mut out);
    assert_eq!(out.len(), 30);
    let sum: f32 = out[..10].iter().sum();
    assert!((sum - 1.0).abs() < 1e-5);
}
