//! Two-dimensional convolution on channels-last batches (`NHWC`, as Keras),
//! with the kernel in Keras's layout `(kernel_h, kernel_w, in_c, filters)`,
//! row-major.
//!
//! The method is im2col: the patches of a chunk of samples are copied into
//! the rows of a matrix (one row per output pixel, `kernel_h * kernel_w *
//! in_c` columns, each kernel row's `kernel_w * in_c` values — adjacent in
//! the input — copied as one run, and a last column of ones), which then
//! goes through the products' one front door [`matmul`](super::matmul):
//!
//! * forward: `out = cols · [W; bias]`, `W` the kernel seen as a `K x
//!   filters` matrix, the bias its last row (so the bias costs no pass of
//!   its own over the output);
//! * backward: `[dW; db] = colsᵀ · g` (the ones column sums `g` into the
//!   bias gradient), and `dcols = g · Wᵀ`, which col2im adds back onto the
//!   input pixels the patches came from.
//!
//! On more than one kernel thread ([`Parallelism::Rayon`](super::Parallelism),
//! or `Threads(n)` with `n > 1`, then at most `n` of them) the batch is
//! split into one run of samples per thread, each with its
//! own buffers and single-threaded products (the kernel gradients of the
//! runs are summed at the end); a batch of one sample splits its products
//! instead. Within a run the samples go through in chunks whose patch
//! matrix is about 2^18 floats (1 MiB) in the forward, 2^16 in the
//! backward (at least one sample; measured, see the crate-private
//! constants `CHUNK_FLOATS` and `BACKWARD_CHUNK_FLOATS`). Every
//! buffer lives in a caller-owned [`ConvScratch`], so a call at a size
//! seen before allocates nothing (the products pack into it too).
//!
//! Every size is checked first, with checked arithmetic ([`Conv2dGeometry::check`]
//! and the buffer lengths); a wrong one is an error ([`ConvError`]) and
//! nothing is written. The code is safe Rust: the inner copies are slice
//! copies whose bounds the checks guarantee.

use super::matmul::{matmul, Accum, MatmulError, Parallelism, Scratch};
use super::view::{MatMut, MatRef};
use core::fmt;

/// How a convolution treats the border, as Keras's `padding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// No padding: only the positions where the kernel fits,
    /// `(in - k) / stride + 1` of them.
    Valid,
    /// Zeros around the input so that the output has `ceil(in / stride)`
    /// positions; the padding is split evenly, the odd one at the bottom
    /// (right), as TensorFlow.
    Same,
}

/// The sizes of a 2-D convolution of one sample: its input `(in_h, in_w,
/// in_c)`, its kernel `(kernel_h, kernel_w, in_c, filters)`, its strides and
/// padding.
///
/// ```
/// use shaped_core::kernels::conv::{Conv2dGeometry, Padding};
/// let g = Conv2dGeometry {
///     in_h: 28, in_w: 28, in_c: 1,
///     kernel_h: 3, kernel_w: 3, filters: 32,
///     stride_h: 1, stride_w: 1, padding: Padding::Valid,
/// };
/// assert_eq!((g.out_h(), g.out_w()), (26, 26));
/// let same = Conv2dGeometry { stride_h: 2, stride_w: 2, padding: Padding::Same, ..g };
/// assert_eq!((same.out_h(), same.out_w(), same.pad_top(), same.pad_left()), (14, 14, 0, 0));
/// assert!(g.check().is_ok());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dGeometry {
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Input channels.
    pub in_c: usize,
    /// Kernel height.
    pub kernel_h: usize,
    /// Kernel width.
    pub kernel_w: usize,
    /// Output channels.
    pub filters: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Border treatment.
    pub padding: Padding,
}

