//! Max and average pooling on channels-last batches (`NHWC`), without
//! padding, as Keras's `MaxPooling2D`/`AveragePooling2D` with `padding =
//! "valid"`: `out = (in - pool) / stride + 1` positions per axis.
//!
//! The max-pool forward records, for every output, where its maximum came
//! from (`argmax`, an index within the sample's input), and the backward
//! sends each output's gradient there. NaN propagates as in PyTorch: a
//! window holding a NaN gives NaN and its argmax points at the (first) NaN.
//!
//! Every size is checked first, with checked arithmetic; a wrong one is an
//! error ([`ConvError`]) and nothing is written.

use super::conv::{expect_len, mul, ConvError};

/// The sizes of a pooling of one sample: its input `(in_h, in_w,
/// channels)`, the window and the strides (Keras's default stride is the
/// window).
///
/// ```
/// use shaped_core::kernels::pool::Pool2dGeometry;
/// let g = Pool2dGeometry::new(26, 26, 32, 2);
/// assert_eq!((g.out_h(), g.out_w()), (13, 13));
/// assert!(g.check().is_ok());
/// let odd = Pool2dGeometry::new(11, 11, 64, 2);
/// assert_eq!(odd.out_h(), 5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dGeometry {
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Channels (pooled separately).
    pub channels: usize,
    /// Window height.
    pub pool_h: usize,
    /// Window width.
    pub pool_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
}

/// Positions along one axis (0 for a zero stride, a zero window or a window
/// larger than the input).
const fn out_len(input: usize, p: usize, s: usize) -> usize {
    if s == 0 || p == 0 || p > input {
        0
    } else {
        (input - p) / s + 1
    }
}

/// The sizes a checked geometry implies.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    in_len: usize,
    out_len: usize,
}

impl Pool2dGeometry {
    /// A square `pool x pool` window with stride `pool` (Keras's default).
    ///
    /// ```
    /// use shaped_core::kernels::pool::Pool2dGeometry;
    /// let g = Pool2dGeometry::new(26, 26, 32, 2);
    /// assert_eq!((g.out_h(), g.out_w(), g.stride_h), (13, 13, 2));
    /// ```
    pub const fn new(in_h: usize, in_w: usize, channels: usize, pool: usize) -> Self {
        Pool2dGeometry {
            in_h,
            in_w,
            channels,
            pool_h: pool,
            pool_w: pool,
            stride_h: pool,
            stride_w: pool,
        }
    }
    /// Output height: `(in_h - pool_h) / stride_h + 1`.
    pub const fn out_h(&self) -> usize {
        out_len(self.in_h, self.pool_h, self.stride_h)
    }
    /// Output width: `(in_w - pool_w) / stride_w + 1`.
    pub const fn out_w(&self) -> usize {
        out_len(self.in_w, self.pool_w, self.stride_w)
    }

    /// Checks that the geometry makes a pooling: every size non-zero, the
    /// window inside the input, the per-sample sizes free of overflow.
    ///
    /// ```
    /// use shaped_core::kernels::pool::Pool2dGeometry;
    /// assert!(Pool2dGeometry::new(1, 5, 3, 2).check().is_err());
    /// assert!(Pool2dGeometry::new(2, 5, 3, 2).check().is_ok());
    /// ```
    pub fn check(&self) -> Result<(), ConvError> {
        self.sizes().map(|_| ())
    }

    fn sizes(&self) -> Result<Sizes, ConvError> {
        let dims = [
            ("in_h", self.in_h),
            ("in_w", self.in_w),
            ("channels", self.channels),
            ("pool_h", self.pool_h),
            ("pool_w", self.pool_w),
            ("stride_h", self.stride_h),
            ("stride_w", self.stride_w),
        ];
        if let Some(&(what, _)) = dims.iter().find(|(_, v)| *v == 0) {
            return Err(ConvError::Zero(what));
        }
        if self.pool_h > self.in_h || self.pool_w > self.in_w {
            return Err(ConvError::KernelTooLarge {
                kernel: (self.pool_h, self.pool_w),
                input: (self.in_h, self.in_w),
            });
        }
        const WHAT: &str = "the pooling's sizes";
        let in_len = mul(mul(self.in_h, self.in_w, WHAT)?, self.channels, WHAT)?;
        let out_len = mul(mul(self.out_h(), self.out_w(), WHAT)?, self.channels, WHAT)?;
        if in_len > isize::MAX as usize / core::mem::size_of::<f32>() {
            return Err(ConvError::Overflow(WHAT));
        }
        Ok(Sizes { in_len, out_len })
    }

