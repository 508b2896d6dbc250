//! A data set the crate knows nothing about: two interleaved spirals whose
//! points are computed from their index as the trainer gathers them (no
//! tensor holds them). A small network trains on it through
//! `Trainer::fit_dataset` from chance to at least 95% accuracy; the same
//! points stored as tensors train to the very same losses through
//! `fit(&x, &y)`; a step allocates nothing; and an MNIST split trains as a
//! data set exactly as its tensors do.

use nn::{
    datasets::Split,
    losses::{BinaryCrossentropy, CategoricalCrossentropy},
    metrics::{Accuracy, BinaryAccuracy},
    model,
    optim::Adam,
    to_categorical,
    train::{Data, Dataset, FitConfig, TrainError, Trainer, Verbosity},
    Dense, Layer, Relu, Sigmoid, Softmax, Tanh,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::f32::consts::PI;
use std::sync::atomic::{AtomicUsize, Ordering};
use tensor_core::kernels::dense::kernel_calls;
use tensor_core::{shape, Dyn, Sz, Tensor};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator, which
// upholds `GlobalAlloc`'s contract; the counter only adds a relaxed atomic
// increment.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's layout is passed on as received.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` came from `System` with this layout (every allocation
        // of this allocator is `System`'s).
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as `dealloc`; the new size is the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Held by every test of this file: the allocation counter is global, so
/// no test may run while one counts.
static COUNTING: std::sync::Mutex<()> = std::sync::Mutex::new(());

model! {
    /// A small classifier of points in the plane.
    pub struct Spiral: 2 => [Dense<32, Tanh>, Dense<32, Relu>, Dense<1, Sigmoid>]
}

model! {
    /// A linear classifier of 28 x 28 images.
    pub struct Linear784: 784 => [Dense<10, Softmax>]
}

/// `n` points on two interleaved spirals, point `i` of class `i % 2`,
/// computed when gathered.
struct Spirals {
    n: usize,
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
    fn gather(&self, indices: &[usize], samples: &mut [f32], targets: &mut [f32]) {
        for ((&i, s), t) in indices.iter().zip(samples.chunks_mut(2)).zip(targets) {
            let (p, class) = self.point(i);
            s.copy_from_slice(&p);
            *t = class;
        }
    }
}

fn trainer(
    seed: u64,
) -> Trainer<Spiral, Adam<<Spiral as Layer>::Grads>, BinaryCrossentropy, BinaryAccuracy> {
    Trainer::new(
        Spiral::seeded(seed),
        Adam::new(0.01),
        BinaryCrossentropy,
        BinaryAccuracy::default(),
    )
}

fn config(epochs: usize) -> FitConfig {
    FitConfig::new()
        .epochs(epochs)
        .batch_size(32)
        .seed(7)
        .verbosity(Verbosity::Silent)
}

#[test]
fn a_computed_data_set_trains_from_chance_to_95_percent() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let set = Spirals { n: 1000 };
    let mut t = trainer(7);
    let before = t.evaluate_dataset(&set, 256).unwrap().metric;
    let h = t.fit_dataset(&set, config(60)).unwrap();
    let after = t.evaluate_dataset(&set, 256).unwrap().metric;
    let losses = h.losses();
    eprintln!(
        "computed spirals: accuracy {before:.3} -> {after:.3}, loss {:.4} -> {:.4}",
        losses[0],
        losses[losses.len() - 1]
    );
    assert!(before < 0.7, "an untrained model is near chance: {before}");
    assert!(after >= 0.95, "accuracy {after}");
    assert!(losses[losses.len() - 1] < losses[0] / 4.0);
}

#[test]
fn the_computed_set_and_the_same_points_as_tensors_train_alike() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let set = Spirals { n: 400 };
    let (mut x, mut y) = (vec![0.0; 800], vec![0.0; 400]);
    set.gather(&(0..400).collect::<Vec<_>>(), &mut x, &mut y);
    let x = Tensor::<shape![_, 2]>::from_shape_vec((Dyn(400), Sz), x).unwrap();
    let y = Tensor::<(Dyn, Sz<1>)>::from_shape_vec((Dyn(400), Sz), y).unwrap();
    let cfg = config(5).validation_split(0.25);
    let from_set = trainer(3).fit_dataset(&set, &cfg).unwrap();
    let from_tensors = trainer(3).fit(&x, &y, &cfg).unwrap();
    let from_pair = trainer(3)
        .fit_dataset(&(Data::f32(&x), Data::f32(&y)), &cfg)
        .unwrap();
    assert_eq!(from_set.losses(), from_tensors.losses());
    assert_eq!(from_pair.losses(), from_tensors.losses());
    let val = |h: &nn::train::History| h.epochs.iter().map(|e| e.val_loss).collect::<Vec<_>>();
    assert!(
        val(&from_set).iter().all(Option::is_some),
        "the last quarter validates"
    );
    assert_eq!(val(&from_set), val(&from_tensors));
}