/// Output positions along one axis (0 for a zero stride or, with
/// [`Padding::Valid`], a zero kernel or one larger than the input).
const fn out_len(input: usize, k: usize, s: usize, padding: Padding) -> usize {
    if s == 0 {
        return 0;
    }
    match padding {
        Padding::Valid => {
            // A zero kernel is refused by `check`; its size here is 0, as
            // for a zero stride (and `input + 1` would overflow).
            if k == 0 || k > input {
                0
            } else {
                (input - k) / s + 1
            }
        }
        Padding::Same => input / s + !input.is_multiple_of(s) as usize,
    }
}

/// Padding before the first element along one axis (saturating: exact
/// whenever [`Conv2dGeometry::check`] passes).
const fn pad_before(input: usize, k: usize, s: usize, padding: Padding) -> usize {
    match padding {
        Padding::Valid => 0,
        Padding::Same => {
            let out = out_len(input, k, s, padding);
            if out == 0 {
                return 0;
            }
            let span = (out - 1).saturating_mul(s).saturating_add(k);
            span.saturating_sub(input) / 2
        }
    }
}

/// The sizes a checked geometry implies, none of them overflowing.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    /// Elements of one input sample.
    in_len: usize,
    /// Output pixels of one sample.
    pixels: usize,
    /// Rows of the kernel matrix: `kernel_h * kernel_w * in_c`.
    k: usize,
    /// Columns of the patch matrix: `k + 1`, the last one all ones (it
    /// meets the bias, appended to the kernel as its last row).
    kb: usize,
    /// Elements of the kernel.
    kernel_len: usize,
    /// Elements of one output sample.
    out_len: usize,
    /// Elements of one sample's patch matrix (`pixels * kb`).
    cols_len: usize,
    /// Elements of one sample's patch gradient (`pixels * k`).
    dcols_len: usize,
    /// Elements of the kernel with the bias row (`kb * filters`).
    wb_len: usize,
}

impl Conv2dGeometry {
    /// Output height (see [`Padding`]).
    pub const fn out_h(&self) -> usize {
        out_len(self.in_h, self.kernel_h, self.stride_h, self.padding)
    }
    /// Output width (see [`Padding`]).
    pub const fn out_w(&self) -> usize {
        out_len(self.in_w, self.kernel_w, self.stride_w, self.padding)
    }
    /// Rows of zeros above the input ([`Padding::Same`]: half the total,
    /// rounded down; the extra one goes below).
    pub const fn pad_top(&self) -> usize {
        pad_before(self.in_h, self.kernel_h, self.stride_h, self.padding)
    }
    /// Columns of zeros left of the input (as [`pad_top`](Self::pad_top)).
    pub const fn pad_left(&self) -> usize {
        pad_before(self.in_w, self.kernel_w, self.stride_w, self.padding)
    }

    /// Checks that the geometry makes a convolution: every size and stride
    /// non-zero, the kernel inside the input for [`Padding::Valid`], and
    /// every per-sample size (input, kernel, output, patch matrix, padded
    /// extent) free of overflow.
    ///
    /// ```
    /// use shaped_core::kernels::conv::{Conv2dGeometry, ConvError, Padding};
    /// let g = Conv2dGeometry {
    ///     in_h: 2, in_w: 5, in_c: 1, kernel_h: 3, kernel_w: 3, filters: 4,
    ///     stride_h: 1, stride_w: 1, padding: Padding::Valid,
    /// };
    /// assert!(matches!(g.check(), Err(ConvError::KernelTooLarge { .. })));
    /// assert!(Conv2dGeometry { padding: Padding::Same, ..g }.check().is_ok());
    /// ```
    pub fn check(&self) -> Result<(), ConvError> {
        self.sizes().map(|_| ())
    }

