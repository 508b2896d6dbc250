//! Timings of `tensor-core`'s low-level kernels at the shapes of the MNIST
//! example's network (784 → 512 → 10, batches of 128), each on one thread
//! and on the default kernel threads (one per core):
//!
//! * `sparse`: [`SparseBlocks`] on an MNIST-like batch `X` (128 x 784, about
//!   19% non-zero, in strokes): `build`, `matmul_add` (`X W`, W 784 x 512)
//!   and `t_matmul` (`X^T D`, D 128 x 512).
//! * `dense`: the same two products as dense [`gemm`] calls, for comparison.
//! * `skinny`: the classifier layer's products (`H W2` 128x512x10,
//!   `H^T G` 512x128x10 and `G W2^T` 128x10x512), which `gemm` hands to its
//!   loops for one small dimension.
//!
//! Throughput is counted in dense multiply-adds (`m k n`), also for the
//! sparse products, so `sparse` and `dense` figures compare directly; for
//! `build` it is the pixels read. Run with
//!
//! ```sh
//! cargo bench -p tensor-core --bench kernels
//! # shorter: cargo bench -p tensor-core --bench kernels -- --warm-up-time 1 --measurement-time 3
//! # one group: cargo bench -p tensor-core --bench kernels -- sparse/
//! ```

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use tensor_core::kernels::gemm::{gemm, MatRef};
use tensor_core::kernels::sparse::SparseBlocks;

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
    const G: usize = tensor_core::kernels::sparse::GROUP;
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
            100.0 * SparseBlocks::density(&x, COLS, ROWS),
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

fn sparse(c: &mut Criterion, data: &Data) {
    let mut group = c.benchmark_group("sparse");
    let mut s = SparseBlocks::default();

    group.throughput(Throughput::Elements((ROWS * COLS) as u64));
    bench_threads(&mut group, "build", || {
        s.build(black_box(&data.x), ROWS, COLS);
    });

    s.build(&data.x, ROWS, COLS);
    let s = &s;
    group.throughput(Throughput::Elements((ROWS * COLS * HIDDEN) as u64));
    let mut out = vec![0.0f32; ROWS * HIDDEN];
    bench_threads(&mut group, "matmul_add", || {
        s.matmul_add(black_box(&data.w1), HIDDEN, &mut out);
        black_box(&mut out);
    });
    let mut out = vec![0.0f32; COLS * HIDDEN];
    bench_threads(&mut group, "t_matmul", || {
        s.t_matmul(black_box(&data.d), HIDDEN, &mut out);
        black_box(&mut out);
    });
    group.finish();
}

/// `c = alpha a b + beta c` timed as `name`, a m x k, b k x n.
#[allow(clippy::too_many_arguments)]
fn bench_gemm(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    (m, k, n): (usize, usize, usize),
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
) {
    group.throughput(Throughput::Elements((m * k * n) as u64));
    let mut out = vec![0.0f32; m * n];
    bench_threads(group, name, || {
        gemm(m, k, n, 1.0, black_box(a), black_box(b), beta, &mut out);
        black_box(&mut out);
    });
}

fn dense(c: &mut Criterion, data: &Data) {
    let mut group = c.benchmark_group("dense");
    // The first layer's forward product, accumulating onto the bias.
    bench_gemm(
        &mut group,
        "xw_128x784x512",
        (ROWS, COLS, HIDDEN),
        MatRef::row_major(&data.x, COLS),
        MatRef::row_major(&data.w1, HIDDEN),
        1.0,
    );
    // Its weight gradient, X read through a transposed view.
    bench_gemm(
        &mut group,
        "xtd_784x128x512",
        (COLS, ROWS, HIDDEN),
        MatRef::transposed(&data.x, COLS),
        MatRef::row_major(&data.d, HIDDEN),
        0.0,
    );
    group.finish();
}

fn skinny(c: &mut Criterion, data: &Data) {
    let mut group = c.benchmark_group("skinny");
    // Forward: H W2, a narrow output of 10 classes.
    bench_gemm(
        &mut group,
        "hw_128x512x10",
        (ROWS, HIDDEN, CLASSES),
        MatRef::row_major(&data.h, HIDDEN),
        MatRef::row_major(&data.w2, CLASSES),
        1.0,
    );
    // Weight gradient: H^T G, H read transposed.
    bench_gemm(
        &mut group,
        "htg_512x128x10",
        (HIDDEN, ROWS, CLASSES),
        MatRef::transposed(&data.h, HIDDEN),
        MatRef::row_major(&data.g, CLASSES),
        0.0,
    );
    // Input gradient: G W2^T, a thin inner dimension of 10.
    bench_gemm(
        &mut group,
        "gwt_128x10x512",
        (ROWS, CLASSES, HIDDEN),
        MatRef::row_major(&data.g, CLASSES),
        MatRef::transposed(&data.w2, CLASSES),
        0.0,
    );
    group.finish();
}

fn kernels(c: &mut Criterion) {
    // As in training: the calling thread is one of the kernel threads, so a
    // kernel is not handed over to other threads at every call.
    tensor_core::kernels::join_kernel_threads();
    let data = Data::new();
    sparse(c, &data);
    dense(c, &data);
    skinny(c, &data);
}

criterion_group!(benches, kernels);
criterion_main!(benches);
