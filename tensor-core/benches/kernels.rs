//! Timings of `tensor-core`'s products, all through the front door
//! [`matmul`], at the shapes of the benchmark's networks, each on one thread
//! and on the default kernel threads (one per core):
//!
//! * `sparse`: [`SparseLhs`] on an MNIST-like batch `X` (128 x 784, about
//!   19% non-zero, in strokes): `build` (the policy's check and the tiles),
//!   `matmul_add` (`X W`, W 784 x 512) and `t_matmul` (`X^T D`, D 128 x 512).
//! * `dense`: the dense kernel at the MNIST network's shapes (`X W`,
//!   `X^T D`), the wide MLP's (784 -> 1024 -> 1024 -> 10, batch 128: its
//!   forward, weight-gradient and input-gradient products), the 2048-wide
//!   MLP's second layer (`wide2k_*`) and the batch-32 chapter network's.
//! * `skinny`: the classifier layer's products (`H W2` 128x512x10,
//!   `H^T G` 512x128x10 and `G W2^T` 128x10x512), on their own loops.
//! * `conv2d`: the MNIST convnet's three convolutions at batch 64
//!   (`(28, 28, 1) -> 3x3x32`, `(13, 13, 32) -> 3x3x64`, `(5, 5, 64) ->
//!   3x3x64`, valid padding), forward (`fwd`) and backward (`bwd`: kernel,
//!   bias and, but for the first layer, input gradients), through
//!   `kernels::conv`; and `max_pool2d` (2x2 on `(26, 26, 32)`), forward and
//!   backward. The convolutions count `2 m k n` per product (`m` the output
//!   pixels of the batch, `k = 9 in_c`, `n` the filters), so their
//!   `elem/s` read as FLOP/s too; the bench prints their GFLOP/s first.
//!
//! Throughput is counted in floating-point operations of the dense product
//! (`2 m k n`), also for the sparse products, so criterion's `elem/s` reads
//! as FLOP/s and `sparse` and `dense` figures compare directly; for `build`
//! it is the pixels read. Before the timings the bench prints the
//! GFLOP/s of each dense shape against the floor given as
//! `SGEMM_FLOOR_GFLOPS` (a BLAS's measured rate, e.g. from
//! `bench/sgemm_floor.py`), and the constants of the sparse cost model
//! measured here (`CostModel`). Run with
//!
//! ```sh
//! cargo bench -p shaped-core --bench kernels
//! # shorter: cargo bench -p shaped-core --bench kernels -- --warm-up-time 1 --measurement-time 3
//! # one group: cargo bench -p shaped-core --bench kernels -- sparse/
//! ```

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shaped_core::kernels::conv::{
    conv2d_backward, conv2d_forward, Conv2dGeometry, ConvScratch, Padding,
};
use shaped_core::kernels::pool::{max_pool2d_backward, max_pool2d_forward, Pool2dGeometry};
use shaped_core::kernels::{
    matmul, Accum, CostModel, MatMut, MatRef, Parallelism, Scratch, SparseLhs, SparsePolicy,
};
use std::hint::black_box;

#[path = "../tests/support/counting.rs"]
mod counting;

#[global_allocator]
static COUNTING: counting::Counting = counting::Counting;

/// Batch size.
const ROWS: usize = 128;
/// Pixels per image (28 x 28).
const COLS: usize = 784;
/// Hidden units.
const HIDDEN: usize = 512;
/// Classes.
const CLASSES: usize = 10;
/// Image side.
const SIDE: usize = 28;

/// A batch of `ROWS` images that look like MNIST digits: a few thick pen
/// strokes with soft edges, drawn inside the central 20 x 20 pixels, values
/// in multiples of 1/255 in (0, 1]. Deterministic.
fn mnist_like(seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = vec![0.0f32; ROWS * COLS];
    for img in x.chunks_exact_mut(COLS) {
        // Pen: a solid core and a one-pixel soft edge.
        let core: f32 = rng.random_range(0.9..1.4);
        // Where this digit sits: digits are not all centred alike.
        let mid = (rng.random_range(12.0..16.0), rng.random_range(12.0..16.0));
        let strokes = rng.random_range(2..=3);
        for _ in 0..strokes {
            // A polyline of a few segments, from a point near the middle.
            let mut p = (centred(&mut rng, mid.0), centred(&mut rng, mid.1));
            for _ in 0..rng.random_range(2..=4) {
                let q = (centred(&mut rng, mid.0), centred(&mut rng, mid.1));
                segment(img, p, q, core);
                p = q;
            }
        }
    }
    x
}