#[test]
fn a_pair_of_unequal_lengths_is_an_error_not_a_panic() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let x = Tensor::<shape![_, 2]>::zeros_with((Dyn(10), Sz));
    let y = Tensor::<(Dyn, Sz<1>)>::zeros_with((Dyn(9), Sz));
    let pair = (Data::f32(&x), Data::f32(&y));
    let want = Err(TrainError::LengthMismatch {
        inputs: 10,
        targets: 9,
    });
    assert_eq!(trainer(0).fit_dataset(&pair, config(1)).map(|_| ()), want);
    assert_eq!(trainer(0).evaluate_dataset(&pair, 4).map(|_| ()), want);
    let none = Spirals { n: 0 };
    assert_eq!(
        trainer(0).fit_dataset(&none, config(1)).map(|_| ()),
        Err(TrainError::Empty)
    );
}

/// Allocations other than matrixmultiply's packing buffers (counted by the
/// kernels) made by a whole `fit_dataset` of 3 epochs over 1000 points in
/// batches of `batch_size`.
fn allocations_of_fit(batch_size: usize) -> usize {
    let set = Spirals { n: 1000 };
    let mut t = trainer(1);
    let cfg = config(3).batch_size(batch_size);
    let (before, calls) = (ALLOCS.load(Ordering::Relaxed), kernel_calls());
    t.fit_dataset(&set, &cfg).unwrap();
    (ALLOCS.load(Ordering::Relaxed) - before) - (kernel_calls() - calls)
}

#[test]
fn fitting_a_data_set_allocates_nothing_per_step() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    // 30 steps against 300: the same epochs, ten times the steps.
    let (few, many) = (allocations_of_fit(100), allocations_of_fit(10));
    eprintln!("allocations of fit_dataset, 3 epochs: 30 steps {few}, 300 steps {many}");
    // One allocation a step would be 270 more; the buffers of the larger
    // batch are the one way `few` may be above `many`.
    assert!(many <= few + 2, "30 steps {few}, 300 steps {many}");
}

/// 300 28 x 28 images of 10 classes: class `c` lights a 4 x 4 square at a
/// place of its own, over noise.
fn squares() -> Split {
    let (mut images, mut labels) = (Vec::new(), Vec::new());
    for i in 0..300usize {
        let c = (i * 7) % 10;
        let (r0, c0) = (4 + (c / 5) * 12, 2 + (c % 5) * 5);
        for p in 0..784 {
            let (r, col) = (p / 28, p % 28);
            let lit = (r0..r0 + 4).contains(&r) && (c0..c0 + 4).contains(&col);
            let noise = ((i * 784 + p) * 2_654_435_761 % 97) as u8;
            images.push(if lit { 200 + noise / 2 } else { noise });
        }
        labels.push(c as u8);
    }
    Split::new(images, labels, 28, 28).unwrap()
}

#[test]
fn an_mnist_split_trains_as_a_data_set_as_its_tensors_do() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let split = squares();
    let set = split.one_hot().unwrap();
    let net = || {
        Trainer::new(
            Linear784::seeded(2),
            Adam::new(0.01),
            CategoricalCrossentropy,
            Accuracy::default(),
        )
    };
    let cfg = FitConfig::new()
        .epochs(4)
        .batch_size(32)
        .verbosity(Verbosity::Silent);
    let mut t = net();
    let before = t.evaluate_dataset(&set, 128).unwrap().metric;
    let h = t.fit_dataset(&set, &cfg).unwrap();
    let after = t.evaluate_dataset(&set, 128).unwrap().metric;
    eprintln!("squares as a data set: accuracy {before:.3} -> {after:.3}");
    assert!(before < 0.3 && after > 0.9, "accuracy {before} -> {after}");

    let (pixels, labels) = split.clone().into_parts();
    let x = Tensor::<shape![_, 784], u8>::from_shape_vec((Dyn(300), Sz), pixels).unwrap();
    let y = to_categorical::<10>(&labels).unwrap();
    let mut u = net();
    let h2 = u.fit(&Data::u8_scaled(&x, 1.0 / 255.0), &y, &cfg).unwrap();
    assert_eq!(h.losses(), h2.losses(), "the same batches, the same steps");
}
