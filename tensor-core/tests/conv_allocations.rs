//! The convolution and pooling kernels allocate nothing once their buffers
//! (a `ConvScratch`, which holds the products' packing buffers too) have
//! grown to a size: counted by a global allocator over a training step's
//! calls at the MNIST convnet's shapes. (`kernels::dense::kernel_calls`
//! counts the products sent to `matrixmultiply`, which packs into buffers
//! of its own: none here.)

use shaped_core::kernels::conv::{
    conv2d_backward, conv2d_forward, Conv2dGeometry, ConvScratch, Padding,
};
use shaped_core::kernels::pool::{max_pool2d_backward, max_pool2d_forward, Pool2dGeometry};
use shaped_core::kernels::{dense::kernel_calls, Parallelism};

#[path = "support/counting.rs"]
mod counting;

#[global_allocator]
static A: counting::Counting = counting::Counting;

#[path = "support/kernel_thread.rs"]
mod kernel_thread;
use kernel_thread::on_a_kernel_thread;

/// One layer's buffers, made once.
struct Layer {
    g: Conv2dGeometry,
    x: Vec<f32>,
    w: Vec<f32>,
    b: Vec<f32>,
    out: Vec<f32>,
    dw: Vec<f32>,
    db: Vec<f32>,
    dx: Vec<f32>,
    first: bool,
    scratch: ConvScratch,
}

impl Layer {
    fn new(n: usize, (h, w, c): (usize, usize, usize), filters: usize, first: bool) -> Self {
        let g = Conv2dGeometry {
            in_h: h,
            in_w: w,
            in_c: c,
            kernel_h: 3,
            kernel_w: 3,
            filters,
            stride_h: 1,
            stride_w: 1,
            padding: Padding::Valid,
        };
        let x_len = n * h * w * c;
        let k = 9 * c * filters;
        Layer {
            g,
            x: (0..x_len).map(|i| (i % 7) as f32 * 0.1).collect(),
            w: (0..k).map(|i| (i % 5) as f32 * 0.01).collect(),
            b: vec![0.1; filters],
            out: vec![0.0; n * g.out_h() * g.out_w() * filters],
            dw: vec![0.0; k],
            db: vec![0.0; filters],
            dx: vec![0.0; x_len],
            first,
            scratch: ConvScratch::default(),
        }
    }

    fn step(&mut self, n: usize, par: Parallelism) {
        conv2d_forward(
            &self.g,
            n,
            &self.x,
            &self.w,
            &self.b,
            &mut self.out,
            par,
            &mut self.scratch,
        )
        .unwrap();
        let dx = (!self.first).then_some(&mut self.dx[..]);
        conv2d_backward(
            &self.g,
            n,
            &self.x,
            &self.w,
            &self.out,
            &mut self.dw,
            &mut self.db,
            dx,
            par,
            &mut self.scratch,
        )
        .unwrap();
    }
}

#[test]
fn a_step_at_a_size_seen_before_allocates_nothing() {
    on_a_kernel_thread(steps_at_a_size_seen_before);
}

fn steps_at_a_size_seen_before() {
    // As the training loop does: the calling thread is one of the kernel
    // threads (work it splits goes to its own queue, not the shared one).
    shaped_core::kernels::join_kernel_threads();
    let n = 64;
    let mut layers = [
        Layer::new(n, (28, 28, 1), 32, true),
        Layer::new(n, (13, 13, 32), 64, false),
        Layer::new(n, (5, 5, 64), 64, false),
    ];
    let pool = Pool2dGeometry::new(26, 26, 32, 2);
    let x = vec![0.5f32; n * 26 * 26 * 32];
    let mut out = vec![0.0f32; n * 13 * 13 * 32];
    let mut arg = vec![0u32; out.len()];
    let mut dx = vec![0.0f32; x.len()];
    for par in [Parallelism::None, Parallelism::Rayon] {
        // The first step grows the buffers (and starts the threads).
        for layer in &mut layers {
            layer.step(n, par);
        }
        let (before, calls) = (counting::allocations(), kernel_calls());
        for _ in 0..2 {
            for layer in &mut layers {
                layer.step(n, par);
            }
            max_pool2d_forward(&pool, n, &x, &mut out, &mut arg).unwrap();
            max_pool2d_backward(&pool, n, &out, &arg, &mut dx).unwrap();
        }
        let made = counting::allocations() - before;
        let packing = kernel_calls() - calls;
        eprintln!("{par:?}: two steps: {made} allocations, {packing} matrixmultiply calls");
        assert_eq!((made, packing), (0, 0), "{par:?}: the steps allocate");
        // A smaller batch reuses the grown buffers.
        let (before, calls) = (counting::allocations(), kernel_calls());
        for layer in &mut layers {
            let small = n / 2;
            let (xl, ol) = (layer.x.len() / 2, layer.out.len() / 2);
            let g = layer.g;
            conv2d_forward(
                &g,
                small,
                &layer.x[..xl],
                &layer.w,
                &layer.b,
                &mut layer.out[..ol],
                par,
                &mut layer.scratch,
            )
            .unwrap();
        }
        assert_eq!(
            (counting::allocations() - before, kernel_calls() - calls),
            (0, 0),
            "{par:?}: a smaller batch allocates"
        );
    }
}