/// A coordinate in the central 20 pixels, more often near `mid`.
fn centred(rng: &mut StdRng, mid: f32) -> f32 {
    let u: f32 = rng.random::<f32>() + rng.random::<f32>() - 1.0;
    (mid + u * 9.5).clamp(4.5, 23.5)
}

/// Inks the pixels near the segment `p`–`q` (keeping the larger value).
fn segment(img: &mut [f32], p: (f32, f32), q: (f32, f32), core: f32) {
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let len2 = (dx * dx + dy * dy).max(1e-6);
    for r in 4..SIDE - 4 {
        for c in 4..SIDE - 4 {
            let (px, py) = (c as f32 + 0.5, r as f32 + 0.5);
            let t = (((px - p.0) * dx + (py - p.1) * dy) / len2).clamp(0.0, 1.0);
            let (ex, ey) = (px - p.0 - t * dx, py - p.1 - t * dy);
            let d = (ex * ex + ey * ey).sqrt();
            let v = (core + 1.0 - d).clamp(0.0, 1.0);
            let v = (v * 255.0).round() / 255.0;
            let o = &mut img[r * SIDE + c];
            *o = o.max(v);
        }
    }
}

/// The share of non-zero slots in the tiles [`SparseBlocks`] stores: 4 x 1
/// (four images, one pixel) and 1 x 4 (one image, four adjacent pixels).
fn tile_fill(x: &[f32]) -> (f32, f32) {
    const G: usize = shaped_core::kernels::sparse::GROUP;
    let fill = |tiles: &mut dyn Iterator<Item = usize>| {
        let (mut live, mut nnz) = (0, 0);
        for t in tiles.filter(|&t| t > 0) {
            live += 1;
            nnz += t;
        }
        nnz as f32 / (live * G) as f32
    };
    let nz = |r: usize, c: usize| usize::from(x[r * COLS + c] != 0.0);
    let by_rows =
        fill(&mut (0..ROWS).step_by(G).flat_map(|r0| {
            (0..COLS).map(move |c| (r0..(r0 + G).min(ROWS)).map(|r| nz(r, c)).sum())
        }));
    let by_cols = fill(&mut (0..ROWS).flat_map(|r| {
        (0..COLS)
            .step_by(G)
            .map(move |c0| (c0..(c0 + G).min(COLS)).map(|c| nz(r, c)).sum())
    }));
    (by_rows, by_cols)
}

/// Uniform values in `-scale..scale`.
fn uniform(len: usize, scale: f32, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-scale..scale)).collect()
}

/// The benchmark's operands, made once.
struct Data {
    /// The MNIST-like batch, 128 x 784.
    x: Vec<f32>,
    /// First layer's weights, 784 x 512.
    w1: Vec<f32>,
    /// Gradient at the first layer's output, 128 x 512.
    d: Vec<f32>,
    /// Hidden activations, 128 x 512 (ReLU: about half zeros).
    h: Vec<f32>,
    /// Second layer's weights, 512 x 10.
    w2: Vec<f32>,
    /// Gradient at the logits, 128 x 10.
    g: Vec<f32>,
}

impl Data {
    fn new() -> Self {
        let x = mnist_like(0x5eed);
        let (by_rows, by_cols) = tile_fill(&x);
        eprintln!(
            "kernels bench: X is {ROWS} x {COLS}, {:.1}% non-zero (MNIST: about 19%), \
             tiles {:.0}% full by rows, {:.0}% by columns (MNIST: about 50%, 67%); \
             {} kernel threads by default",
            100.0 * x.iter().filter(|&&v| v != 0.0).count() as f32 / x.len() as f32,
            100.0 * by_rows,
            100.0 * by_cols,
            rayon::current_num_threads(),
        );
        let glorot = |fan_in: usize, fan_out: usize| (6.0 / (fan_in + fan_out) as f32).sqrt();
        let h = uniform(ROWS * HIDDEN, 1.0, 3)
            .into_iter()
            .map(|v| v.max(0.0))
            .collect();
        Data {
            x,
            w1: uniform(COLS * HIDDEN, glorot(COLS, HIDDEN), 1),
            d: uniform(ROWS * HIDDEN, 1e-2, 2),
            h,
            w2: uniform(HIDDEN * CLASSES, glorot(HIDDEN, CLASSES), 4),
            g: uniform(ROWS * CLASSES, 1e-1, 5),
        }
    }
}

