//! The accumulation loops behind every sum, mean and variance.
//!
//! Floats are summed in `f64`, in [`LANES`] independent accumulators over
//! leaves of [`LEAF`] elements, and the leaves' sums are combined pairwise
//! (a binary counter over the leaves, so without recursion). The rounding
//! error of a sum of `n` values is then about `eps_f64 * (LEAF / LANES + log2(n / LEAF))`
//! of the sum of their magnitudes, for `f32` and `f64` inputs alike, where an
//! element-by-element `f32` loop stops growing at 2^24. The independent lanes
//! are what lets the compiler vectorize the loop (one accumulator is a chain
//! of dependent adds), and the loops are compiled for AVX2 and AVX-512 too
//! ([`vectorized!`](crate::vectorized)), picked at run time.
//!
//! Integers are summed exactly into a 64-bit integer (numpy: a `uint8` sum
//! is a `uint64`), wrapping on overflow as numpy does.

use crate::dtype::Num;

/// Independent accumulators in a leaf.
pub(crate) const LANES: usize = 16;
/// Elements summed in lanes before the pairwise combination.
pub(crate) const LEAF: usize = 2048;
/// Rows added into a block of line sums before the block joins the total
/// (the along-an-axis form of a leaf).
pub(crate) const ROW_BLOCK: usize = 128;

/// Adds the lanes pairwise.
#[inline(always)]
fn combine(mut acc: [f64; LANES]) -> f64 {
    let mut w = LANES;
    while w > 1 {
        w /= 2;
        for k in 0..w {
            acc[k] += acc[k + w];
        }
    }
    acc[0]
}

/// `sum f(x)` over one leaf, in lanes.
#[inline(always)]
fn leaf<E: Num>(x: &[E], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for k in 0..LANES {
            acc[k] += f(c[k].to_f64());
        }
    }
    for (k, &v) in tail.iter().enumerate() {
        acc[k] += f(v.to_f64());
    }
    combine(acc)
}

crate::vectorized! {
    fn leaf_sum[E: Num][E](x: &[E]) -> f64 {
        leaf(x, |v| v)
    }
}

crate::vectorized! {
    fn leaf_sq_dev[E: Num][E](x: &[E], mean: f64) -> f64 {
        leaf(x, |v| (v - mean) * (v - mean))
    }
}

/// Combines per-leaf sums pairwise: leaf `i`'s sum joins its neighbours as
/// the binary digits of `i + 1` carry.
fn pairwise(n: usize, mut leaf_sum: impl FnMut(usize) -> f64) -> f64 {
    // 64 levels hold 2^64 leaves: more than any slice.
    let mut stack = [0.0f64; 64];
    let mut top = 0;
    for i in 0..n {
        let mut s = leaf_sum(i);
        let mut carry = i + 1;
        while carry & 1 == 0 {
            top -= 1;
            s += stack[top];
            carry >>= 1;
        }
        stack[top] = s;
        top += 1;
    }
    stack[..top].iter().rev().fold(0.0, |a, &s| a + s)
}

/// The sum of `x`, in `f64`.
pub(crate) fn sum<E: Num>(x: &[E]) -> f64 {
    pairwise(x.len().div_ceil(LEAF), |i| {
        leaf_sum(&x[i * LEAF..((i + 1) * LEAF).min(x.len())])
    })
}

/// `sum (x - mean)^2`, in `f64`.
pub(crate) fn sum_sq_dev<E: Num>(x: &[E], mean: f64) -> f64 {
    pairwise(x.len().div_ceil(LEAF), |i| {
        leaf_sq_dev(&x[i * LEAF..((i + 1) * LEAF).min(x.len())], mean)
    })
}

crate::vectorized! {
    /// `acc[i] += row[i]`, in `f64`.
    pub(crate) fn add_row[E: Num][E](acc: &mut [f64], row: &[E]) {
        for (a, &x) in acc.iter_mut().zip(row) {
            *a += x.to_f64();
        }
    }
}

crate::vectorized! {
    /// `acc[i] += (row[i] - mean[i])^2`, in `f64`.
    pub(crate) fn add_row_sq_dev[E: Num][E](acc: &mut [f64], row: &[E], mean: &[f64]) {
        for ((a, &x), &m) in acc.iter_mut().zip(row).zip(mean) {
            let d = x.to_f64() - m;
            *a += d * d;
        }
    }
}

/// An integer element type and the 64-bit integer its sums are kept in
/// (numpy's rule: unsigned types sum to `uint64`, signed ones to `int64`).
pub trait WideInt: Num {
    /// `u64` or `i64`.
    type Wide: Num + Copy;
    /// The value, widened.
    fn widen(self) -> Self::Wide;
    /// `a + b`, wrapping on overflow (as numpy's integer sums do).
    fn wrapping_add(a: Self::Wide, b: Self::Wide) -> Self::Wide;
}

macro_rules! wide_int {
    ($($t:ty => $w:ty),*) => {$(
        impl WideInt for $t {
            type Wide = $w;
            #[inline(always)]
            fn widen(self) -> $w {
                self as $w
            }
            #[inline(always)]
            fn wrapping_add(a: $w, b: $w) -> $w {
                a.wrapping_add(b)
            }
        }
    )*};
}
wide_int!(u8 => u64, u16 => u64, u32 => u64, u64 => u64, usize => u64,
          i8 => i64, i16 => i64, i32 => i64, i64 => i64);

crate::vectorized! {
    /// The exact (wrapping) sum of integers, in lanes.
    pub(crate) fn sum_int[E: WideInt][E](x: &[E]) -> E::Wide {
        let mut acc = [<E::Wide as Num>::ZERO; LANES];
        let chunks = x.chunks_exact(LANES);
        let tail = chunks.remainder();
        for c in chunks {
            for k in 0..LANES {
                acc[k] = E::wrapping_add(acc[k], c[k].widen());
            }
        }
        for (k, &v) in tail.iter().enumerate() {
            acc[k] = E::wrapping_add(acc[k], v.widen());
        }
        acc.iter()
            .fold(<E::Wide as Num>::ZERO, |a, &b| E::wrapping_add(a, b))
    }
}

crate::vectorized! {
    /// `acc[i] += row[i]`, widened, wrapping.
    pub(crate) fn add_row_int[E: WideInt][E](acc: &mut [E::Wide], row: &[E]) {
        for (a, &x) in acc.iter_mut().zip(row) {
            *a = E::wrapping_add(*a, x.widen());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_adds_every_leaf_once() {
        for n in [0, 1, 2, 3, 5, 8, 13, 64, 100] {
            let got = pairwise(n, |i| (i + 1) as f64);
            assert_eq!(got, (n * (n + 1) / 2) as f64, "{n} leaves");
        }
    }

    #[test]
    fn sums_of_every_length_around_the_lanes_and_leaves() {
        for n in [0, 1, 15, 16, 17, LEAF - 1, LEAF, LEAF + 1, 3 * LEAF + 7] {
            let x: Vec<f32> = (0..n).map(|i| (i % 7) as f32 - 3.0).collect();
            let want: f64 = x.iter().map(|&v| v as f64).sum();
            assert_eq!(sum(&x), want, "length {n}");
            let u: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            let want: u64 = u.iter().map(|&v| v as u64).sum();
            assert_eq!(sum_int(&u), want, "length {n}");
        }
    }
}
