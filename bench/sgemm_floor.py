#!/usr/bin/env python3
"""The floor for the dense kernel: the sgemm rate of the BLAS that PyTorch (and numpy) link, at the
dense shapes of the kernel benchmark (`tensor-core/benches/kernels.rs`), on 1 thread and on all.

    python3 bench/sgemm_floor.py [--repeats 51]

Prints, per shape, the GFLOP/s of `torch.mm` (into a preallocated output) and of numpy's `@` at
the median time and, in brackets, at the fastest of the repeats (on a shared machine the fastest
is the nearer to what the BLAS can do), and which BLAS each uses; the best median over shapes is
the floor that the kernel benchmark compares with (pass it as SGEMM_FLOOR_GFLOPS). numpy runs on
its BLAS's default threads (set OPENBLAS_NUM_THREADS=1 before starting for one thread).
"""

import argparse
import statistics
import time

import numpy as np
import torch

# (name, m, k, n, a transposed, b transposed): the same list as the Rust benchmark's DENSE.
SHAPES = [
    ("mnist_xw_128x784x512", 128, 784, 512, False, False),
    ("mnist_xtd_784x128x512", 784, 128, 512, True, False),
    ("wide_xw_128x784x1024", 128, 784, 1024, False, False),
    ("wide_hw_128x1024x1024", 128, 1024, 1024, False, False),
    ("wide_htd_1024x128x1024", 1024, 128, 1024, True, False),
    ("wide_dwt_128x1024x1024", 128, 1024, 1024, False, True),
    ("b32_xw_32x784x512", 32, 784, 512, False, False),
    ("b32_xtd_784x32x512", 784, 32, 512, True, False),
    ("square_512", 512, 512, 512, False, False),
]


def seconds(f, repeats):
    """(median, fastest) seconds of `f` over `repeats` calls, after one warm-up call."""
    f()
    t = []
    for _ in range(repeats):
        s = time.perf_counter()
        f()
        t.append(time.perf_counter() - s)
    return statistics.median(t), min(t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=51)
    args = ap.parse_args()
    cfg = torch.__config__.show()
    # The library lines only (the build-settings line also names BLAS_INFO, at great length).
    blas = [l.strip(" -") for l in cfg.splitlines()
            if ("Math Kernel" in l or "OpenBLAS" in l or "BLIS" in l) and "Build settings" not in l]
    print("torch %s; %s" % (torch.__version__, "; ".join(blas) or "BLAS unknown"))
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        print("numpy %s; BLAS %s %s" % (np.__version__, info.get("name"), info.get("version")))
    except Exception:  # noqa: BLE001
        print("numpy %s" % np.__version__)
    default = torch.get_num_threads()
    best = 0.0
    print("%-26s %16s %16s %16s" % ("shape", "torch 1t", "torch %dt" % default, "numpy"))
    for name, m, k, n, ta, tb in SHAPES:
        a = torch.rand(k, m).t() if ta else torch.rand(m, k)
        b = torch.rand(n, k).t() if tb else torch.rand(k, n)
        out = torch.empty(m, n)
        flops = 2.0 * m * k * n
        rates = []
        for threads in (1, default):
            torch.set_num_threads(threads)
            rates.append(seconds(lambda: torch.mm(a, b, out=out), args.repeats))
        torch.set_num_threads(default)
        an, bn = a.numpy(), b.numpy()
        on = np.empty((m, n), dtype=np.float32)
        rates.append(seconds(lambda: np.matmul(an, bn, out=on), args.repeats))
        gf = [(flops / med / 1e9, flops / fast / 1e9) for med, fast in rates]
        best = max([best] + [g[0] for g in gf])
        print("%-26s" % name + "".join(" %7.0f [%6.0f]" % g for g in gf), flush=True)
    print("floor (best median rate over shapes and settings): %.0f GFLOP/s" % best)


if __name__ == "__main__":
    main()
