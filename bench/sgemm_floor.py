#!/usr/bin/env python3
"""The floor for the dense kernel: the sgemm rate of the BLAS that PyTorch (and numpy) link, at the
dense shapes of the kernel benchmark (`tensor-core/benches/kernels.rs`), on 1 thread and on all.

    python3 bench/sgemm_floor.py [--repeats 51]

Prints, per shape, the median GFLOP/s of `torch.mm` (into a preallocated output) and of numpy's
`@`, and which BLAS each uses; the best over shapes at the default threads is the floor that the
kernel benchmark compares with (pass it as SGEMM_FLOOR_GFLOPS).
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


def median_seconds(f, repeats):
    f()
    t = []
    for _ in range(repeats):
        s = time.perf_counter()
        f()
        t.append(time.perf_counter() - s)
    return statistics.median(t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=51)
    args = ap.parse_args()
    cfg = torch.__config__.show()
    blas = [l.strip() for l in cfg.splitlines() if "BLAS" in l or "MKL" in l or "LAPACK" in l]
    print("torch %s; %s" % (torch.__version__, "; ".join(blas) or "BLAS unknown"))
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        print("numpy %s; BLAS %s %s" % (np.__version__, info.get("name"), info.get("version")))
    except Exception:  # noqa: BLE001
        print("numpy %s" % np.__version__)
    default = torch.get_num_threads()
    best = 0.0
    print("%-26s %10s %10s %10s" % ("shape", "torch 1t", "torch %dt" % default, "numpy"))
    for name, m, k, n, ta, tb in SHAPES:
        a = torch.rand(k, m).t() if ta else torch.rand(m, k)
        b = torch.rand(n, k).t() if tb else torch.rand(k, n)
        out = torch.empty(m, n)
        flops = 2.0 * m * k * n
        rates = []
        for threads in (1, default):
            torch.set_num_threads(threads)
            rates.append(flops / median_seconds(lambda: torch.mm(a, b, out=out), args.repeats) / 1e9)
        torch.set_num_threads(default)
        an, bn = a.numpy(), b.numpy()
        on = np.empty((m, n), dtype=np.float32)
        rn = flops / median_seconds(lambda: np.matmul(an, bn, out=on), args.repeats) / 1e9
        best = max(best, rates[1], rn)
        print("%-26s %10.0f %10.0f %10.0f" % (name, rates[0], rates[1], rn), flush=True)
    print("floor (best at the default threads): %.0f GFLOP/s" % best)


if __name__ == "__main__":
    main()
