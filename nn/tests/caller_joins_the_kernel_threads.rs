//! A trainer given a bounded thread count still makes the calling thread
//! one of the kernel threads when it starts them, as the default does: a
//! kernel started from a thread outside them would be handed over while
//! the caller sleeps.
//!
//! One test in this file: the kernel threads must not exist before it.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_core::{shape, Dyn, Sz, Tensor};
use shaped_nn::{
    losses::MeanSquaredError,
    metrics::BinaryAccuracy,
    model,
    optim::RmsProp,
    train::{FitConfig, Trainer, Verbosity},
    Compute, Dense, Linear,
};

model! { struct Line: 2 => [Dense<2, Linear>] }

#[test]
fn a_bounded_thread_count_joins_the_calling_thread_to_the_kernel_threads() {
    assert_eq!(rayon::current_thread_index(), None);
    let mut t = Trainer::new(
        Line::seeded(0),
        RmsProp::default(),
        MeanSquaredError,
        BinaryAccuracy::default(),
    )
    .with_compute(Compute::default().threads(2));
    let x = Tensor::<shape![_, 2]>::ones_with((Dyn(8), Sz));
    let cfg = FitConfig::new()
        .epochs(1)
        .batch_size(4)
        .verbosity(Verbosity::Silent);
    t.fit(&x, &x, cfg).unwrap();
    assert!(
        rayon::current_thread_index().is_some(),
        "the kernel threads were started without the calling thread"
    );
}