/// Thread settings: a one-thread pool of its own, then the default kernel
/// threads (the global pool, which the benchmark's thread has joined).
fn variants() -> [(&'static str, Option<rayon::ThreadPool>); 2] {
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    [("1-thread", Some(one)), ("default-threads", None)]
}

/// Benchmarks `f` as `name/threads` for every thread setting. The whole
/// timing loop runs inside the one-thread pool, so no hand-off to it is
/// timed.
fn bench_threads(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    mut f: impl FnMut() + Send,
) {
    for (threads, pool) in variants() {
        group.bench_function(format!("{name}/{threads}"), |b| match &pool {
            Some(pool) => pool.install(|| b.iter(&mut f)),
            None => b.iter(&mut f),
        });
    }
}

fn view(data: &[f32], rows: usize, cols: usize) -> MatRef<'_, f32> {
    MatRef::row_major(data, rows, cols).expect("bench operands fit")
}

/// `out (=|+=) lhs rhs` through the front door.
fn product<'a>(
    out: &mut [f32],
    accum: Accum,
    lhs: impl Into<shaped_core::kernels::Lhs<'a, f32>>,
    rhs: MatRef<'_, f32>,
    (m, n): (usize, usize),
    scratch: &mut Scratch,
) {
    let dst = MatMut::row_major(out, m, n).expect("bench output fits");
    matmul(dst, accum, lhs, rhs, 1.0, Parallelism::Rayon, scratch).expect("bench sizes agree");
}

fn sparse(c: &mut Criterion, data: &Data) {
    let mut group = c.benchmark_group("sparse");
    let mut s = SparseLhs::default();
    let x = view(&data.x, ROWS, COLS);

    group.throughput(Throughput::Elements((ROWS * COLS) as u64));
    bench_threads(&mut group, "build", || {
        s.prepare(
            black_box(x),
            HIDDEN,
            SparsePolicy::Always,
            Parallelism::Rayon,
        );
    });

    s.prepare(x, HIDDEN, SparsePolicy::Always, Parallelism::Rayon);
    let s = &s;
    group.throughput(Throughput::Elements((2 * ROWS * COLS * HIDDEN) as u64));
    let mut out = vec![0.0f32; ROWS * HIDDEN];
    let mut scratch = Scratch::default();
    let w1 = view(&data.w1, COLS, HIDDEN);
    bench_threads(&mut group, "matmul_add", || {
        product(
            &mut out,
            Accum::Add,
            s.of(x),
            black_box(w1),
            (ROWS, HIDDEN),
            &mut scratch,
        );
        black_box(&mut out);
    });
    let mut out = vec![0.0f32; COLS * HIDDEN];
    let d = view(&data.d, ROWS, HIDDEN);
    bench_threads(&mut group, "t_matmul", || {
        product(
            &mut out,
            Accum::Replace,
            s.of(x.t()),
            black_box(d),
            (COLS, HIDDEN),
            &mut scratch,
        );
        black_box(&mut out);
    });
    group.finish();
}

/// `c (=|+=) a b` timed as `name`, a m x k, b k x n.
fn bench_product(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    accum: Accum,
) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    group.throughput(Throughput::Elements((2 * m * k * n) as u64));
    let mut out = vec![0.0f32; m * n];
    let mut scratch = Scratch::default();
    bench_threads(group, name, || {
        product(
            &mut out,
            accum,
            black_box(a),
            black_box(b),
            (m, n),
            &mut scratch,
        );
        black_box(&mut out);
    });
}

