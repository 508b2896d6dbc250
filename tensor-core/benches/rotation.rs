//! The chapter's 2-D rotation, applied to 1e6 points, four ways:
//!
//! * `heap_tensors`: one Vec-backed `Tensor<shape![2]>` a point, `rot.dot(&p)`
//!   each (an allocation per point and per result);
//! * `inline_tensors`: one `InlineTensor<shape![2]>` a point (the elements
//!   inside the tensor, `Copy`), `rot.dot(&p)` each;
//! * `plain_arrays`: `[f32; 2]` points and a hand-written 2 x 2 product, the
//!   floor the inline tensors should reach;
//! * `generic_array`: `GenericArray<f32, U2>` points (the element count as a
//!   typenum, the alternative to `Inline`'s nested arrays) and the same
//!   hand-written product;
//! * `batched`: all points in one `(1e6, 2)` tensor, `points.dot(&rot_t)`.
//!
//! Each result is collected into a new buffer of 1e6 points. Run with
//!
//! ```sh
//! cargo bench -p shaped-core --bench rotation
//! ```

use criterion::{criterion_group, criterion_main, Criterion};
use generic_array::{typenum::U2, GenericArray};
use shaped_core::{shape, Dyn, InlineTensor, Sz, Tensor};
use std::hint::black_box;

const POINTS: usize = 1_000_000;

fn coords() -> Vec<[f32; 2]> {
    (0..POINTS)
        .map(|i| {
            let t = i as f32 * 1e-3;
            [t.cos() * (1.0 + t), t.sin()]
        })
        .collect()
}

fn rotation(c: &mut Criterion) {
    let angle = 0.3f32;
    let (cs, sn) = (angle.cos(), angle.sin());
    let rot = [[cs, -sn], [sn, cs]];
    let pts = coords();

    let heap_rot = Tensor::<shape![2, 2]>::from_array(rot);
    let heap_pts: Vec<Tensor<shape![2]>> = pts.iter().map(|&p| Tensor::from_array(p)).collect();
    let inline_rot = InlineTensor::<shape![2, 2]>::new(rot);
    let inline_pts: Vec<InlineTensor<shape![2]>> =
        pts.iter().map(|&p| InlineTensor::new(p)).collect();
    let rot_t = Tensor::<shape![2, 2]>::from_array([[cs, sn], [-sn, cs]]);
    let flat: Vec<f32> = pts.iter().flatten().copied().collect();
    let batch = Tensor::<shape![_, 2]>::from_shape_vec((Dyn(POINTS), Sz), flat).unwrap();

    // The four agree (up to the order of additions).
    let a = heap_rot.dot(&heap_pts[12345]);
    let b = inline_rot.dot(&inline_pts[12345]);
    let d = batch.dot(&rot_t);
    assert_eq!(a.as_slice(), b.as_slice());
    for (x, y) in b.as_slice().iter().zip(&d.as_slice()[2 * 12345..2 * 12346]) {
        assert!((x - y).abs() < 1e-5, "{x} vs {y}");
    }

    let mut g = c.benchmark_group("rotate_1e6_points");
    g.sample_size(20);
    g.bench_function("heap_tensors", |bch| {
        bch.iter(|| {
            let out: Vec<Tensor<shape![2]>> = heap_pts.iter().map(|p| heap_rot.dot(p)).collect();
            black_box(out)
        })
    });
    g.bench_function("inline_tensors", |bch| {
        bch.iter(|| {
            let out: Vec<InlineTensor<shape![2]>> =
                inline_pts.iter().map(|p| inline_rot.dot(p)).collect();
            black_box(out)
        })
    });
    g.bench_function("plain_arrays", |bch| {
        bch.iter(|| {
            let r = black_box(rot);
            let out: Vec<[f32; 2]> = pts
                .iter()
                .map(|p| {
                    [
                        r[0][0] * p[0] + r[0][1] * p[1],
                        r[1][0] * p[0] + r[1][1] * p[1],
                    ]
                })
                .collect();
            black_box(out)
        })
    });
    let ga_pts: Vec<GenericArray<f32, U2>> =
        pts.iter().map(|&p| GenericArray::from_array(p)).collect();
    g.bench_function("generic_array", |bch| {
        bch.iter(|| {
            let r = black_box(rot);
            let out: Vec<GenericArray<f32, U2>> = ga_pts
                .iter()
                .map(|p| {
                    GenericArray::from_array([
                        r[0][0] * p[0] + r[0][1] * p[1],
                        r[1][0] * p[0] + r[1][1] * p[1],
                    ])
                })
                .collect();
            black_box(out)
        })
    });
    g.bench_function("batched", |bch| bch.iter(|| black_box(batch.dot(&rot_t))));
    g.finish();
}

criterion_group!(benches, rotation);
criterion_main!(benches);
