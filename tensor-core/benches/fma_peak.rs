//! The core's peak `f32` multiply-add rate: the ceiling of any dense
//! product on this machine, against which the kernel benchmark's GFLOP/s
//! (and a training run's FLOP count) can be read.
//!
//! `cargo bench -p shaped-core --bench fma_peak [-- THREADS]` runs
//! independent chains of fused multiply-adds on the widest vectors the CPU
//! has (AVX-512, else AVX2 + FMA), more accumulators than a multiply-add's
//! latency needs, on each of THREADS threads at once
//! (default 1), and prints the median over 5 runs of the GFLOP/s of each
//! thread and their sum. Nothing is loaded from memory: no product can go
//! faster than this.

use std::time::Instant;

/// Multiply-adds per chain and run.
const STEPS: u64 = 25_000_000;
/// Independent chains, enough to hide the latency of a multiply-add. With
/// 24 chains of 16 lanes the compiled loop kept a third of them on the
/// stack (seen in the disassembly) and measured 67 GFLOP/s here, against
/// 112 for 16, which stay in registers.
#[cfg(target_arch = "x86_64")]
const ZMM_CHAINS: usize = 16;
/// The same for AVX2's 16 registers, two of them the operands.
#[cfg(target_arch = "x86_64")]
const YMM_CHAINS: usize = 12;

/// GFLOP/s of one run on this thread.
fn run_once() -> f64 {
    let start = Instant::now();
    let (chains, lanes) = chains();
    let secs = start.elapsed().as_secs_f64();
    (STEPS * chains as u64 * lanes as u64 * 2) as f64 / secs / 1e9
}

#[cfg(target_arch = "x86_64")]
fn chains() -> (usize, usize) {
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx512f")]
    fn zmm() -> f32 {
        let mut acc = [_mm512_set1_ps(1e-3); ZMM_CHAINS];
        let (x, y) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
        for _ in 0..STEPS {
            for a in acc.iter_mut() {
                *a = _mm512_fmadd_ps(*a, x, y);
            }
        }
        acc.iter().map(|&a| _mm512_reduce_add_ps(a)).sum()
    }

    #[target_feature(enable = "avx2,fma")]
    fn ymm() -> f32 {
        let mut acc = [_mm256_set1_ps(1e-3); YMM_CHAINS];
        let (x, y) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
        for _ in 0..STEPS {
            for a in acc.iter_mut() {
                *a = _mm256_fmadd_ps(*a, x, y);
            }
        }
        let mut out = [0.0f32; 8];
        acc.iter()
            .map(|&a| {
                // SAFETY: `out` holds the 8 floats that the unaligned store writes.
                unsafe { _mm256_storeu_ps(out.as_mut_ptr(), a) };
                out.iter().sum::<f32>()
            })
            .sum()
    }

    if is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F (just detected).
        std::hint::black_box(unsafe { zmm() });
        (ZMM_CHAINS, 16)
    } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA (just detected).
        std::hint::black_box(unsafe { ymm() });
        (YMM_CHAINS, 8)
    } else {
        eprintln!("fma_peak: neither AVX-512 nor AVX2 + FMA: nothing to measure");
        std::process::exit(0);
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn chains() -> (usize, usize) {
    eprintln!("fma_peak: measures x86-64 vector units only");
    std::process::exit(0);
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; a number among the arguments is the
    // thread count.
    let threads: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1)
        .max(1);
    let mut per_thread = Vec::new();
    let mut totals = Vec::new();
    for _ in 0..5 {
        let rates: Vec<f64> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|_| s.spawn(run_once)).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        per_thread.extend(rates.iter().copied());
        totals.push(rates.iter().sum());
    }
    println!(
        "fma peak, {threads} thread(s): {:.1} GFLOP/s per thread, {:.1} GFLOP/s in all (medians of 5 runs)",
        median(per_thread),
        median(totals)
    );
}