/// The dense shapes: (name, m, k, n, a transposed, b transposed).
const DENSE: [(&str, usize, usize, usize, bool, bool); 13] = [
    ("mnist_xw_128x784x512", 128, 784, 512, false, false),
    ("mnist_xtd_784x128x512", 784, 128, 512, true, false),
    ("mnist_dwt_128x512x784", 128, 512, 784, false, true),
    ("wide_xw_128x784x1024", 128, 784, 1024, false, false),
    ("wide_hw_128x1024x1024", 128, 1024, 1024, false, false),
    ("wide_htd_1024x128x1024", 1024, 128, 1024, true, false),
    ("wide_dwt_128x1024x1024", 128, 1024, 1024, false, true),
    ("wide2k_hw_128x2048x2048", 128, 2048, 2048, false, false),
    ("wide2k_htd_2048x128x2048", 2048, 128, 2048, true, false),
    ("wide2k_dwt_128x2048x2048", 128, 2048, 2048, false, true),
    ("b32_xw_32x784x512", 32, 784, 512, false, false),
    ("b32_xtd_784x32x512", 784, 32, 512, true, false),
    ("square_512", 512, 512, 512, false, false),
];

/// Operands for a dense shape: `a` (m x k, or stored k x m when
/// transposed) and `b` (k x n, or stored n x k).
fn dense_operands(m: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
    (uniform(m * k, 1.0, 7), uniform(k * n, 0.05, 8))
}

fn dense_views<'a>(
    (a, b): &'a (Vec<f32>, Vec<f32>),
    (m, k, n, ta, tb): (usize, usize, usize, bool, bool),
) -> (MatRef<'a, f32>, MatRef<'a, f32>) {
    let a = if ta { view(a, k, m).t() } else { view(a, m, k) };
    let b = if tb { view(b, n, k).t() } else { view(b, k, n) };
    (a, b)
}

fn dense(c: &mut Criterion) {
    let mut group = c.benchmark_group("dense");
    for (name, m, k, n, ta, tb) in DENSE {
        let ops = dense_operands(m, k, n);
        let (a, b) = dense_views(&ops, (m, k, n, ta, tb));
        bench_product(&mut group, name, a, b, Accum::Replace);
    }
    group.finish();
}

fn skinny(c: &mut Criterion, data: &Data) {
    let mut group = c.benchmark_group("skinny");
    let (h, w2, g) = (
        view(&data.h, ROWS, HIDDEN),
        view(&data.w2, HIDDEN, CLASSES),
        view(&data.g, ROWS, CLASSES),
    );
    // Forward: H W2, a narrow output of 10 classes.
    bench_product(&mut group, "hw_128x512x10", h, w2, Accum::Add);
    // Weight gradient: H^T G, H read transposed.
    bench_product(&mut group, "htg_512x128x10", h.t(), g, Accum::Replace);
    // Input gradient: G W2^T, a thin inner dimension of 10.
    bench_product(&mut group, "gwt_128x10x512", g, w2.t(), Accum::Replace);
    group.finish();
}

/// The median seconds of `f` over `runs` runs (after one warm-up).
/// The `gemm` crate's time for `a . b` on one thread and on its rayon
/// threads (medians of 7 rounds of medians of 5), and its allocations per
/// call: the comparison the README quotes (`--features gemm-crate`).
#[cfg(feature = "gemm-crate")]
fn gemm_crate_times(
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    (m, k, n): (usize, usize, usize),
    med: &dyn Fn(Vec<f64>) -> f64,
) -> (f64, f64, usize) {
    let (sa, sb) = (
        (a.row_stride() as isize, a.col_stride() as isize),
        (b.row_stride() as isize, b.col_stride() as isize),
    );
    let mut out = vec![0.0f32; m * n];
    let mut run = |par: gemm::Parallelism| {
        let (pa, pb) = (a.data().as_ptr(), b.data().as_ptr());
        // SAFETY: the views cover m x k and k x n, `out` holds m x n.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                out.as_mut_ptr(),
                1,
                n as isize,
                false,
                pa,
                sa.1,
                sa.0,
                pb,
                sb.1,
                sb.0,
                0.0,
                1.0,
                false,
                false,
                false,
                par,
            )
        }
    };
    run(gemm::Parallelism::None);
    let before = counting::allocations();
    run(gemm::Parallelism::None);
    let allocs = counting::allocations() - before;
    let (mut t1, mut tn) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        t1.push(median_seconds(5, || run(gemm::Parallelism::None)));
        tn.push(median_seconds(5, || run(gemm::Parallelism::Rayon(0))));
    }
    (med(t1), med(tn), allocs)
}