    fn sizes(&self) -> Result<Sizes, ConvError> {
        let dims = [
            ("in_h", self.in_h),
            ("in_w", self.in_w),
            ("in_c", self.in_c),
            ("kernel_h", self.kernel_h),
            ("kernel_w", self.kernel_w),
            ("filters", self.filters),
            ("stride_h", self.stride_h),
            ("stride_w", self.stride_w),
        ];
        if let Some(&(what, _)) = dims.iter().find(|(_, v)| *v == 0) {
            return Err(ConvError::Zero(what));
        }
        if self.padding == Padding::Valid
            && (self.kernel_h > self.in_h || self.kernel_w > self.in_w)
        {
            return Err(ConvError::KernelTooLarge {
                kernel: (self.kernel_h, self.kernel_w),
                input: (self.in_h, self.in_w),
            });
        }
        let overflow = || ConvError::Overflow("the convolution's sizes");
        let (oh, ow) = (self.out_h(), self.out_w());
        // The padded extent the last window reaches.
        for (o, s, k) in [
            (oh, self.stride_h, self.kernel_h),
            (ow, self.stride_w, self.kernel_w),
        ] {
            (o - 1)
                .checked_mul(s)
                .and_then(|v| v.checked_add(k))
                .ok_or_else(overflow)?;
        }
        let m = |a: usize, b: usize| a.checked_mul(b).ok_or_else(overflow);
        let in_len = m(m(self.in_h, self.in_w)?, self.in_c)?;
        let k = m(m(self.kernel_h, self.kernel_w)?, self.in_c)?;
        let kernel_len = m(k, self.filters)?;
        let pixels = m(oh, ow)?;
        let out_len = m(pixels, self.filters)?;
        let kb = k.checked_add(1).ok_or_else(overflow)?;
        let cols_len = m(pixels, kb)?;
        let dcols_len = m(pixels, k)?;
        let wb_len = m(kb, self.filters)?;
        // Lengths a slice may have (so that views of them fit an isize).
        for len in [in_len, wb_len, out_len, cols_len] {
            if len > isize::MAX as usize / core::mem::size_of::<f32>() {
                return Err(overflow());
            }
        }
        Ok(Sizes {
            in_len,
            pixels,
            k,
            kb,
            kernel_len,
            out_len,
            cols_len,
            dcols_len,
            wb_len,
        })
    }
}

/// Why a convolution or pooling was refused. Nothing is written then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConvError {
    /// A size or stride is zero (its name).
    Zero(&'static str),
    /// The kernel (or pool window) is larger than the input, without
    /// padding.
    KernelTooLarge {
        /// The window's height and width.
        kernel: (usize, usize),
        /// The input's height and width.
        input: (usize, usize),
    },
    /// A size does not fit in a `usize` (or a slice) — which one.
    Overflow(&'static str),
    /// A buffer has the wrong length.
    Length {
        /// Which buffer.
        what: &'static str,
        /// The length the sizes imply.
        expected: usize,
        /// Its length.
        got: usize,
    },
    /// A pooled sample holds more elements than a `u32` argmax can index.
    SampleTooLarge {
        /// The sample's element count.
        elements: usize,
    },
    /// A max-pool argmax points outside its sample.
    ArgmaxOutOfRange {
        /// Its position in the argmax buffer.
        index: usize,
        /// Its value.
        value: u32,
        /// The sample's element count.
        sample_len: usize,
    },
    /// The product refused its operands (a bug if it ever shows).
    Matmul(MatmulError),
}

impl fmt::Display for ConvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvError::Zero(what) => write!(f, "{what} is zero"),
            ConvError::KernelTooLarge { kernel, input } => write!(
                f,
                "a {} x {} window does not fit in a {} x {} input without padding",
                kernel.0, kernel.1, input.0, input.1
            ),
            ConvError::Overflow(what) => write!(f, "{what} overflow"),
            ConvError::Length {
                what,
                expected,
                got,
            } => write!(f, "{what} has {got} elements, expected {expected}"),
            ConvError::SampleTooLarge { elements } => write!(
                f,
                "a sample of {elements} elements is too large for a u32 argmax"
            ),
            ConvError::ArgmaxOutOfRange {
                index,
                value,
                sample_len,
            } => write!(
                f,
                "argmax[{index}] = {value} is outside its sample of {sample_len} elements"
            ),
            ConvError::Matmul(e) => write!(f, "convolution product: {e}"),
        }
    }
}

