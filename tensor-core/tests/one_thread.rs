//! `Parallelism::Threads(1)` runs nothing off the calling thread: every
//! product kernel (dense, skinny, sparse tiles) and the convolution, at
//! sizes where the default splits them, completes while every kernel
//! thread is held busy, and gives the numbers of the default.
//!
//! One test in this file: it owns the kernel threads (rayon's global pool,
//! two threads, the test's thread not among them), so no other test may
//! run beside it.

use shaped_core::kernels::{
    conv2d_backward, conv2d_forward, matmul, Accum, Conv2dGeometry, ConvScratch, MatMut, MatRef,
    Padding, Parallelism, Route, Scratch, SparseLhs, SparsePolicy,
};
use std::num::NonZeroUsize;
use std::time::Duration;

#[path = "support/held.rs"]
mod held;
use held::{finishes_within, Held};

/// Deterministic values in [-1, 1), with runs of zeros when `sparse`.
fn values(len: usize, seed: u32, sparse: bool) -> Vec<f32> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            if sparse && (i / 7) % 4 != 0 {
                0.0
            } else {
                (x as f32 / u32::MAX as f32) * 2.0 - 1.0
            }
        })
        .collect()
}

/// Everything the kernels computed, flat, with the routes the products took.
#[derive(Debug, PartialEq)]
struct Results {
    routes: Vec<Route>,
    products: Vec<Vec<f32>>,
    conv_out: Vec<f32>,
    conv_grads: Vec<f32>,
}

const GEOMETRY: Conv2dGeometry = Conv2dGeometry {
    in_h: 12,
    in_w: 12,
    in_c: 3,
    kernel_h: 3,
    kernel_w: 3,
    filters: 8,
    stride_h: 1,
    stride_w: 1,
    padding: Padding::Same,
};
const SAMPLES: usize = 8;

/// The products and the convolution under `par`, at sizes where the
/// default splits the work: a dense product of 2^23 multiply-adds, a
/// skinny one of 128 rows, sparse tiles of 512 columns, and a batch of 8
/// images.
fn compute(par: Parallelism) -> Results {
    let mut routes = Vec::new();
    let mut products = Vec::new();
    let mut scratch = Scratch::default();
    for (m, k, n) in [(256, 256, 128), (128, 784, 10)] {
        let (a, b) = (values(m * k, 1, false), values(k * n, 2, false));
        let mut c = vec![0.0f32; m * n];
        let route = matmul(
            MatMut::row_major(&mut c, m, n).unwrap(),
            Accum::Replace,
            MatRef::row_major(&a, m, k).unwrap(),
            MatRef::row_major(&b, k, n).unwrap(),
            1.0,
            par,
            &mut scratch,
        )
        .unwrap();
        routes.push(route);
        products.push(c);
    }
    // Sparse tiles, under a cost model where they always pay: X W and X^T D.
    let (rows, cols, n) = (128, 784, 512);
    let x = values(rows * cols, 3, true);
    let xv = MatRef::row_major(&x, rows, cols).unwrap();
    let mut lhs = SparseLhs::default();
    assert!(lhs.prepare(xv, n, SparsePolicy::Always, par));
    let w = values(cols * n, 4, false);
    let mut c = vec![0.0f32; rows * n];
    routes.push(
        matmul(
            MatMut::row_major(&mut c, rows, n).unwrap(),
            Accum::Replace,
            lhs.of(xv),
            MatRef::row_major(&w, cols, n).unwrap(),
            1.0,
            par,
            &mut scratch,
        )
        .unwrap(),
    );
    products.push(c);
    let d = values(rows * n, 5, false);
    let mut c = vec![0.0f32; cols * n];
    routes.push(
        matmul(
            MatMut::row_major(&mut c, cols, n).unwrap(),
            Accum::Replace,
            lhs.of(xv.t()),
            MatRef::row_major(&d, rows, n).unwrap(),
            1.0,
            par,
            &mut scratch,
        )
        .unwrap(),
    );
    products.push(c);
    // The convolution of a batch, forward and backward.
    let g = GEOMETRY;
    let in_len = SAMPLES * g.in_h * g.in_w * g.in_c;
    let out_len = SAMPLES * g.out_h() * g.out_w() * g.filters;
    let kernel_len = g.kernel_h * g.kernel_w * g.in_c * g.filters;
    let (x, kernel, bias) = (
        values(in_len, 6, false),
        values(kernel_len, 7, false),
        values(g.filters, 8, false),
    );
    let mut conv = ConvScratch::default();
    let mut conv_out = vec![0.0f32; out_len];
    conv2d_forward(
        &g,
        SAMPLES,
        &x,
        &kernel,
        &bias,
        &mut conv_out,
        par,
        &mut conv,
    )
    .unwrap();
    let grad_out = values(out_len, 9, false);
    let mut conv_grads = vec![0.0f32; kernel_len + g.filters + in_len];
    let (gk, rest) = conv_grads.split_at_mut(kernel_len);
    let (gb, gx) = rest.split_at_mut(g.filters);
    conv2d_backward(
        &g,
        SAMPLES,
        &x,
        &kernel,
        &grad_out,
        gk,
        gb,
        Some(gx),
        par,
        &mut conv,
    )
    .unwrap();
    Results {
        routes,
        products,
        conv_out,
        conv_grads,
    }
}

#[test]
fn one_thread_runs_every_kernel_on_the_calling_thread_with_the_default_numbers() {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_global()
        .expect("this test owns the kernel threads");
    let one = Parallelism::Threads(NonZeroUsize::MIN);
    assert_eq!((one.threads(), one.tasks()), (1, 1));
    assert_eq!(Parallelism::Rayon.threads(), 2);

    let held = Held::all_kernel_threads();
    // Every kernel completes while no kernel thread can take a share.
    let (_, alone) = finishes_within(Duration::from_secs(300), move || compute(one));
    let alone = alone.expect("Threads(1) handed work to the (held) kernel threads");
    // The check can fail: the default hands its share to the kernel
    // threads, so it cannot finish while they are held.
    let (pending, early) =
        finishes_within(Duration::from_millis(500), || compute(Parallelism::Rayon));
    assert!(
        early.is_none(),
        "the default finished with every kernel thread held"
    );
    held.release();
    let shared = pending.recv().expect("the default finishes once released");

    // The same numbers: bit for bit for the products and the forward
    // convolution (each output row is computed whole by one thread); the
    // convolution's kernel gradient sums the runs of samples of each
    // thread, so it differs by rounding only.
    assert_eq!(alone.routes, shared.routes);
    assert_eq!(
        alone.routes,
        [Route::Dense, Route::Skinny, Route::Sparse, Route::Sparse]
    );
    for (a, b) in alone.products.iter().zip(&shared.products) {
        assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
    }
    assert!(alone
        .conv_out
        .iter()
        .zip(&shared.conv_out)
        .all(|(x, y)| x.to_bits() == y.to_bits()));
    for (x, y) in alone.conv_grads.iter().zip(&shared.conv_grads) {
        assert!((x - y).abs() <= 1e-4 * (1.0 + x.abs()), "{x} vs {y}");
    }
}