fn median_seconds(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let start = std::time::Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[runs / 2]
}

/// Prints each dense shape's GFLOP/s on one thread and on the kernel
/// threads, against the floor, and the sparse cost model's constants
/// measured on one thread.
fn report(data: &Data) {
    let floor: Option<f64> = std::env::var("SGEMM_FLOOR_GFLOPS")
        .ok()
        .and_then(|v| v.parse().ok());
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool");
    eprintln!("dense GFLOP/s (medians; floor {floor:?} GFLOP/s at the kernel threads):");
    let mut ns_per_mac = Vec::new();
    for (name, m, k, n, ta, tb) in DENSE {
        let ops = dense_operands(m, k, n);
        let (a, b) = dense_views(&ops, (m, k, n, ta, tb));
        let mut out = vec![0.0f32; m * n];
        let mut scratch = Scratch::default();
        let mut run = || product(&mut out, Accum::Replace, a, b, (m, n), &mut scratch);
        // Alternately with matrixmultiply's sgemm (the previous kernel),
        // so that both see the same load.
        let (sa, sb) = (
            (a.row_stride() as isize, a.col_stride() as isize),
            (b.row_stride() as isize, b.col_stride() as isize),
        );
        let mut old = vec![0.0f32; m * n];
        // (matrixmultiply is single-threaded without its `threading`
        // feature.)
        let mut mm = || {
            let (pa, pb) = (a.data().as_ptr(), b.data().as_ptr());
            // SAFETY: the views cover m x k and k x n, `old` holds m x n.
            unsafe {
                let c = old.as_mut_ptr();
                matrixmultiply::sgemm(
                    m, k, n, 1.0, pa, sa.0, sa.1, pb, sb.0, sb.1, 0.0, c, n as isize, 1,
                )
            }
        };
        let allocs = |f: &mut dyn FnMut()| {
            f();
            let before = counting::allocations();
            f();
            counting::allocations() - before
        };
        let am = allocs(&mut mm);
        let (mut t1, mut tm, mut tn) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..7 {
            t1.push(one.install(|| median_seconds(5, &mut run)));
            tm.push(median_seconds(5, &mut mm));
            tn.push(median_seconds(5, &mut run));
        }
        let med = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (t1, tm, tn) = (med(t1), med(tm), med(tn));
        let flops = 2.0 * (m * k * n) as f64;
        let (g1, gm, gn) = (flops / t1 / 1e9, flops / tm / 1e9, flops / tn / 1e9);
        // The `gemm` crate, on one thread and on the kernel threads
        // (`--features gemm-crate`), measured after ours.
        #[cfg(feature = "gemm-crate")]
        let gemm_crate = {
            let (tg1, tgn, ag) = gemm_crate_times(a, b, (m, k, n), &med);
            format!(
                "; gemm crate {:.0} (1 thread), {:.0} (kernel threads), {ag} allocations per call",
                flops / tg1 / 1e9,
                flops / tgn / 1e9
            )
        };
        #[cfg(not(feature = "gemm-crate"))]
        let gemm_crate = String::new();
        let share = floor.map_or(String::new(), |f| {
            format!(", {:.0}% of the floor", 100.0 * gn / f)
        });
        eprintln!(
            "  {name}: {g1:.0} (1 thread; matrixmultiply {gm:.0}: x{:.2}), \
             {gn:.0} ({} threads){share}; matrixmultiply allocations per call: {am}{gemm_crate}",
            g1 / gm,
            rayon::current_num_threads()
        );
        if name.starts_with("mnist_x") {
            ns_per_mac.push(t1 * 1e9 / (m * k * n) as f64);
        }
    }
    // The cost model: tiles and build on the MNIST-like batch.
    let x = view(&data.x, ROWS, COLS);
    let mut s = SparseLhs::default();
    s.prepare(x, HIDDEN, SparsePolicy::Always, Parallelism::Rayon);
    let tiles = count_tiles(&data.x);
    let build = one.install(|| {
        median_seconds(21, || {
            s.prepare(x, HIDDEN, SparsePolicy::Always, Parallelism::Rayon);
        })
    });
    let (mut out, mut grad) = (vec![0.0f32; ROWS * HIDDEN], vec![0.0f32; COLS * HIDDEN]);
    let mut scratch = Scratch::default();
    let (w1, d) = (view(&data.w1, COLS, HIDDEN), view(&data.d, ROWS, HIDDEN));
    let products = one.install(|| {
        median_seconds(21, || {
            product(
                &mut out,
                Accum::Add,
                s.of(x),
                w1,
                (ROWS, HIDDEN),
                &mut scratch,
            );
            product(
                &mut grad,
                Accum::Replace,
                s.of(x.t()),
                d,
                (COLS, HIDDEN),
                &mut scratch,
            );
        })
    });
    eprintln!(
        "cost model (1 thread): dense_ns_per_mac {:.4}, tile_ns {:.4}, build_ns_per_element {:.3} \
         (CostModel::MEASURED: {:?})",
        ns_per_mac.iter().sum::<f64>() / ns_per_mac.len() as f64,
        products * 1e9 / (tiles * HIDDEN) as f64,
        build * 1e9 / (ROWS * COLS) as f64,
        CostModel::MEASURED,
    );
}