    /// The geometry's sizes and the batch's input and output lengths.
    fn batch(&self, n: usize) -> Result<(Sizes, usize, usize), ConvError> {
        let s = self.sizes()?;
        let x_len = mul(n, s.in_len, "the batch's input size")?;
        let out_len = mul(n, s.out_len, "the batch's output size")?;
        Ok((s, x_len, out_len))
    }

    /// Calls `f(out_offset, in_offset)` for every output position of a
    /// sample, with the input offset of its window's top-left element.
    fn windows(&self, mut f: impl FnMut(usize, usize)) {
        let c = self.channels;
        let mut o = 0;
        for oy in 0..self.out_h() {
            for ox in 0..self.out_w() {
                f(o, (oy * self.stride_h * self.in_w + ox * self.stride_w) * c);
                o += c;
            }
        }
    }
}

/// Max pooling of a batch of `n` samples: `out` (replaced, `n * out_h *
/// out_w * channels`) holds each window's maximum per channel, `argmax`
/// (same length) the index within the sample's input it came from. NaN
/// propagates (the window's output is NaN, its argmax the first NaN).
///
/// ```
/// use shaped_core::kernels::pool::{max_pool2d_forward, Pool2dGeometry};
/// let g = Pool2dGeometry::new(2, 2, 1, 2);
/// let (mut out, mut arg) = ([0.0f32], [0u32]);
/// max_pool2d_forward(&g, 1, &[1.0, 4.0, 3.0, 2.0], &mut out, &mut arg)?;
/// assert_eq!((out, arg), ([4.0], [1]));
/// max_pool2d_forward(&g, 1, &[1.0, 4.0, f32::NAN, 2.0], &mut out, &mut arg)?;
/// assert!(out[0].is_nan() && arg[0] == 2);
/// # Ok::<(), shaped_core::kernels::conv::ConvError>(())
/// ```
pub fn max_pool2d_forward(
    g: &Pool2dGeometry,
    n: usize,
    x: &[f32],
    out: &mut [f32],
    argmax: &mut [u32],
) -> Result<(), ConvError> {
    let (s, x_len, out_len) = g.batch(n)?;
    if u32::try_from(s.in_len).is_err() {
        return Err(ConvError::SampleTooLarge { elements: s.in_len });
    }
    expect_len("x", x.len(), x_len)?;
    expect_len("out", out.len(), out_len)?;
    expect_len("argmax", argmax.len(), out_len)?;
    if s.out_len == 0 {
        return Ok(());
    }
    let c = g.channels;
    let row = g.in_w * c;
    for ((xs, os), am) in x
        .chunks_exact(s.in_len)
        .zip(out.chunks_exact_mut(s.out_len))
        .zip(argmax.chunks_exact_mut(s.out_len))
    {
        g.windows(|o, base| {
            let (best, arg) = (&mut os[o..o + c], &mut am[o..o + c]);
            best.copy_from_slice(&xs[base..base + c]);
            for (a, i) in arg.iter_mut().zip(base..) {
                // `i` < `in_len` <= u32::MAX, checked above.
                *a = i as u32;
            }
            for py in 0..g.pool_h {
                for px in 0..g.pool_w {
                    if py == 0 && px == 0 {
                        continue;
                    }
                    let at = base + py * row + px * c;
                    // Branch-free, so that it vectorizes: take `v` when it
                    // is larger or NaN, unless the best so far is NaN.
                    // `at + j` < `in_len` <= u32::MAX, checked above.
                    let (tap, best, arg) = (&xs[at..at + c], &mut best[..c], &mut arg[..c]);
                    let at = at as u32;
                    for j in 0..c {
                        let (v, b) = (tap[j], best[j]);
                        // All ones where `v` is taken: larger, or a NaN
                        // over a number (`op_defs::argmax::beats`, as bit
                        // masks, which vectorize).
                        let take = u32::from((v > b) | (v.is_nan() & !b.is_nan())).wrapping_neg();
                        best[j] = f32::from_bits((v.to_bits() & take) | (b.to_bits() & !take));
                        arg[j] = ((at + j as u32) & take) | (arg[j] & !take);
                    }
                }
            }
        });
    }
    Ok(())
}

