//! "Deep Learning with Python", chapter 2, the part on tensors, with tensors
//! whose shapes the compiler checks.
//!
//! Run with `cargo run --example tensors`. Each section prints what numpy
//! prints in the book; the shapes in the type annotations are the shapes
//! the book writes in its comments, and a wrong one would not compile.

use rand::{rngs::StdRng, SeedableRng};
use shaped::{dot, s, shape, Dim, Dtype, Dyn, Shape, Sz, Tensor};

/// Prints a tensor's rank, shape and dtype, as `x.ndim`, `x.shape` and
/// `x.dtype` do in numpy.
fn describe<S: Shape, E: Dtype>(name: &str, x: &Tensor<S, E>) {
    println!(
        "{name:<14} ndim={} shape={:?} dtype={}",
        x.ndim(),
        x.shape(),
        x.dtype()
    );
}

/// Prints the shapes of a dot product, and its value when it is small.
fn show_dot<A: Shape, B: Shape, C: Shape>(a: &Tensor<A>, b: &Tensor<B>, c: &Tensor<C>) {
    let (a, b) = (a.shape(), b.shape());
    match c.numel() {
        0..=8 => println!("  {a:?} . {b:?} -> {:?} = {c}", c.shape()),
        _ => println!("  {a:?} . {b:?} -> {:?}", c.shape()),
    }
}

fn section(title: &str) {
    println!("\n== {title} ==");
}

/// A 28 x 28 grayscale image as ASCII art: `#` for dark ink, `+` for light
/// ink, `.` for paper.
fn ascii_art<R: Dim, C: Dim>(img: &Tensor<(R, C), u8>) {
    let cols = img.dims()[1];
    for row in img.as_slice().chunks(cols) {
        let line: String = row
            .iter()
            .map(|&p| match p {
                0 => '.',
                1..=127 => '+',
                _ => '#',
            })
            .collect();
        println!("    {line}");
    }
}

