//! Sums, means and variances, against the loops they replaced (an
//! element-by-element `f32` running total, kept here as the reference
//! `before`): whole tensors of 1M and 16M `f32`, and each axis of a
//! (1000, 1000) matrix, plus a `u8` image batch. Run with
//!
//! ```sh
//! cargo bench -p shaped-core --bench reductions
//! # shorter: cargo bench -p shaped-core --bench reductions -- --warm-up-time 1 --measurement-time 3
//! ```

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shaped_core::{shape, Tensor};
use std::hint::black_box;

/// The whole-tensor sum as it was: one `f32` accumulator.
fn before_sum_all(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |a, &v| a + v)
}

/// The sum along an axis as it was: row by row into `f32` accumulators.
fn before_sum_axis(x: &[f32], outer: usize, n: usize, inner: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; outer * inner];
    for o in 0..outer {
        for j in 0..n {
            let row = &x[(o * n + j) * inner..(o * n + j + 1) * inner];
            for (acc, &v) in out[o * inner..(o + 1) * inner].iter_mut().zip(row) {
                *acc += v;
            }
        }
    }
    out
}

fn values(n: usize) -> Vec<f32> {
    (0..n).map(|i| ((i * 7919) % 1000) as f32 * 1e-3).collect()
}

fn whole(c: &mut Criterion) {
    for n in [1usize << 20, 1 << 24] {
        let t = Tensor::<shape![_]>::from_dims_vec(&[n], values(n)).unwrap();
        let mut g = c.benchmark_group(format!("sum_all/{n}"));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function("before", |b| {
            b.iter(|| before_sum_all(black_box(t.as_slice())))
        });
        g.bench_function("after", |b| b.iter(|| black_box(&t).sum_all()));
        g.bench_function("after_mean", |b| b.iter(|| black_box(&t).mean_all()));
        g.bench_function("after_var", |b| b.iter(|| black_box(&t).var_all()));
        g.finish();
    }
    let n = 128 * 784 * 64;
    let px =
        Tensor::<shape![_], u8>::from_dims_vec(&[n], (0..n).map(|i| (i % 251) as u8).collect())
            .unwrap();
    let mut g = c.benchmark_group(format!("u8_sum_all/{n}"));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("before_as_f32", |b| {
        b.iter(|| {
            black_box(&px)
                .as_slice()
                .iter()
                .fold(0.0f32, |a, &v| a + v as f32)
        })
    });
    g.bench_function("after", |b| b.iter(|| black_box(&px).sum_all()));
    g.finish();
}

fn axes(c: &mut Criterion) {
    let (r, k) = (1000, 1000);
    let t = Tensor::<shape![_, _]>::from_dims_vec(&[r, k], values(r * k)).unwrap();
    let mut g = c.benchmark_group("sum_axis/1000x1000");
    g.throughput(Throughput::Elements((r * k) as u64));
    g.bench_function("axis0_before", |b| {
        b.iter(|| before_sum_axis(black_box(t.as_slice()), 1, r, k))
    });
    g.bench_function("axis0_after", |b| b.iter(|| black_box(&t).sum::<0>()));
    g.bench_function("axis1_before", |b| {
        b.iter(|| before_sum_axis(black_box(t.as_slice()), r, k, 1))
    });
    g.bench_function("axis1_after", |b| b.iter(|| black_box(&t).sum::<1>()));
    g.bench_function("axis0_var_after", |b| b.iter(|| black_box(&t).var::<0>()));
    g.finish();
}

criterion_group!(benches, whole, axes);
criterion_main!(benches);