impl std::error::Error for ConvError {}

impl From<MatmulError> for ConvError {
    fn from(e: MatmulError) -> Self {
        ConvError::Matmul(e)
    }
}

/// Checks that `buf` holds exactly `expected` elements.
pub(crate) fn expect_len(what: &'static str, got: usize, expected: usize) -> Result<(), ConvError> {
    if got == expected {
        Ok(())
    } else {
        Err(ConvError::Length {
            what,
            expected,
            got,
        })
    }
}

/// `a * b`, or an overflow error naming `what`.
pub(crate) fn mul(a: usize, b: usize, what: &'static str) -> Result<usize, ConvError> {
    a.checked_mul(b).ok_or(ConvError::Overflow(what))
}

/// The forward's patch matrix target size in floats: the batch goes
/// through in chunks of whole samples whose patches take about this much
/// (at least one sample per chunk). Measured at the MNIST convnet's shapes
/// (batch 64, one thread): 2^18 (1 MiB) against 2^16, 2^20 and the whole
/// batch, the forward at 2^18 was the fastest or within the noise.
pub(crate) const CHUNK_FLOATS: usize = 1 << 18;

/// `CHUNK_FLOATS` for the backward, whose chunk also has a patch
/// gradient and the kernel gradient in play: at 2^16 (256 KiB) the
/// backward of `(13, 13, 32) -> 3x3x64` took 5.6 ms against 9.1 ms at
/// 2^18 (batch 64, one thread).
pub(crate) const BACKWARD_CHUNK_FLOATS: usize = 1 << 16;

/// One thread's buffers: its patch matrix, their gradient, its kernel
/// gradient (with the bias row) and the product's packing buffers.
#[derive(Default, Clone, Debug)]
struct Part {
    cols: Vec<f32>,
    dcols: Vec<f32>,
    dwb: Vec<f32>,
    mm: Scratch,
}

/// The buffers of a convolution, owned by the caller (a layer keeps one):
/// per thread, the patch matrix, its gradient and the product's packing
/// buffers; and the kernel with the bias appended. They grow to the
/// largest size seen and are then reused.
///
/// ```
/// let scratch = shaped_core::kernels::conv::ConvScratch::default();
/// assert_eq!(scratch.capacity(), 0);
/// ```
#[derive(Default, Clone, Debug)]
pub struct ConvScratch {
    parts: Vec<Part>,
    wb: Vec<f32>,
}

impl ConvScratch {
    /// The floats held, over all buffers.
    pub fn capacity(&self) -> usize {
        self.wb.capacity()
            + self
                .parts
                .iter()
                .map(|p| {
                    p.cols.capacity() + p.dcols.capacity() + p.dwb.capacity() + p.mm.capacity()
                })
                .sum::<usize>()
    }

    /// The first `t` parts, made if missing.
    fn parts(&mut self, t: usize) -> &mut [Part] {
        if self.parts.len() < t {
            self.parts.resize_with(t, Part::default);
        }
        &mut self.parts[..t]
    }
}

/// Samples per chunk for a patch matrix of `cols_len` floats a sample,
/// aiming at `target` floats.
fn chunk_samples(cols_len: usize, n: usize, target: usize) -> usize {
    (target / cols_len.max(1)).clamp(1, n.max(1))
}

/// Grows `v` to at least `len` elements (never shrinks: no reallocation
/// at a size seen before).
fn ensure(v: &mut Vec<f32>, len: usize) {
    if v.len() < len {
        v.resize(len, 0.0);
    }
}