/// The 4 x 1 and 1 x 4 tiles of `x` that hold a non-zero, in all.
fn count_tiles(x: &[f32]) -> usize {
    const G: usize = 4;
    let nz = |r: usize, c: usize| x[r * COLS + c] != 0.0;
    let by_rows: usize = (0..ROWS)
        .step_by(G)
        .map(|r0| {
            (0..COLS)
                .filter(|&c| (r0..(r0 + G).min(ROWS)).any(|r| nz(r, c)))
                .count()
        })
        .sum();
    let by_cols: usize = (0..ROWS)
        .map(|r| {
            (0..COLS)
                .step_by(G)
                .filter(|&c0| (c0..(c0 + G).min(COLS)).any(|c| nz(r, c)))
                .count()
        })
        .sum();
    by_rows + by_cols
}

fn kernels(c: &mut Criterion) {
    // As in training: the calling thread is one of the kernel threads, so a
    // kernel is not handed over to other threads at every call.
    shaped_core::kernels::join_kernel_threads();
    // As in training too: the other kernel threads poll for work between
    // products (the fit loop holds this guard).
    let _hot = shaped_core::kernels::keep_threads_hot(Parallelism::Rayon);
    let data = Data::new();
    report(&data);
    sparse(c, &data);
    dense(c);
    skinny(c, &data);
    conv2d(c);
}

