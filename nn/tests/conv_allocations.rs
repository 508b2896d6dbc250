//! A convnet's training step allocates nothing after the first steps at a
//! batch size: the convolutions' products pack into the layers' own
//! buffers (`kernel_calls` counts any that would go to `matrixmultiply`,
//! which packs into its own: none in `f32`).

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_core::kernels::dense::kernel_calls;
use shaped_core::{Dyn, Sz, Tensor};
use shaped_nn::{
    losses::CategoricalCrossentropy, metrics::Accuracy, model, optim::RmsProp, train::Trainer,
    AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, Relu, Same, Softmax,
};

#[path = "../../tensor-core/tests/support/counting.rs"]
mod counting;

#[global_allocator]
static A: counting::Counting = counting::Counting;

#[path = "../../tensor-core/tests/support/kernel_thread.rs"]
mod kernel_thread;
use kernel_thread::on_a_kernel_thread;

model! {
    /// The book's convnet.
    pub struct Convnet: (28, 28, 1) => [
        Conv2D<32, 3, Relu>, MaxPool2D<2>, Conv2D<64, 3, Relu>, MaxPool2D<2>, Conv2D<64, 3, Relu>,
        Flatten, Dense<64, Relu>, Dense<10, Softmax>
    ]
}

model! {
    /// Same padding, a stride and average pooling.
    pub struct Other: (12, 12, 3) => [
        Conv2D<8, 3, Relu, Same, 2>, AvgPool2D<2>, Flatten, Dense<10, Softmax>
    ]
}

type Images<const S: usize, const C: usize> = Tensor<(Dyn, Sz<S>, Sz<S>, Sz<C>)>;

fn batch<const S: usize, const C: usize>(n: usize) -> (Images<S, C>, Tensor<(Dyn, Sz<10>)>) {
    let x = (0..n * S * S * C)
        .map(|i| ((i * 7919) % 255) as f32 / 255.0)
        .collect();
    let mut y = vec![0.0; n * 10];
    for i in 0..n {
        y[i * 10 + i % 10] = 1.0;
    }
    (
        Tensor::from_shape_vec((Dyn(n), Sz, Sz, Sz), x).unwrap(),
        Tensor::from_shape_vec((Dyn(n), Sz), y).unwrap(),
    )
}

macro_rules! allocations_per_step {
    ($model:expr, $s:literal, $c:literal) => {{
        let model = $model;
        on_a_kernel_thread(move || {
            let mut t = Trainer::new(
                model,
                RmsProp::default(),
                CategoricalCrossentropy,
                Accuracy::default(),
            );
            let (x, y) = batch::<$s, $c>(64);
            let (x2, y2) = batch::<$s, $c>(40);
            for _ in 0..2 {
                t.train_step(&x, &y).unwrap();
                t.train_step(&x2, &y2).unwrap();
            }
            let (before, calls) = (counting::allocations(), kernel_calls());
            for _ in 0..4 {
                t.train_step(&x, &y).unwrap();
            }
            t.train_step(&x2, &y2).unwrap();
            (counting::allocations() - before, kernel_calls() - calls)
        })
    }};
}

#[test]
fn a_convnet_training_step_allocates_nothing() {
    let convnet = allocations_per_step!(Convnet::seeded(0), 28, 1);
    let other = allocations_per_step!(Other::seeded(0), 12, 3);
    eprintln!(
        "(allocations, matrixmultiply calls) over 5 steps: convnet {convnet:?}, other {other:?}"
    );
    for counts in [convnet, other] {
        assert_eq!(counts, (0, 0), "a convnet's step allocates");
    }
}