/// The kernel's taps `0..k` that fall inside `0..input` when the window
/// starts at `start - pad`: the first tap inside and how many are.
#[inline]
fn taps_inside(start: usize, pad: usize, k: usize, input: usize) -> (usize, usize) {
    // Tap t reads input position start + t - pad.
    let first = pad.saturating_sub(start).min(k);
    let last = (input + pad).saturating_sub(start).min(k); // one past
    (first, last.saturating_sub(first))
}

/// Writes the patches of the samples in `x` (`samples * in_len` elements)
/// into `cols` (`samples * pixels` rows of `kb`): padded taps are zeros,
/// the last column ones.
fn im2col(g: &Conv2dGeometry, s: &Sizes, x: &[f32], cols: &mut [f32]) {
    let (oh, ow) = (g.out_h(), g.out_w());
    let (pt, pl) = (g.pad_top(), g.pad_left());
    let c = g.in_c;
    let run = g.kernel_w * c;
    let row_len = g.in_w * c;
    for (xs, cs) in x
        .chunks_exact(s.in_len)
        .zip(cols.chunks_exact_mut(s.cols_len))
    {
        let mut rows = cs.chunks_exact_mut(s.kb);
        for oy in 0..oh {
            let y0 = oy * g.stride_h;
            let (ky0, nky) = taps_inside(y0, pt, g.kernel_h, g.in_h);
            for ox in 0..ow {
                let x0 = ox * g.stride_w;
                let (kx0, nkx) = taps_inside(x0, pl, g.kernel_w, g.in_w);
                let row = rows.next().expect("one row per pixel");
                if nky < g.kernel_h || nkx < g.kernel_w {
                    row.fill(0.0);
                }
                row[s.k] = 1.0;
                if nkx == 0 {
                    continue;
                }
                let ix0 = x0 + kx0 - pl;
                for ky in ky0..ky0 + nky {
                    let iy = y0 + ky - pt;
                    let src = iy * row_len + ix0 * c;
                    let dst = ky * run + kx0 * c;
                    row[dst..dst + nkx * c].copy_from_slice(&xs[src..src + nkx * c]);
                }
            }
        }
    }
}

/// Adds the patch gradients `dcols` (rows of `k`) back onto the input
/// gradient `dx` (the transpose of [`im2col`]); padded taps are dropped.
fn col2im_add(g: &Conv2dGeometry, s: &Sizes, dcols: &[f32], dx: &mut [f32]) {
    let (oh, ow) = (g.out_h(), g.out_w());
    let (pt, pl) = (g.pad_top(), g.pad_left());
    let c = g.in_c;
    let run = g.kernel_w * c;
    let row_len = g.in_w * c;
    for (ds, cs) in dx
        .chunks_exact_mut(s.in_len)
        .zip(dcols.chunks_exact(s.dcols_len))
    {
        let mut rows = cs.chunks_exact(s.k);
        for oy in 0..oh {
            let y0 = oy * g.stride_h;
            let (ky0, nky) = taps_inside(y0, pt, g.kernel_h, g.in_h);
            for ox in 0..ow {
                let x0 = ox * g.stride_w;
                let (kx0, nkx) = taps_inside(x0, pl, g.kernel_w, g.in_w);
                let row = rows.next().expect("one row per pixel");
                if nkx == 0 {
                    continue;
                }
                let ix0 = x0 + kx0 - pl;
                for ky in ky0..ky0 + nky {
                    let iy = y0 + ky - pt;
                    let dst = iy * row_len + ix0 * c;
                    let src = ky * run + kx0 * c;
                    for (d, v) in ds[dst..dst + nkx * c]
                        .iter_mut()
                        .zip(&row[src..src + nkx * c])
                    {
                        *d += v;
                    }
                }
            }
        }
    }
}

/// Checks the geometry and the batch's sizes: the per-sample sizes, and
/// `n` times the input and output.
fn batch_sizes(g: &Conv2dGeometry, n: usize) -> Result<(Sizes, usize, usize), ConvError> {
    let s = g.sizes()?;
    let x_len = mul(n, s.in_len, "the batch's input size")?;
    let out_len = mul(n, s.out_len, "the batch's output size")?;
    Ok((s, x_len, out_len))
}