/// The backward of [`max_pool2d_forward`]: `grad_in` (replaced, the input's
/// length) receives each output's gradient at its argmax (summed where
/// windows overlap). An argmax outside its sample is an error, and nothing
/// is written.
///
/// ```
/// use shaped_core::kernels::pool::{max_pool2d_backward, Pool2dGeometry};
/// let g = Pool2dGeometry::new(2, 2, 1, 2);
/// let mut dx = [9.0f32; 4];
/// max_pool2d_backward(&g, 1, &[5.0], &[1], &mut dx)?;
/// assert_eq!(dx, [0.0, 5.0, 0.0, 0.0]);
/// assert!(max_pool2d_backward(&g, 1, &[5.0], &[4], &mut dx).is_err());
/// # Ok::<(), shaped_core::kernels::conv::ConvError>(())
/// ```
pub fn max_pool2d_backward(
    g: &Pool2dGeometry,
    n: usize,
    grad_out: &[f32],
    argmax: &[u32],
    grad_in: &mut [f32],
) -> Result<(), ConvError> {
    let (s, x_len, out_len) = g.batch(n)?;
    expect_len("grad_out", grad_out.len(), out_len)?;
    expect_len("argmax", argmax.len(), out_len)?;
    expect_len("grad_in", grad_in.len(), x_len)?;
    if let Some((index, &value)) = argmax
        .iter()
        .enumerate()
        .find(|&(_, &a)| a as usize >= s.in_len)
    {
        return Err(ConvError::ArgmaxOutOfRange {
            index,
            value,
            sample_len: s.in_len,
        });
    }
    grad_in.fill(0.0);
    if s.out_len == 0 {
        return Ok(());
    }
    for ((ds, gs), am) in grad_in
        .chunks_exact_mut(s.in_len)
        .zip(grad_out.chunks_exact(s.out_len))
        .zip(argmax.chunks_exact(s.out_len))
    {
        for (&gv, &a) in gs.iter().zip(am) {
            ds[a as usize] += gv;
        }
    }
    Ok(())
}

/// Average pooling of a batch of `n` samples: `out` (replaced) holds each
/// window's mean per channel.
///
/// ```
/// use shaped_core::kernels::pool::{avg_pool2d_forward, Pool2dGeometry};
/// let g = Pool2dGeometry::new(2, 2, 1, 2);
/// let mut out = [0.0f32];
/// avg_pool2d_forward(&g, 1, &[1.0, 4.0, 3.0, 2.0], &mut out)?;
/// assert_eq!(out, [2.5]);
/// # Ok::<(), shaped_core::kernels::conv::ConvError>(())
/// ```
pub fn avg_pool2d_forward(
    g: &Pool2dGeometry,
    n: usize,
    x: &[f32],
    out: &mut [f32],
) -> Result<(), ConvError> {
    let (s, x_len, out_len) = g.batch(n)?;
    expect_len("x", x.len(), x_len)?;
    expect_len("out", out.len(), out_len)?;
    if s.out_len == 0 {
        return Ok(());
    }
    let c = g.channels;
    let row = g.in_w * c;
    let scale = 1.0 / (g.pool_h * g.pool_w) as f32;
    for (xs, os) in x
        .chunks_exact(s.in_len)
        .zip(out.chunks_exact_mut(s.out_len))
    {
        g.windows(|o, base| {
            let acc = &mut os[o..o + c];
            acc.fill(0.0);
            for py in 0..g.pool_h {
                for px in 0..g.pool_w {
                    let at = base + py * row + px * c;
                    for (a, v) in acc.iter_mut().zip(&xs[at..at + c]) {
                        *a += v;
                    }
                }
            }
            for a in acc {
                *a *= scale;
            }
        });
    }
    Ok(())
}

/// The backward of [`avg_pool2d_forward`]: `grad_in` (replaced) receives
/// each output's gradient divided by the window's size, on every element of
/// its window (summed where windows overlap).
///
/// ```
/// use shaped_core::kernels::pool::{avg_pool2d_backward, Pool2dGeometry};
/// let g = Pool2dGeometry::new(2, 2, 1, 2);
/// let mut dx = [0.0f32; 4];
/// avg_pool2d_backward(&g, 1, &[4.0], &mut dx)?;
/// assert_eq!(dx, [1.0; 4]);
/// # Ok::<(), shaped_core::kernels::conv::ConvError>(())
/// ```
pub fn avg_pool2d_backward(
    g: &Pool2dGeometry,
    n: usize,
    grad_out: &[f32],
    grad_in: &mut [f32],
) -> Result<(), ConvError> {
    let (s, x_len, out_len) = g.batch(n)?;
    expect_len("grad_out", grad_out.len(), out_len)?;
    expect_len("grad_in", grad_in.len(), x_len)?;
    grad_in.fill(0.0);
    if s.out_len == 0 {
        return Ok(());
    }
    let c = g.channels;
    let row = g.in_w * c;
    let scale = 1.0 / (g.pool_h * g.pool_w) as f32;
    for (ds, gs) in grad_in
        .chunks_exact_mut(s.in_len)
        .zip(grad_out.chunks_exact(s.out_len))
    {
        g.windows(|o, base| {
            let gv = &gs[o..o + c];
            for py in 0..g.pool_h {
                for px in 0..g.pool_w {
                    let at = base + py * row + px * c;
                    for (d, v) in ds[at..at + c].iter_mut().zip(gv) {
                        *d += v * scale;
                    }
                }
            }
        });
    }
    Ok(())
}