/// A convolution of the bench: (name, input, filters, has an input
/// gradient), 3 x 3 kernel, valid padding.
type ConvShape = (&'static str, (usize, usize, usize), usize, bool);

/// The MNIST convnet's convolutions.
const CONVS: [ConvShape; 3] = [
    ("28x28x1-32", (28, 28, 1), 32, false),
    ("13x13x32-64", (13, 13, 32), 64, true),
    ("5x5x64-64", (5, 5, 64), 64, true),
];

/// The convnet's batch.
const CONV_BATCH: usize = 64;

/// One convolution's geometry and operands, and its buffers.
struct ConvCase {
    g: Conv2dGeometry,
    x: Vec<f32>,
    w: Vec<f32>,
    b: Vec<f32>,
    out: Vec<f32>,
    dy: Vec<f32>,
    dw: Vec<f32>,
    db: Vec<f32>,
    dx: Option<Vec<f32>>,
    scratch: ConvScratch,
}

impl ConvCase {
    fn new((in_h, in_w, in_c): (usize, usize, usize), filters: usize, grad_in: bool) -> Self {
        let g = Conv2dGeometry {
            in_h,
            in_w,
            in_c,
            kernel_h: 3,
            kernel_w: 3,
            filters,
            stride_h: 1,
            stride_w: 1,
            padding: Padding::Valid,
        };
        let x_len = CONV_BATCH * in_h * in_w * in_c;
        let k = 9 * in_c;
        let out_len = CONV_BATCH * g.out_h() * g.out_w() * filters;
        ConvCase {
            g,
            x: uniform(x_len, 1.0, 10)
                .into_iter()
                .map(|v| v.max(0.0))
                .collect(),
            w: uniform(k * filters, (6.0 / (k + filters) as f32).sqrt(), 11),
            b: uniform(filters, 0.1, 12),
            out: vec![0.0; out_len],
            dy: uniform(out_len, 1e-2, 13),
            dw: vec![0.0; k * filters],
            db: vec![0.0; filters],
            dx: grad_in.then(|| vec![0.0; x_len]),
            scratch: ConvScratch::default(),
        }
    }
    /// `2 m k n` of one product.
    fn flops(&self) -> u64 {
        let m = CONV_BATCH * self.g.out_h() * self.g.out_w();
        (2 * m * 9 * self.g.in_c * self.g.filters) as u64
    }
    fn forward(&mut self) {
        conv2d_forward(
            &self.g,
            CONV_BATCH,
            black_box(&self.x),
            &self.w,
            &self.b,
            &mut self.out,
            Parallelism::Rayon,
            &mut self.scratch,
        )
        .expect("bench sizes agree");
        black_box(&mut self.out);
    }
    fn backward(&mut self) {
        conv2d_backward(
            &self.g,
            CONV_BATCH,
            black_box(&self.x),
            &self.w,
            &self.dy,
            &mut self.dw,
            &mut self.db,
            self.dx.as_deref_mut(),
            Parallelism::Rayon,
            &mut self.scratch,
        )
        .expect("bench sizes agree");
        black_box(&mut self.dw);
    }
    /// Products in the backward: the kernel gradient, and the input's.
    fn backward_products(&self) -> u64 {
        1 + u64::from(self.dx.is_some())
    }
}

fn conv2d(c: &mut Criterion) {
    let mut cases: Vec<_> = CONVS
        .iter()
        .map(|&(name, input, filters, grad_in)| (name, ConvCase::new(input, filters, grad_in)))
        .collect();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool");
    eprintln!("conv2d GFLOP/s at batch {CONV_BATCH} (medians of 21): 1 thread | default threads");
    for (name, case) in &mut cases {
        let (f, bp) = (case.flops() as f64, case.backward_products() as f64);
        let fwd1 = one.install(|| median_seconds(21, || case.forward()));
        let fwd = median_seconds(21, || case.forward());
        let bwd1 = one.install(|| median_seconds(21, || case.backward()));
        let bwd = median_seconds(21, || case.backward());
        eprintln!(
            "  {name:12} fwd {:6.1} | {:6.1} ({:7.1} us | {:7.1} us)   bwd {:6.1} | {:6.1} ({:7.1} us | {:7.1} us)",
            f / fwd1 * 1e-9,
            f / fwd * 1e-9,
            fwd1 * 1e6,
            fwd * 1e6,
            bp * f / bwd1 * 1e-9,
            bp * f / bwd * 1e-9,
            bwd1 * 1e6,
            bwd * 1e6,
        );
    }
    let mut group = c.benchmark_group("conv2d");
    for (name, case) in &mut cases {
        group.throughput(Throughput::Elements(case.flops()));
        bench_threads(&mut group, &format!("{name}/fwd"), || case.forward());
        group.throughput(Throughput::Elements(
            case.backward_products() * case.flops(),
        ));
        bench_threads(&mut group, &format!("{name}/bwd"), || case.backward());
    }
    group.finish();

    let mut group = c.benchmark_group("max_pool2d");
    let g = Pool2dGeometry::new(26, 26, 32, 2);
    let x = uniform(CONV_BATCH * 26 * 26 * 32, 1.0, 14);
    let mut out = vec![0.0f32; CONV_BATCH * 13 * 13 * 32];
    let mut arg = vec![0u32; out.len()];
    let mut dx = vec![0.0f32; x.len()];
    group.throughput(Throughput::Elements(x.len() as u64));
    group.bench_function("26x26x32/fwd", |b| {
        b.iter(|| max_pool2d_forward(&g, CONV_BATCH, black_box(&x), &mut out, &mut arg))
    });
    group.bench_function("26x26x32/bwd", |b| {
        b.iter(|| max_pool2d_backward(&g, CONV_BATCH, black_box(&out), &arg, &mut dx))
    });
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