/// Runs `f(part, samples, a, b, y)` on contiguous runs of the batch's
/// samples, one run per part, the parts on the kernel threads (by
/// `rayon::join`, which allocates nothing on a kernel thread). `a`, `b`
/// and `y` hold `a_per`, `b_per`, `y_per` elements a sample (0 for an
/// unused buffer). `n >= parts.len() >= 1`.
#[allow(clippy::too_many_arguments)]
fn split_batch<F>(
    parts: &mut [Part],
    n: usize,
    (a, a_per): (&[f32], usize),
    (b, b_per): (&[f32], usize),
    (y, y_per): (&mut [f32], usize),
    f: &F,
) -> Result<(), ConvError>
where
    F: Fn(&mut Part, usize, &[f32], &[f32], &mut [f32]) -> Result<(), ConvError> + Sync,
{
    if parts.len() <= 1 {
        return f(&mut parts[0], n, a, b, y);
    }
    let half = parts.len() / 2;
    let left = n * half / parts.len();
    let (pl, pr) = parts.split_at_mut(half);
    let (al, ar) = a.split_at(left * a_per);
    let (bl, br) = b.split_at(left * b_per);
    let (yl, yr) = y.split_at_mut(left * y_per);
    let (l, r) = rayon::join(
        || split_batch(pl, left, (al, a_per), (bl, b_per), (yl, y_per), f),
        || split_batch(pr, n - left, (ar, a_per), (br, b_per), (yr, y_per), f),
    );
    l.and(r)
}

/// How many runs the batch splits into, and the parallelism of each run's
/// products: one run per kernel thread when the batch has that many
/// samples (each run's products on its own thread), else one run whose
/// products may split.
fn runs(par: Parallelism, n: usize) -> (usize, Parallelism) {
    let t = par.threads().min(n).max(1);
    if t > 1 {
        (t, Parallelism::None)
    } else {
        (1, par)
    }
}

/// Copies the kernel and the bias below it into `wb` (`kb x filters`).
fn kernel_with_bias<'a>(
    wb: &'a mut Vec<f32>,
    s: &Sizes,
    kernel: &[f32],
    bias: &[f32],
) -> &'a [f32] {
    ensure(wb, s.wb_len);
    let wb = &mut wb[..s.wb_len];
    let (w, b) = wb.split_at_mut(s.kernel_len);
    w.copy_from_slice(kernel);
    b.copy_from_slice(bias);
    wb
}

