#!/usr/bin/env python3
"""PyTorch peer of shaped's mnist_conv example.

The convnet of Deep Learning with Python (ch. 5), on the CPU:
    input (N, 28, 28, 1) channels-last, float32/255, permuted to NCHW
    Conv2d(1, 32, 3) + ReLU    -> (26, 26, 32)
    MaxPool2d(2)               -> (13, 13, 32)
    Conv2d(32, 64, 3) + ReLU   -> (11, 11, 64)
    MaxPool2d(2)               -> (5, 5, 64)
    Conv2d(64, 64, 3) + ReLU   -> (3, 3, 64)
    Flatten (in Keras's HWC order: permuted back to NHWC first) -> 576
    Linear(576, 64) + ReLU
    Linear(64, 10)             (softmax folded into the loss)
    93,322 parameters, as Keras's summary.
    loss: categorical crossentropy, as F.cross_entropy on the logits
    optimizer: RMSprop with Keras's hyper-parameters (lr 1e-3, alpha 0.9, eps 1e-7)
    init: glorot-uniform kernels with Keras's fans (fan_in = K*K*C_in,
          fan_out = K*K*C_out; torch's xavier_uniform_ computes the same for
          a (C_out, C_in, K, K) weight), zero biases
    5 epochs, batch 64, reshuffled every epoch, last partial batch kept
    (938 steps per epoch, like Keras's model.fit).

Reads the gzipped IDX files from --data DIR. Only the training loop is timed
(the data is already in memory as tensors). --limit N trains on the first N
training images only (for quick runs); the test set is always the whole one.

The last two lines of output are always:
    fit_seconds: <float>
    test_acc: <float, 4 decimals>
"""

import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_mnist import fit, read_idx  # noqa: E402  (the one IDX reader and fit loop of bench/)


def load_mnist(data_dir):
    """Images as (N, 28, 28, 1) float32 in [0, 1] (channels-last, like Keras), labels as int64."""

    def images(name):
        x = read_idx(os.path.join(data_dir, name))
        x = x.reshape(x.shape[0], 28, 28, 1).astype(np.float32)
        x /= np.float32(255.0)  # in place: no second full-size temporary
        return torch.from_numpy(x)

    def labels(name):
        return torch.from_numpy(read_idx(os.path.join(data_dir, name)).astype(np.int64))

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def glorot_uniform_(weight):
    """Keras's glorot_uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)).

    For a conv kernel Keras's fans are K*K*C_in and K*K*C_out (the receptive
    field times the channels); for a (C_out, C_in, K, K) torch weight that is
    what xavier_uniform_ computes too. Spelled out here so that it is visible.
    """
    if weight.dim() == 4:
        c_out, c_in, kh, kw = weight.shape
        fan_in, fan_out = c_in * kh * kw, c_out * kh * kw
    else:
        fan_out, fan_in = weight.shape
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        weight.uniform_(-limit, limit)


class Convnet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3)
        self.conv2 = torch.nn.Conv2d(32, 64, 3)
        self.conv3 = torch.nn.Conv2d(64, 64, 3)
        self.fc1 = torch.nn.Linear(576, 64)
        self.fc2 = torch.nn.Linear(64, 10)
        for layer in (self.conv1, self.conv2, self.conv3, self.fc1, self.fc2):
            glorot_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)

    def forward(self, x_nhwc):
        x = x_nhwc.permute(0, 3, 1, 2)  # (N, 28, 28, 1) -> (N, 1, 28, 28)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.conv3(x))
        # Keras flattens (H, W, C): permute back to channels-last first, so
        # that fc1's weight rows mean the same as in shaped and Keras.
        x = torch.flatten(x.permute(0, 2, 3, 1), 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)  # logits; softmax is folded into the loss


def at_least_one(s):
    n = int(s)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="directory with the four gzipped MNIST IDX files")
    ap.add_argument("--epochs", type=at_least_one, default=5)
    ap.add_argument("--batch-size", type=at_least_one, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=at_least_one, default=None,
                    help="train on the first N training images only (quick runs)")
    ap.add_argument("--threads", type=at_least_one, default=None,
                    help="torch.set_num_threads(N); default: PyTorch's own default (= number of cores)")
    ap.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True)")
    ap.add_argument("--quiet", action="store_true", help="print only the fit_seconds/test_acc lines")
    args = ap.parse_args()

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.flush_denormal and not torch.set_flush_denormal(True):
        print("warning: flush-denormal not supported on this CPU", file=sys.stderr)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    x_train, y_train, x_test, y_test = load_mnist(args.data)
    if args.limit is not None:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]

    model = Convnet()
    if not args.quiet:
        params = sum(p.numel() for p in model.parameters())
        print("torch %s, threads %d, flush_denormal %s, train %s, test %s, %d params" % (
            torch.__version__, torch.get_num_threads(), args.flush_denormal,
            tuple(x_train.shape), tuple(x_test.shape), params))
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)

    fit_seconds = fit(model, opt, x_train, y_train, args, gen)

    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x_test.shape[0], 1000):
            correct += int((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum())
    test_acc = correct / x_test.shape[0]

    print("fit_seconds: %.6f" % fit_seconds)
    print("test_acc: %.4f" % test_acc, flush=True)


if __name__ == "__main__":
    main()
