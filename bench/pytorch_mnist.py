#!/usr/bin/env python3
"""PyTorch peer of shaped's mnist_static example.

Chollet's MNIST network (Deep Learning with Python, ch. 2):
    784 -> Dense(512, relu) -> Dense(10, softmax)
(or, with --net, wider and deeper relu MLPs: 2x1024, 2x2048, 3x512 hidden)
    loss: categorical crossentropy (computed the fast PyTorch way: cross_entropy
          on the logits = log_softmax + nll_loss, mean over the batch)
    optimizer: RMSprop with Keras's hyper-parameters (lr 1e-3, rho/alpha 0.9,
          eps 1e-7; note PyTorch adds eps outside the sqrt, Keras inside)
    init: glorot-uniform kernels, zero biases (Keras Dense defaults)
    5 epochs, batch 128, reshuffled every epoch, last partial batch kept
    (469 steps per epoch, like Keras's model.fit).

Reads the gzipped IDX files from --data DIR; images are float32/255, flattened.
Only the training loop is timed (data is already in memory as tensors).

The last two lines of output are always:
    fit_seconds: <float>
    test_acc: <float, 4 decimals>
"""

import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError("%s: expected %d values, found %d" % (path, int(np.prod(dims)), arr.size))
    return arr.reshape(dims)


def load_mnist(data_dir):
    def images(name):
        x = read_idx(os.path.join(data_dir, name))
        x = x.reshape(x.shape[0], -1).astype(np.float32)
        x /= np.float32(255.0)  # in place: no second full-size temporary
        return torch.from_numpy(x)

    def labels(name):
        return torch.from_numpy(read_idx(os.path.join(data_dir, name)).astype(np.int64))

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


# Hidden layer widths of each --net (all relu, then Linear 10): the same
# networks as shaped's mnist_static (chapter) and mlp_bench (the others).
NETS = {"chapter": [512], "2x1024": [1024, 1024], "2x2048": [2048, 2048], "3x512": [512, 512, 512]}


class Net(torch.nn.Module):
    def __init__(self, hidden=(512,)):
        super().__init__()
        widths = [784] + list(hidden)
        self.hidden = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.out = torch.nn.Linear(widths[-1], 10)
        for layer in list(self.hidden) + [self.out]:
            torch.nn.init.xavier_uniform_(layer.weight)  # = Keras glorot_uniform
            torch.nn.init.zeros_(layer.bias)

    def forward(self, x):
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.out(x)  # logits; softmax is folded into the loss


def fit(model, opt, x_train, y_train, args, gen):
    """Keras's fit on the CPU: `args.epochs` passes over the data, reshuffled
    each epoch by `gen`, in batches of `args.batch_size` (the last one
    partial), categorical crossentropy on the logits; prints each epoch's
    loss and accuracy unless `args.quiet`. Returns the wall seconds of the
    loop alone (the peers of both shaped examples time this)."""
    n = x_train.shape[0]
    bs = args.batch_size
    t0 = time.perf_counter()
    c0 = time.process_time()
    model.train()
    for epoch in range(args.epochs):
        perm = torch.randperm(n, generator=gen)
        # Running loss/accuracy like Keras's fit(metrics=["accuracy"]); always
        # tracked so that --quiet does not change what is timed.
        loss_sum = torch.zeros((), dtype=torch.float64)
        correct = torch.zeros((), dtype=torch.int64)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]  # gather each batch (like a DataLoader); no shuffled copy of the data set
            xb, yb = x_train[idx], y_train[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum += loss * xb.shape[0]
                correct += (logits.argmax(1) == yb).sum()
        if not args.quiet:
            print("epoch %d/%d  loss %.4f  acc %.4f  (%.2f s elapsed, %.2f s CPU)" % (
                epoch + 1, args.epochs, float(loss_sum) / n, int(correct) / n,
                time.perf_counter() - t0, time.process_time() - c0), flush=True)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="directory with the four gzipped MNIST IDX files")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None,
                    help="torch.set_num_threads(N); default: PyTorch's own default (= number of cores)")
    ap.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True)")
    ap.add_argument("--quiet", action="store_true", help="print only the fit_seconds/test_acc lines")
    ap.add_argument("--net", choices=sorted(NETS), default="chapter",
                    help="hidden layers: chapter = 512 (the default), 2x1024, 2x2048, 3x512")
    args = ap.parse_args()

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.flush_denormal and not torch.set_flush_denormal(True):
        print("warning: flush-denormal not supported on this CPU", file=sys.stderr)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    x_train, y_train, x_test, y_test = load_mnist(args.data)
    if not args.quiet:
        print("torch %s, threads %d, flush_denormal %s, train %s, test %s" % (
            torch.__version__, torch.get_num_threads(), args.flush_denormal,
            tuple(x_train.shape), tuple(x_test.shape)))

    model = Net(NETS[args.net])
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)

    fit_seconds = fit(model, opt, x_train, y_train, args, gen)

    model.eval()
    with torch.no_grad():
        pred = model(x_test).argmax(1)
    test_acc = float((pred == y_test).double().mean())

    print("fit_seconds: %.6f" % fit_seconds)
    print("test_acc: %.4f" % test_acc, flush=True)


if __name__ == "__main__":
    main()