/// The forward convolution of a batch of `n` samples: `out = conv(x, kernel)
/// + bias`, replacing `out`.
///
/// `x` holds `n * in_h * in_w * in_c` elements (`NHWC`), `kernel`
/// `kernel_h * kernel_w * in_c * filters` (Keras's layout, row-major),
/// `bias` `filters`, `out` `n * out_h * out_w * filters`. A wrong length or
/// geometry is an error and nothing is written.
///
/// ```
/// use shaped_core::kernels::conv::{conv2d_forward, Conv2dGeometry, ConvScratch, Padding};
/// use shaped_core::kernels::Parallelism;
/// // One 3 x 3 single-channel image, a 2 x 2 kernel of ones, two filters
/// // (the second scaled by 10), bias (0, 1).
/// let g = Conv2dGeometry {
///     in_h: 3, in_w: 3, in_c: 1, kernel_h: 2, kernel_w: 2, filters: 2,
///     stride_h: 1, stride_w: 1, padding: Padding::Valid,
/// };
/// let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
/// let kernel = [1.0, 10.0, 1.0, 10.0, 1.0, 10.0, 1.0, 10.0];
/// let mut out = [0.0f32; 8];
/// let mut scratch = ConvScratch::default();
/// conv2d_forward(&g, 1, &x, &kernel, &[0.0, 1.0], &mut out, Parallelism::None, &mut scratch)?;
/// assert_eq!(out, [12.0, 121.0, 16.0, 161.0, 24.0, 241.0, 28.0, 281.0]);
/// # Ok::<(), shaped_core::kernels::conv::ConvError>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn conv2d_forward(
    g: &Conv2dGeometry,
    n: usize,
    x: &[f32],
    kernel: &[f32],
    bias: &[f32],
    out: &mut [f32],
    par: Parallelism,
    scratch: &mut ConvScratch,
) -> Result<(), ConvError> {
    let (s, x_len, out_len) = batch_sizes(g, n)?;
    expect_len("x", x.len(), x_len)?;
    expect_len("kernel", kernel.len(), s.kernel_len)?;
    expect_len("bias", bias.len(), g.filters)?;
    expect_len("out", out.len(), out_len)?;
    if n == 0 {
        return Ok(());
    }
    let f = g.filters;
    let (t, inner) = runs(par, n);
    let ConvScratch { parts, wb } = scratch;
    let wb = MatRef::row_major(kernel_with_bias(wb, &s, kernel, bias), s.kb, f)?;
    if parts.len() < t {
        parts.resize_with(t, Part::default);
    }
    let run = |part: &mut Part, n: usize, x: &[f32], _: &[f32], out: &mut [f32]| {
        let chunk = chunk_samples(s.cols_len, n, CHUNK_FLOATS);
        ensure(&mut part.cols, chunk * s.cols_len);
        for (xs, os) in x
            .chunks(chunk * s.in_len)
            .zip(out.chunks_mut(chunk * s.out_len))
        {
            let rows = xs.len() / s.in_len * s.pixels;
            let cols = &mut part.cols[..rows * s.kb];
            im2col(g, &s, xs, cols);
            matmul(
                MatMut::row_major(os, rows, f)?,
                Accum::Replace,
                MatRef::row_major(cols, rows, s.kb)?,
                wb,
                1.0,
                inner,
                &mut part.mm,
            )?;
        }
        Ok(())
    };
    split_batch(
        &mut parts[..t],
        n,
        (x, s.in_len),
        (&[], 0),
        (out, s.out_len),
        &run,
    )
}

