#!/usr/bin/env python3
"""Run shaped's mnist_static (or mnist_conv) example and the PyTorch peer alternately and compare.

For run i = 0..runs-1 it runs, in turn:
    shaped : <--shaped-cmd> --data DIR --seed S --quiet [--threads N] [--epochs E]
    pytorch: <--pytorch-cmd> --data DIR --seed S --quiet [--threads N] [--epochs E] [--flush-denormal]
with S = --seed + i. Both must print `fit_seconds: <float>` and `test_acc: <float>`.
The commands are run without a shell, from the repository root. Each child's peak RSS and CPU time
come from os.wait4's rusage. That rusage covers the child and any descendants it waited for, so
point --shaped-cmd at the built binary, not at `cargo run`.

Prints the machine info, one line per run, and a table of medians with the ratio shaped/pytorch.

--case NAME picks a benchmark case, which sets the commands and flags of both sides (the data
directory still comes from --data: point it at Fashion-MNIST for the fashion case):
    mnist          the chapter's network (the default)
    mnist-dense    the same, shaped with --dense-only (no sparse tiles)
    fashion        the chapter's network on Fashion-MNIST (about half the pixels non-zero)
    wide-2x1024    784 -> 1024 -> 1024 -> 10 relu MLP, 3 epochs (mlp_bench)
    wide-2x2048    784 -> 2048 -> 2048 -> 10, 1 epoch
    deep-3x512     784 -> 512 -> 512 -> 512 -> 10, 3 epochs
    b32            the chapter's network, batch 32, 1 epoch (per-step overhead)
    conv           the book's convnet (ch. 5): shaped's mnist_conv against bench/pytorch_conv.py,
                   5 epochs of batch 64 (--epochs E shortens both)
"""

import argparse
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SHAPED = "target/release/examples/mnist_static"
DEFAULT_PYTORCH = shlex.join([sys.executable, "bench/pytorch_mnist.py"])
MLP = "target/release/examples/mlp_bench"
CONV = "target/release/examples/mnist_conv"
PYTORCH_CONV = shlex.join([sys.executable, "bench/pytorch_conv.py"])

# case -> (shaped command or None for the default, extra args for both sides, extra args for
# shaped only, extra args for PyTorch only); PYTORCH_CASES: the PyTorch command of a case whose
# peer is not pytorch_mnist.py
PYTORCH_CASES = {"conv": PYTORCH_CONV}
CASES = {
    "mnist": (None, [], [], []),
    "mnist-dense": (None, [], ["--dense-only"], []),
    "fashion": (None, [], ["--dataset", "fashion"], []),
    "wide-2x1024": (MLP, ["--net", "2x1024", "--epochs", "3"], [], []),
    "wide-2x2048": (MLP, ["--net", "2x2048", "--epochs", "1"], [], []),
    "deep-3x512": (MLP, ["--net", "3x512", "--epochs", "3"], [], []),
    "b32": (None, ["--batch-size", "32", "--epochs", "1"], [], []),
    "conv": (CONV, [], [], []),
}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def torch_version(pytorch_cmd):
    """Version of the torch that the PyTorch side's interpreter imports."""
    argv = shlex.split(pytorch_cmd)
    python = argv[0] if "python" in os.path.basename(argv[0]) else sys.executable
    try:
        out = subprocess.run([python, "-c", "import torch; print(torch.__version__, torch.get_num_threads())"],
                             capture_output=True, text=True, timeout=120, cwd=REPO)
        v, n = out.stdout.split()
        return v, int(n)
    except Exception as e:  # noqa: BLE001
        return "unavailable (%s)" % e.__class__.__name__, None