fn main() {
    let mut rng = StdRng::seed_from_u64(2);

    // ------------------------------------------------------------------
    section("2.2 Data representations: tensors of rank 0 to 5");

    // A scalar (rank-0 tensor): `np.array(12)`.
    let x = Tensor::scalar(12i64);
    describe("scalar", &x);
    println!("  x = {x}");

    // A vector (rank-1 tensor) with 5 entries: a "5-dimensional vector".
    let x = Tensor::<shape![5], i64>::from_array([12, 3, 6, 14, 7]);
    describe("vector", &x);
    println!("  x = {x}");

    // A matrix (rank-2 tensor): rows and columns.
    let x = Tensor::<shape![3, 5], i64>::from_array([
        [5, 78, 2, 34, 0],
        [6, 79, 3, 35, 1],
        [7, 80, 4, 36, 2],
    ]);
    describe("matrix", &x);
    println!("  x = {x}");

    // A rank-3 tensor: a cube of numbers (here 3 matrices of 3 x 5).
    let x = Tensor::<shape![3, 3, 5], i64>::from_array([
        [[5, 78, 2, 34, 0], [6, 79, 3, 35, 1], [7, 80, 4, 36, 2]],
        [[5, 78, 2, 34, 0], [6, 79, 3, 35, 1], [7, 80, 4, 36, 2]],
        [[5, 78, 2, 34, 0], [6, 79, 3, 35, 1], [7, 80, 4, 36, 2]],
    ]);
    describe("rank-3", &x);

    // The book's real-world examples of each rank (2.2.9 to 2.2.13):
    // vector data (samples, features), timeseries (samples, timesteps,
    // features), images (samples, height, width, channels) and video
    // (samples, frames, height, width, channels). The image and video
    // batches are scaled down from the book's sizes to keep memory small.
    let people = Tensor::<shape![100_000, 3]>::zeros(); // age, ZIP code, income
    let stocks = Tensor::<shape![250, 390, 3]>::zeros(); // a year of minutes
    let images = Tensor::<shape![128, 64, 64, 3], u8>::zeros(); // book: 256 x 256
    let videos = Tensor::<shape![4, 24, 36, 64, 3], u8>::zeros(); // book: 240 frames of 144 x 256
    describe("vector data", &people);
    describe("timeseries", &stocks);
    describe("images", &images);
    describe("video", &videos);

    // The MNIST training set is (60000, 28, 28) of uint8. Its length is only
    // known once the data is loaded, so its first axis is a run-time dim
    // (`_`); the image size is static.
    let train_images = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(60_000), Sz, Sz));
    describe("train_images", &train_images);

    // ------------------------------------------------------------------
    section("Creating tensors (PyTorch's table)");

    let zeros = Tensor::<shape![2, 3]>::zeros();
    let ones = Tensor::<shape![2, 3]>::ones();
    let full = Tensor::<shape![2, 3]>::full(7.5);
    let eye = Tensor::<shape![3, 3]>::eye();
    let arange = Tensor::<shape![_], i32>::arange(0, 10, 2); // length known at run time
    let linspace = Tensor::<shape![5]>::linspace(0.0, 1.0, 5);
    let rand = Tensor::<shape![2, 3]>::rand(&mut rng); // uniform in [0, 1)
    let randn = Tensor::<shape![2, 3]>::randn(&mut rng); // standard normal
    let normal = Tensor::<shape![2, 3]>::normal(10.0, 0.1, &mut rng);
    let uniform = Tensor::<shape![2, 3]>::uniform(-1.0, 1.0, &mut rng);
    let randperm = Tensor::<shape![_], i64>::randperm(6, &mut rng);
    let nested = Tensor::<shape![2, 3]>::from_array([[1., 2., 3.], [4., 5., 6.]]);
    println!("  zeros     {zeros}");
    println!("  ones      {ones}");
    println!("  full      {full}");
    println!("  eye       {eye}");
    println!("  arange    {arange}");
    println!("  linspace  {linspace}");
    println!("  rand      {:.3}", Rounded(&rand));
    println!("  randn     {:.3}", Rounded(&randn));
    println!("  normal    {:.3}", Rounded(&normal));
    println!("  uniform   {:.3}", Rounded(&uniform));
    println!("  randperm  {randperm}");
    println!("  from_array {nested:?}");

    // ------------------------------------------------------------------
    section("2.2.6 Manipulating tensors: slicing a digit");

    // No data set ships with this example: draw a "0" as MNIST would, a
    // ring of ink centred in the 28 x 28 frame.
    let digit = Tensor::<shape![28, 28], u8>::from_fn(|i| {
        let (y, x) = (i[0] as f64 - 13.5, i[1] as f64 - 13.5);
        let r = ((y / 1.35).powi(2) + x.powi(2)).sqrt();
        match r {
            r if (6.5..8.0).contains(&r) => 255,
            r if (5.5..9.0).contains(&r) => 100,
            _ => 0,
        }
    });
    println!("  the digit, {:?}:", digit.shape());
    ascii_art(&digit);

    // `digit[7:-7, 7:-7]`: `s!` reads numpy's selection and the compiler
    // computes the crop's size (28 - 7 - 7 = 14 on each axis), so the
    // annotation below is checked, not trusted. A range that runs past
    // row 28 fails at `cargo check`.
    let crop: Tensor<shape![14, 14], u8> = s!(digit[7..-7, 7..-7]);
    println!("  its center crop digit[7:-7, 7:-7], {:?}:", crop.shape());
    ascii_art(&crop);
    assert_eq!(crop[[0, 0]], digit[[7, 7]]);
    // `digit[14:, 14:]`: the bottom-right corner.
    let corner: Tensor<shape![14, 14], u8> = s!(digit[14.., 14..]);
    assert_eq!(corner[[0, 0]], digit[[14, 14]]);

    // `train_images[10:100]` selects 90 digits: static bounds, so the
    // length 90 is in the type.
    let my_slice: Tensor<shape![90, 28, 28], u8> = s!(train_images[10..100]);
    describe("my_slice", &my_slice);
    // `train_images[4]` drops the first axis.
    let fourth: Tensor<shape![28, 28], u8> = s!(train_images[4]);
    describe("train_images[4]", &fourth);

    // ------------------------------------------------------------------
    section("2.2.8 Data batches");

    // `batch = train_images[128 * n : 128 * (n + 1)]`, over a set of 1000
    // images: run-time bounds give a run-time length, clamped to the set as
    // numpy does; the images stay 28 x 28.
    let set = Tensor::<shape![_, 28, 28], u8>::zeros_with((Dyn(1000), Sz, Sz));
    let n = 3;
    let batch = s!(set[128 * n..128 * (n + 1)]);
    describe("batch 3", &batch);
    // The last batch is short: 1000 = 7 * 128 + 104.
    let n = 7;
    let last = s!(set[128 * n..128 * (n + 1)]);
    describe("batch 7", &last);
    assert_eq!(last.dims(), [104, 28, 28]);
    // numpy's batch is a view of the set's memory; so is `set.view()`'s:
    // whole images are one run of memory, borrowed with no copy.
    let borrowed = s!(set.view()[128 * n..128 * (n + 1)]);
    assert_eq!(borrowed.to_owned(), last);
    println!(
        "  batch 7 as a view: shape {:?}, contiguous: {}",
        borrowed.dims(),
        borrowed.as_slice().is_some()
    );
    // `narrow` takes a start and a length and does not clamp: rows past
    // the end are a run-time error naming both shapes.
    println!("  {}", set.try_narrow::<0>(128 * 7, 128).unwrap_err());
    // Joining batches back: `np.concatenate([batch, last])`.
    let joined = batch.concat::<0, _>(&last);
    describe("concat", &joined);
    // Flattening each image for a dense layer, `x.reshape(-1, 784)` (no
    // 784 written: the compiler multiplies 28 by 28).
    let flat: Tensor<shape![_, 784], u8> = joined.flatten_samples();
    describe("flat", &flat);

    // ------------------------------------------------------------------
    section("2.3.1 Element-wise operations");

    let x = Tensor::<shape![20, 100]>::rand(&mut rng);
    let y = Tensor::<shape![20, 100]>::rand(&mut rng);
    let z = &x + &y; // element-wise addition
    let z = (&z - 1.0).relu(); // element-wise relu: max(z - 1, 0)
    describe("relu(x+y-1)", &z);
    let positive = z.as_slice().iter().filter(|&&v| v > 0.0).count();
    println!("  {positive} of {} entries are above zero", z.numel());
    for ((&a, &b), &c) in x.as_slice().iter().zip(y.as_slice()).zip(z.as_slice()) {
        assert_eq!(c, (a + b - 1.0).max(0.0));
    }

    // ------------------------------------------------------------------
    section("2.3.2 Broadcasting");

    // `X` (32, 10) + `y` (10,): `y` is repeated along a new first axis.
    let big_x = Tensor::<shape![32, 10]>::rand(&mut rng);
    let small_y = Tensor::<shape![10]>::rand(&mut rng);
    let sum: Tensor<shape![32, 10]> = &big_x + &small_y;
    println!(
        "  X {:?} + y {:?} -> {:?}",
        big_x.shape(),
        small_y.shape(),
        sum.shape()
    );
    assert_eq!(sum[[31, 9]], big_x[[31, 9]] + small_y[[9]]);
    // `np.maximum` of (64, 3, 32, 10) and (32, 10).
    let a = Tensor::<shape![64, 3, 32, 10]>::rand(&mut rng);
    let b = Tensor::<shape![32, 10]>::rand(&mut rng);
    let m: Tensor<shape![64, 3, 32, 10]> = a.maximum(&b);
    println!(
        "  maximum({:?}, {:?}) -> {:?}",
        a.shape(),
        b.shape(),
        m.shape()
    );
    // `(32, 10) + (9,)` would not compile: "cannot broadcast shape
    // `(Sz<32>, Sz<10>)` with shape `(Sz<9>,)`".

    // ------------------------------------------------------------------
    section("2.3.3 Tensor product (dot)");

    // Every form of `dot`: the last axis of the left operand meets the
    // first of the right one, and they must be equal.
    let v = Tensor::<shape![3]>::from_array([1., 2., 3.]);
    let w = Tensor::<shape![3]>::from_array([4., 5., 6.]);
    let s: Tensor<shape![]> = v.dot(&w);
    show_dot(&v, &w, &s);

    let mat = Tensor::<shape![2, 3]>::from_array([[1., 0., 0.], [0., 1., 1.]]);
    let mv: Tensor<shape![2]> = mat.dot(&v);
    show_dot(&mat, &v, &mv);

    let y = Tensor::<shape![3, 4]>::ones();
    let mm: Tensor<shape![2, 4]> = mat.dot(&y);
    show_dot(&mat, &y, &mm);

    let r4 = Tensor::<shape![2, 3, 4, 5]>::randn(&mut rng);
    let d = Tensor::<shape![5]>::randn(&mut rng);
    let r4v: Tensor<shape![2, 3, 4]> = r4.dot(&d);
    show_dot(&r4, &d, &r4v);

    let de = Tensor::<shape![5, 6]>::randn(&mut rng);
    let r4m: Tensor<shape![2, 3, 4, 6]> = dot(&r4, &de); // the free-function form
    show_dot(&r4, &de, &r4m);

    // A run-time dim is checked when the program runs: `(_, 3) . (3,)`.
    let rows = Tensor::<shape![_, 3]>::ones_with((Dyn(4), Sz));
    show_dot(&rows, &v, &rows.dot(&v));
    // `(2, 3) . (4, 5)` would not compile: "cannot take the dot product of
    // shape `(Sz<2>, Sz<3>)` with shape `(Sz<4>, Sz<5>)`".

    // ------------------------------------------------------------------
    section("2.3.4 Tensor reshaping");

    let x = Tensor::<shape![3, 2]>::from_array([[0., 1.], [2., 3.], [4., 5.]]);
    println!("  x {:?} = {x}", x.shape());
    let x = x.reshape::<shape![6, 1]>();
    println!("  x.reshape((6, 1)) = {x}");
    let x = x.reshape::<shape![2, 3]>();
    println!("  x.reshape((2, 3)) = {x}");
    // A reshape to 4 x 2 fails at `cargo check`: "cannot reshape
    // `(Sz<2>, Sz<3>)` to `(Sz<4>, Sz<2>)`: they hold different numbers of
    // elements".

    let x = Tensor::<shape![300, 20]>::zeros();
    let xt: Tensor<shape![20, 300]> = x.t();
    println!("  transpose {:?} -> {:?}", x.shape(), xt.shape());

    // ------------------------------------------------------------------
    section("2.3.5 Geometric interpretation: rotating a 2D vector");

    // R = [[cos(theta), -sin(theta)], [sin(theta), cos(theta)]] rotates a
    // point counterclockwise by theta: R . p.
    let rotation = |theta: f64| {
        let (s, c) = theta.sin_cos();
        Tensor::<shape![2, 2], f64>::from_array([[c, -s], [s, c]])
    };
    let p = Tensor::<shape![2], f64>::from_array([3.0, 4.0]);
    let theta = std::f64::consts::FRAC_PI_2;
    let q: Tensor<shape![2], f64> = rotation(theta).dot(&p);
    println!("  R(pi/2) . {p} = [{:.6}, {:.6}]", q[[0]], q[[1]]);
    // A quarter turn counterclockwise sends (x, y) to (-y, x).
    assert!((q[[0]] + 4.0).abs() < 1e-12 && (q[[1]] - 3.0).abs() < 1e-12);
    // Rotating by 30 degrees twice is rotating by 60 degrees once.
    let sixty = rotation(std::f64::consts::FRAC_PI_6).dot(&rotation(std::f64::consts::FRAC_PI_6));
    let want = rotation(std::f64::consts::FRAC_PI_3);
    assert!(sixty
        .as_slice()
        .iter()
        .zip(want.as_slice())
        .all(|(a, b)| (a - b).abs() < 1e-12));
    println!("  R(pi/6) . R(pi/6) = R(pi/3) = {:.6}", Rounded(&want));
}

/// Displays a float tensor with a fixed number of decimals (`{:.3}`).
struct Rounded<'a, S: Shape, E: Dtype>(&'a Tensor<S, E>);

impl<S: Shape, E: Dtype + Into<f64>> std::fmt::Display for Rounded<'_, S, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let decimals = f.precision().unwrap_or(3);
        let rows = self.0.dims().as_ref().last().copied().unwrap_or(1).max(1);
        let fmt_row = |row: &[E]| {
            let items: Vec<String> = row
                .iter()
                .map(|&v| format!("{:.*}", decimals, v.into()))
                .collect();
            format!("[{}]", items.join(", "))
        };
        let lines: Vec<String> = self.0.as_slice().chunks(rows).map(fmt_row).collect();
        match self.0.ndim() {
            0 | 1 => write!(f, "{}", lines.join("")),
            _ => write!(f, "[{}]", lines.join(", ")),
        }
    }
}