/// The backward convolution of a batch of `n` samples, given the forward's
/// input `x`, its `kernel` and the gradient at its output `grad_out`: the
/// gradients with respect to the kernel, the bias and (unless `grad_in`
/// is `None`, as for a first layer) the input. All three are **replaced**.
///
/// The lengths are the forward's ([`conv2d_forward`]): `grad_out` as
/// `out`, `grad_kernel` as `kernel`, `grad_bias` as `bias`, `grad_in` as
/// `x`. A wrong length or geometry is an error and nothing is written.
///
/// ```
/// use shaped_core::kernels::conv::{conv2d_backward, Conv2dGeometry, ConvScratch, Padding};
/// use shaped_core::kernels::Parallelism;
/// // A 1 x 1 kernel on a 1 x 2 image: out = w x + b.
/// let g = Conv2dGeometry {
///     in_h: 1, in_w: 2, in_c: 1, kernel_h: 1, kernel_w: 1, filters: 1,
///     stride_h: 1, stride_w: 1, padding: Padding::Valid,
/// };
/// let (x, w, dy) = ([3.0f32, 5.0], [2.0f32], [1.0f32, 10.0]);
/// let (mut dw, mut db, mut dx) = ([0.0f32], [0.0f32], [0.0f32; 2]);
/// conv2d_backward(&g, 1, &x, &w, &dy, &mut dw, &mut db, Some(&mut dx),
///                 Parallelism::None, &mut ConvScratch::default())?;
/// assert_eq!((dw, db, dx), ([53.0], [11.0], [2.0, 20.0]));
/// # Ok::<(), shaped_core::kernels::conv::ConvError>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn conv2d_backward(
    g: &Conv2dGeometry,
    n: usize,
    x: &[f32],
    kernel: &[f32],
    grad_out: &[f32],
    grad_kernel: &mut [f32],
    grad_bias: &mut [f32],
    grad_in: Option<&mut [f32]>,
    par: Parallelism,
    scratch: &mut ConvScratch,
) -> Result<(), ConvError> {
    let (s, x_len, out_len) = batch_sizes(g, n)?;
    expect_len("x", x.len(), x_len)?;
    expect_len("kernel", kernel.len(), s.kernel_len)?;
    expect_len("grad_out", grad_out.len(), out_len)?;
    expect_len("grad_kernel", grad_kernel.len(), s.kernel_len)?;
    expect_len("grad_bias", grad_bias.len(), g.filters)?;
    if let Some(dx) = &grad_in {
        expect_len("grad_in", dx.len(), x_len)?;
    }
    let f = g.filters;
    if n == 0 {
        grad_kernel.fill(0.0);
        grad_bias.fill(0.0);
        return Ok(());
    }
    let w = MatRef::row_major(kernel, s.k, f)?;
    let (t, inner) = runs(par, n);
    let with_dx = grad_in.is_some();
    let mut none: [f32; 0] = [];
    let (dx, dx_per) = match grad_in {
        Some(dx) => (dx, s.in_len),
        None => (&mut none[..], 0),
    };
    // Each run: its kernel and bias gradients (`colsᵀ g`, the ones column
    // giving the bias row) into its `dwb`, and its samples' input gradient.
    let run = |part: &mut Part, n: usize, x: &[f32], gy: &[f32], dx: &mut [f32]| {
        let chunk = chunk_samples(s.cols_len, n, BACKWARD_CHUNK_FLOATS);
        ensure(&mut part.cols, chunk * s.cols_len);
        ensure(&mut part.dwb, s.wb_len);
        if with_dx {
            ensure(&mut part.dcols, chunk * s.dcols_len);
            dx.fill(0.0);
        }
        for (i, (xs, gs)) in x
            .chunks(chunk * s.in_len)
            .zip(gy.chunks(chunk * s.out_len))
            .enumerate()
        {
            let samples = xs.len() / s.in_len;
            let rows = samples * s.pixels;
            let cols = &mut part.cols[..rows * s.kb];
            im2col(g, &s, xs, cols);
            let gv = MatRef::row_major(gs, rows, f)?;
            matmul(
                MatMut::row_major(&mut part.dwb[..s.wb_len], s.kb, f)?,
                if i == 0 { Accum::Replace } else { Accum::Add },
                MatRef::row_major(cols, rows, s.kb)?.t(),
                gv,
                1.0,
                inner,
                &mut part.mm,
            )?;
            if with_dx {
                let dcols = &mut part.dcols[..rows * s.k];
                matmul(
                    MatMut::row_major(dcols, rows, s.k)?,
                    Accum::Replace,
                    gv,
                    w.t(),
                    1.0,
                    inner,
                    &mut part.mm,
                )?;
                let start = i * chunk * s.in_len;
                col2im_add(g, &s, dcols, &mut dx[start..start + xs.len()]);
            }
        }
        Ok(())
    };
    let parts = scratch.parts(t);
    split_batch(
        parts,
        n,
        (x, s.in_len),
        (grad_out, s.out_len),
        (dx, dx_per),
        &run,
    )?;
    // The runs' sums.
    let (w0, b0) = parts[0].dwb[..s.wb_len].split_at(s.kernel_len);
    grad_kernel.copy_from_slice(w0);
    grad_bias.copy_from_slice(b0);
    for part in &parts[1..] {
        let (wi, bi) = part.dwb[..s.wb_len].split_at(s.kernel_len);
        for (d, v) in grad_kernel.iter_mut().zip(wi) {
            *d += v;
        }
        for (d, v) in grad_bias.iter_mut().zip(bi) {
            *d += v;
        }
    }
    Ok(())
}