def cpu_snapshot():
    """(total, idle) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:8]]
    return sum(f), f[3] + f[4]


def cpu_busy_fraction(interval=1.0):
    """Fraction of all CPU time that was busy over `interval` seconds."""
    t1, i1 = cpu_snapshot()
    time.sleep(interval)
    t2, i2 = cpu_snapshot()
    return 1.0 - (i2 - i1) / max(1, t2 - t1)


def wait_idle(threshold, timeout):
    """Wait (at most `timeout` s) until the machine is at most `threshold` busy; return the last reading."""
    deadline = time.time() + timeout
    busy = cpu_busy_fraction()
    while busy > threshold and time.time() < deadline:
        busy = cpu_busy_fraction(2.0)
    return busy


def run_one(argv, label):
    """Run argv from the repo root; return dict with fit_seconds, test_acc, peak_rss_mb, cpu_seconds, wall."""
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        s0 = cpu_snapshot()
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=REPO)
        except OSError as e:
            raise SystemExit("%s: cannot start %s: %s" % (label, shlex.join(argv), e))
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
        wall = time.perf_counter() - t0
        s1 = cpu_snapshot()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit("%s: %s exited with %d\n--- stdout ---\n%s\n--- stderr (tail) ---\n%s" % (
            label, shlex.join(argv), proc.returncode, stdout[-2000:], stderr[-4000:]))
    fit = re.findall(r"^fit_seconds:\s*([0-9.eE+-]+)\s*$", stdout, re.M)
    acc = re.findall(r"^test_acc:\s*([0-9.eE+-]+)\s*$", stdout, re.M)
    if not fit or not acc:
        raise SystemExit("%s: no fit_seconds:/test_acc: lines in the output of %s\n%s" % (
            label, shlex.join(argv), stdout[-2000:]))
    cpu = ru.ru_utime + ru.ru_stime
    # CPU time that OTHER processes used while the child ran, as a share of the machine:
    # (all busy CPU time over the run - the child's own) / (wall * nproc).
    busy_s = ((s1[0] - s0[0]) - (s1[1] - s0[1])) / os.sysconf("SC_CLK_TCK")
    others = max(0.0, busy_s - cpu) / (wall * (os.cpu_count() or 1))
    return {
        "fit_seconds": float(fit[-1]),
        "test_acc": float(acc[-1]),
        "peak_rss_mb": ru.ru_maxrss / 1024.0,  # Linux: KiB
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        "others_share": others,
    }


def fmt_ratio(a, b):
    return "%.2fx" % (a / b) if b else "n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="directory with the gzipped MNIST IDX files")
    ap.add_argument("--runs", type=int, default=3, help="runs of each side (default 3)")
    ap.add_argument("--seed", type=int, default=0, help="seed of run 0; run i uses seed+i on both sides")
    ap.add_argument("--threads", type=int, default=None, help="pass --threads N to both sides")
    ap.add_argument("--flush-denormal", action="store_true", help="pass --flush-denormal to the PyTorch side")
    ap.add_argument("--epochs", type=int, default=None, help="pass --epochs E to both sides (default: their own, 5)")
    ap.add_argument("--shaped-cmd", default=DEFAULT_SHAPED,
                    help="command for the shaped side, split like a shell would, run from the repo root "
                         "(default: %(default)s)")
    ap.add_argument("--baseline-cmd", default=None,
                    help="optional third side, run in turn with the other two and given the same flags as "
                         "shaped: another build of shaped (a before/after comparison in one session)")
    ap.add_argument("--pytorch-cmd", default=DEFAULT_PYTORCH,
                    help="command for the PyTorch side (default: %(default)s)")
    ap.add_argument("--wait-idle", type=float, default=None, metavar="FRACTION",
                    help="before each run, wait until the machine's CPUs are at most this busy "
                         "(e.g. 0.1), at most --idle-timeout seconds")
    ap.add_argument("--idle-timeout", type=float, default=300.0)
    ap.add_argument("--json", metavar="FILE", help="also write all per-run results to FILE")
    ap.add_argument("--case", choices=sorted(CASES), default="mnist",
                    help="the benchmark case (see above; default %(default)s)")
    args = ap.parse_args()
    case_cmd, case_both, case_shaped, case_torch = CASES[args.case]
    if case_cmd is not None and args.shaped_cmd == DEFAULT_SHAPED:
        args.shaped_cmd = case_cmd
    if args.case in PYTORCH_CASES and args.pytorch_cmd == DEFAULT_PYTORCH:
        args.pytorch_cmd = PYTORCH_CASES[args.case]

    common = ["--data", os.path.abspath(args.data)]
    extra = []
    if args.threads is not None:
        extra += ["--threads", str(args.threads)]
    if args.epochs is not None:
        extra += ["--epochs", str(args.epochs)]
    shaped_base = shlex.split(args.shaped_cmd) + case_both + case_shaped
    baseline_base = shlex.split(args.baseline_cmd) + case_both + case_shaped if args.baseline_cmd else None
    pytorch_base = shlex.split(args.pytorch_cmd) + case_both + case_torch
    if args.shaped_cmd in (DEFAULT_SHAPED, MLP, CONV) and not os.path.exists(os.path.join(REPO, args.shaped_cmd)):
        sys.exit("compare.py: %s not found; build it first: cargo build --release --example mnist_static "
                 "--example mlp_bench --example mnist_conv (or pass --shaped-cmd)" % args.shaped_cmd)

    tv, tthreads = torch_version(args.pytorch_cmd)
    print("machine : %s, nproc %d, %s %s" % (cpu_model(), os.cpu_count(), platform.system(), platform.release()))
    print("torch   : %s (default threads %s)%s" % (tv, tthreads, "  flush_denormal" if args.flush_denormal else ""))
    print("case    : %s" % args.case)
    print("threads : %s" % (args.threads if args.threads is not None else "each side's default"))
    print("shaped  : %s" % shlex.join(shaped_base + common + ["--seed", "S", "--quiet"] + extra))
    if baseline_base:
        print("baseline: %s" % shlex.join(baseline_base + common + ["--seed", "S", "--quiet"] + extra))
    print("pytorch : %s" % shlex.join(pytorch_base + common + ["--seed", "S", "--quiet"] + extra
                                       + (["--flush-denormal"] if args.flush_denormal else [])))
    print("load    : %s (1/5/15 min) at start" % " ".join("%.2f" % x for x in os.getloadavg()))
    print(flush=True)

    sides = (["baseline"] if baseline_base else []) + ["shaped", "pytorch"]
    bases = {"baseline": baseline_base, "shaped": shaped_base, "pytorch": pytorch_base}
    results = {side: [] for side in sides}
    print("%-4s %-8s %5s %12s %9s %10s %9s %7s" % ("run", "side", "seed", "fit_seconds", "test_acc",
                                                  "peakRSS_MB", "cpu_s", "others"))
    for i in range(args.runs):
        seed = args.seed + i
        for side in sides:
            argv = bases[side] + common + ["--seed", str(seed), "--quiet"] + extra
            if side == "pytorch" and args.flush_denormal:
                argv.append("--flush-denormal")
            busy = wait_idle(args.wait_idle, args.idle_timeout) if args.wait_idle is not None else None
            r = run_one(argv, side)
            r.update(seed=seed, busy_before=busy)
            results[side].append(r)
            print("%-4d %-8s %5d %12.3f %9.4f %10.1f %9.1f %6.0f%%" % (
                i, side, seed, r["fit_seconds"], r["test_acc"], r["peak_rss_mb"], r["cpu_seconds"],
                100 * r["others_share"]), flush=True)

    med = {s: {k: statistics.median(r[k] for r in rs) for k in ("fit_seconds", "test_acc", "peak_rss_mb", "cpu_seconds")}
           for s, rs in results.items()}
    print()
    print("medians over %d runs each" % args.runs)
    if baseline_base:
        print("%-16s %12s %12s %12s %14s %16s" % ("metric", "baseline", "shaped", "pytorch", "shaped/pytorch",
                                                  "baseline/pytorch"))
    else:
        print("%-16s %12s %12s %14s" % ("metric", "shaped", "pytorch", "shaped/pytorch"))
    for k, f in (("fit_seconds", "%12.3f"), ("test_acc", "%12.4f"), ("peak_rss_mb", "%12.1f"), ("cpu_seconds", "%12.1f")):
        a, b = med["shaped"][k], med["pytorch"][k]
        if baseline_base:
            z = med["baseline"][k]
            print("%-16s %s %s %s %14s %16s" % (k, f % z, f % a, f % b, fmt_ratio(a, b), fmt_ratio(z, b)))
        else:
            print("%-16s %s %s %14s" % (k, f % a, f % b, fmt_ratio(a, b)))
    worst = max(r["others_share"] for rs in results.values() for r in rs)
    print("(others = share of the machine's CPU time used by OTHER processes while the run went on; "
          "worst %.0f%%.%s)" % (100 * worst, "  WARNING: the machine was not quiet, timings are inflated."
                                if worst > 0.10 else ""))

    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "cpu": cpu_model(), "nproc": os.cpu_count(), "torch": tv,
                       "runs": results, "medians": med}, fh, indent=1)


if __name__ == "__main__":
    main()
