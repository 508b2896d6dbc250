#!/usr/bin/env python3
"""Reference trajectories of real Keras 3 / PyTorch optimizers for shaped's tests.

Runs the optimizers shipped in the installed `keras` (Keras 3, torch backend)
and `torch` packages on a fixed 6-element float32 parameter vector with a
fixed sequence of 6 gradients, and writes the parameter vector after every
step to optimizers.json (next to this script unless --out is given).

No update rule is re-implemented to produce the values.  A float64 re-statement
of each documented formula is evaluated only as a *check* that the "formula"
text recorded in the JSON really describes what the library did; its largest
deviation is stored as "formula_check_max_abs_diff".

Regenerate (from the repository root):

    pip install torch keras numpy
    KERAS_BACKEND=torch python3 nn/tests/reference/optimizers.py

Inputs:
    p0      = [0.5, -1.25, 2.0, 0.0, 0.003, -0.7]                (float32)
    g_t[i]  = 0.1*(i+1)*sin(0.7*(t+1) + i), t = 0..5  (computed in float64,
              rounded to float32), except g_t[3] = 0.0 exactly.
"""

import argparse
import json
import math
import os
import platform
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
if os.environ["KERAS_BACKEND"] != "torch":
    sys.exit("optimizers.py: run with KERAS_BACKEND=torch (got %r)" % os.environ["KERAS_BACKEND"])

import numpy as np  # noqa: E402
import torch  # noqa: E402
import keras  # noqa: E402

P0 = [0.5, -1.25, 2.0, 0.0, 0.003, -0.7]
N_STEPS = 6
N = len(P0)
GRADIENT_FORMULA = "g_t[i] = 0.1*(i+1)*sin(0.7*(t+1) + i) for t in 0..5, i in 0..5, except g_t[3] = 0.0; evaluated in float64 then rounded to float32"


def make_gradients():
    gs = []
    for t in range(N_STEPS):
        g = [0.1 * (i + 1) * math.sin(0.7 * (t + 1) + i) for i in range(N)]
        g[3] = 0.0
        gs.append(np.asarray(g, dtype=np.float64).astype(np.float32))
    return gs


def f32_list(a):
    """float32 array -> list of Python floats (repr round-trips the float32 exactly)."""
    return [float(x) for x in np.asarray(a, dtype=np.float32).tolist()]


# --------------------------------------------------------------------------
# Source quotes.  Each quote is (path relative to the package root, [lines]);
# the lines are located in the *installed* file so the recorded line numbers
# are always those of the version that produced the numbers.
# --------------------------------------------------------------------------

KERAS_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(keras.__file__)))  # .../site-packages
TORCH_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(torch.__file__)))


def locate(root, rel, lines):
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as fh:
        src = [l.rstrip("\n") for l in fh]
    out = []
    start = 0
    for want in lines:
        found = None
        for k in range(start, len(src)):
            if src[k].strip() == want.strip():
                found = k
                break
        if found is None:  # fall back to anywhere in the file
            for k in range(len(src)):
                if src[k].strip() == want.strip():
                    found = k
                    break
        if found is None:
            print("WARNING: quoted line not found in %s: %r" % (rel, want), file=sys.stderr)
            out.append({"line": None, "text": want.strip()})
        else:
            out.append({"line": found + 1, "text": src[found].strip()})
            start = found + 1
    return {"file": rel, "lines": out}


WD_QUOTES = [
    ("keras/src/optimizers/base_optimizer.py", [
        "# Apply clipping and weight decay.",
        "grads = self._clip_gradients(grads)",
        "self._apply_weight_decay(trainable_variables)",
        "# Run update step.",
        "self._backend_update_step(",
    ]),
    ("keras/src/backend/torch/optimizers/torch_optimizer.py", [
        "def _apply_weight_decay(self, variables):",
        "torch._foreach_mul_(",
        "[v.value for v in variables if self._use_weight_decay(v)],",
        "1 - self.weight_decay * self._get_current_learning_rate(),",
    ]),
    ("keras/src/optimizers/base_optimizer.py", [
        "def _apply_weight_decay(self, variables):",
        "variable.assign(variable - variable * wd * lr)",
    ]),
]

SGD_QUOTES = [
    ("keras/src/backend/torch/optimizers/torch_sgd.py", [
        "torch._foreach_mul_(bufs, self.momentum)",
        "torch._foreach_add_(bufs, grads, alpha=-learning_rate)",
        "if self.nesterov:",
        "torch._foreach_add_(variables, grads, alpha=-learning_rate)",
        "torch._foreach_add_(variables, bufs, alpha=self.momentum)",
        "else:",
        "torch._foreach_add_(variables, bufs)",
        "else:",
        "torch._foreach_add_(variables, grads, alpha=-learning_rate)",
    ]),
    ("keras/src/optimizers/sgd.py", [
        "ops.multiply(m, momentum),",
        "ops.multiply(gradient, learning_rate),",
        "if self.nesterov:",
        "self.assign_add(",
        "ops.multiply(m, momentum),",
        "ops.multiply(gradient, learning_rate),",
        "self.assign_add(variable, m)",
        "self.assign_sub(variable, ops.multiply(gradient, learning_rate))",
    ]),
]

RMS_QUOTES = [
    ("keras/src/backend/torch/optimizers/torch_rmsprop.py", [
        "torch._foreach_mul_(velocities, rho)",
        "velocities, torch._foreach_mul(grads, grads), alpha=1 - rho",
        "denominators = torch._foreach_add(velocities, self.epsilon)",
        "if self.centered:",
        "torch._foreach_mul_(average_grads, rho)",
        "torch._foreach_add_(average_grads, grads, alpha=1 - rho)",
        "torch._foreach_mul(average_grads, average_grads),",
        "alpha=-1,",
        "torch._foreach_sqrt_(denominators)",
        "increments = torch._foreach_div(",
        "torch._foreach_mul(grads, lr), denominators",
        "torch._foreach_mul_(momentum_list, self.momentum)",
        "torch._foreach_add_(momentum_list, increments)",
        "torch._foreach_add_(variables, momentum_list, alpha=-1)",
        "torch._foreach_add_(variables, increments, alpha=-1)",
    ]),
    ("keras/src/optimizers/rmsprop.py", [
        "ops.multiply(rho, velocity),",
        "ops.multiply(1 - rho, ops.square(gradient)),",
        "ops.multiply(rho, average_grad),",
        "ops.multiply(1 - rho, gradient),",
        "denominator = velocity - ops.square(average_grad) + self.epsilon",
        "denominator = ops.add(velocity, self.epsilon)",
        "increment = ops.divide(",
        "ops.multiply(lr, gradient), ops.sqrt(denominator)",
        "ops.add(ops.multiply(self.momentum, momentum), increment),",
        "self.assign_sub(variable, momentum)",
        "self.assign_sub(variable, increment)",
    ]),
]

ADAM_QUOTES = [
    ("keras/src/backend/torch/optimizers/torch_adam.py", [
        "local_step = ops.cast(self.iterations + 1, dtype)",
        "beta_1_power = ops.power(ops.cast(self.beta_1, dtype), local_step)",
        "beta_2_power = ops.power(ops.cast(self.beta_2, dtype), local_step)",
        "alpha = lr * ops.sqrt(1 - beta_2_power) / (1 - beta_1_power)",
        "torch._foreach_mul_(m_list, self.beta_1)",
        "torch._foreach_add_(m_list, grads, alpha=1 - self.beta_1)",
        "torch._foreach_mul_(v_list, self.beta_2)",
        "v_list, torch._foreach_mul(grads, grads), alpha=1 - self.beta_2",
        "torch._foreach_mul(m_list, alpha),",
        "torch._foreach_add(torch._foreach_sqrt(v_list), self.epsilon),",
    ]),
    ("keras/src/optimizers/adam.py", [
        "alpha = lr * ops.sqrt(1 - beta_2_power) / (1 - beta_1_power)",
        "m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1)",
        "ops.subtract(ops.square(gradient), v), 1 - self.beta_2",
        "ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon)",
    ]),
]

TORCH_SGD_QUOTES = [("torch/optim/sgd.py", [
    "buf = grad.detach().clone()",
    "buf.mul_(momentum).add_(grad, alpha=1 - dampening)",
    "grad = grad.add(buf, alpha=momentum)",
    "param.add_(grad, alpha=-lr)",
])]
TORCH_RMS_QUOTES = [("torch/optim/rmsprop.py", [
    "square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)",
    "avg = square_avg.sqrt()",
    "avg = avg.add_(eps)",
    "param.addcdiv_(grad, avg, value=-lr)  # type: ignore[arg-type]",
])]
TORCH_ADAM_QUOTES = [("torch/optim/adam.py", [
    "exp_avg.lerp_(grad, 1 - device_beta1)",
    "exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)  # type: ignore[arg-type]",
    "bias_correction1 = 1 - beta1**step",
    "bias_correction2 = 1 - beta2**step",
    "step_size = lr / bias_correction1",
    "bias_correction2_sqrt = bias_correction2**0.5",
    "denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)",
    "param.addcdiv_(exp_avg, denom, value=-step_size)  # type: ignore[arg-type]",
])]

SGD_TEXT = (
    "Keras SGD (velocity form; state m starts at 0; lr is multiplied INTO the velocity):\n"
    "  momentum == 0:  p <- p - lr*g\n"
    "  momentum  > 0:  m <- momentum*m - lr*g\n"
    "                  nesterov=False: p <- p + m\n"
    "                  nesterov=True:  p <- p + momentum*m - lr*g   (uses the NEW m)\n"
    "  (for a constant lr this equals PyTorch's b <- momentum*b + g; p <- p - lr*b, and the nesterov variant p <- p - lr*(g + momentum*b))"
)
WD_TEXT = (
    "Keras weight_decay is DECOUPLED and applied BEFORE the gradient step, to every trainable variable "
    "(even where the gradient is 0), not added to the gradient:\n"
    "  p <- p * (1 - weight_decay*lr)      (torch backend: torch._foreach_mul_ by the float32 scalar 1 - wd*lr)\n"
    "  then the optimizer's normal update with the UNCHANGED gradient g (for SGD: p <- p - lr*g)."
)
RMS_TEXT = (
    "Keras RMSprop (state v, mg, mom start at 0; epsilon is added INSIDE the square root):\n"
    "  v <- rho*v + (1-rho)*g^2\n"
    "  centered=False: denom = v + epsilon\n"
    "  centered=True:  mg <- rho*mg + (1-rho)*g;  denom = v - mg^2 + epsilon\n"
    "  inc = lr*g / sqrt(denom)\n"
    "  momentum == 0: p <- p - inc\n"
    "  momentum  > 0: mom <- momentum*mom + inc;  p <- p - mom   (lr is inside the momentum buffer)\n"
    "  (PyTorch RMSprop instead uses g / (sqrt(v) + eps), and lr*buf outside the buffer.)"
)
ADAM_TEXT = (
    "Keras Adam (state m, v start at 0; t = iterations+1 computed in float32; "
    "epsilon is added to sqrt(v) WITHOUT bias correction, i.e. the 'epsilon hat' form of Kingma & Ba sec. 2):\n"
    "  alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)\n"
    "  m <- m + (g - m)*(1-beta_1)       (torch backend computes it as beta_1*m + (1-beta_1)*g)\n"
    "  v <- v + (g^2 - v)*(1-beta_2)     (torch backend: beta_2*v + (1-beta_2)*g^2)\n"
    "  p <- p - alpha*m / (sqrt(v) + epsilon)\n"
    "  (PyTorch: p <- p - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps); "
    "identical except that Keras's epsilon is effectively eps*sqrt(1-b2^t) in PyTorch terms; Keras default epsilon is 1e-7, PyTorch 1e-8.)"
)
TORCH_SGD_TEXT = (
    "PyTorch SGD (dampening 0): b <- g on the first step, else b <- momentum*b + g; "
    "nesterov: p <- p - lr*(g + momentum*b); else p <- p - lr*b"
)
TORCH_RMS_TEXT = (
    "PyTorch RMSprop: v <- alpha*v + (1-alpha)*g^2;  p <- p - lr * g / (sqrt(v) + eps)   "
    "(epsilon OUTSIDE the square root, unlike Keras)"
)
TORCH_ADAM_TEXT = (
    "PyTorch Adam: m <- lerp(m, g, 1-b1) = m + (1-b1)*(g-m); v <- b2*v + (1-b2)*g^2; "
    "p <- p - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)   (bias-corrected v, eps outside sqrt)"
)


def build_formula(text, quotes, root):
    located = [locate(root, rel, lines) for rel, lines in quotes]
    parts = [text, "Source (installed package; keras/src/backend/torch/optimizers/* is what runs under "
             "KERAS_BACKEND=torch, keras/src/optimizers/*.py is the generic update_step it overrides, same math):" if root == KERAS_ROOT
             else "Source (installed package):"]
    for q in located:
        for ln in q["lines"]:
            parts.append("  %s:%s: %s" % (q["file"], ln["line"], ln["text"]))
    return "\n".join(parts), located


# --------------------------------------------------------------------------
# float64 re-statements of the formulas, used ONLY to check the text above.
# --------------------------------------------------------------------------

def check_keras(kind, hp, gs):
    p = np.asarray(P0, dtype=np.float32).astype(np.float64)
    s1 = np.zeros(N)
    s2 = np.zeros(N)
    s3 = np.zeros(N)
    out = []
    for t, g32 in enumerate(gs):
        g = g32.astype(np.float64)
        lr = hp["learning_rate"]
        if hp.get("weight_decay"):
            p = p * (1 - hp["weight_decay"] * lr)
        if kind == "SGD":
            mu = hp["momentum"]
            if mu == 0:
                p = p - lr * g
            else:
                s1 = mu * s1 - lr * g
                p = p + (mu * s1 - lr * g if hp["nesterov"] else s1)
        elif kind == "RMSprop":
            rho, eps, mu = hp["rho"], hp["epsilon"], hp["momentum"]
            s1 = rho * s1 + (1 - rho) * g * g
            if hp["centered"]:
                s2 = rho * s2 + (1 - rho) * g
                den = s1 - s2 * s2 + eps
            else:
                den = s1 + eps
            inc = lr * g / np.sqrt(den)
            if mu > 0:
                s3 = mu * s3 + inc
                p = p - s3
            else:
                p = p - inc
        elif kind == "Adam":
            b1, b2, eps = hp["beta_1"], hp["beta_2"], hp["epsilon"]
            k = t + 1
            alpha = lr * math.sqrt(1 - b2 ** k) / (1 - b1 ** k)
            s1 = s1 + (g - s1) * (1 - b1)
            s2 = s2 + (g * g - s2) * (1 - b2)
            p = p - alpha * s1 / (np.sqrt(s2) + eps)
        out.append(p.copy())
    return out


def check_torch(kind, hp, gs):
    p = np.asarray(P0, dtype=np.float32).astype(np.float64)
    s1 = np.zeros(N)
    s2 = np.zeros(N)
    out = []
    for t, g32 in enumerate(gs):
        g = g32.astype(np.float64)
        lr = hp["lr"]
        if kind == "SGD":
            mu = hp["momentum"]
            s1 = g.copy() if t == 0 else mu * s1 + g
            p = p - lr * ((g + mu * s1) if hp["nesterov"] else s1)
        elif kind == "RMSprop":
            a, eps = hp["alpha"], hp["eps"]
            s1 = a * s1 + (1 - a) * g * g
            p = p - lr * g / (np.sqrt(s1) + eps)
        elif kind == "Adam":
            b1, b2 = hp["betas"]
            eps = hp["eps"]
            k = t + 1
            s1 = s1 + (1 - b1) * (g - s1)
            s2 = b2 * s2 + (1 - b2) * g * g
            p = p - lr / (1 - b1 ** k) * s1 / (np.sqrt(s2) / math.sqrt(1 - b2 ** k) + eps)
        out.append(p.copy())
    return out


def max_diff(traj, ref):
    return float(max(float(np.max(np.abs(np.asarray(a, dtype=np.float64) - b))) for a, b in zip(traj, ref)))


# --------------------------------------------------------------------------
# Running the real optimizers.
# --------------------------------------------------------------------------

KERAS_HP_KEYS = {
    "SGD": ["learning_rate", "momentum", "nesterov", "weight_decay"],
    "RMSprop": ["learning_rate", "rho", "momentum", "epsilon", "centered", "weight_decay"],
    "Adam": ["learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad", "weight_decay"],
}


def run_keras(kind, kwargs, gs):
    cls = getattr(keras.optimizers, kind)
    opt = cls(**kwargs)
    var = keras.Variable(np.asarray(P0, dtype=np.float32), dtype="float32", name="p")
    traj = []
    for g in gs:
        grad = keras.ops.convert_to_tensor(g, dtype="float32")
        opt.apply([grad], [var])
        v = keras.ops.convert_to_numpy(var.value)
        assert v.dtype == np.float32
        traj.append(v.copy())
    cfg = opt.get_config()
    hp = {k: cfg[k] for k in KERAS_HP_KEYS[kind]}
    return traj, hp, cfg, type(opt)


TORCH_HP_KEYS = {
    "SGD": ["lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize", "foreach"],
    "RMSprop": ["lr", "alpha", "eps", "momentum", "centered", "weight_decay", "maximize", "foreach"],
    "Adam": ["lr", "betas", "eps", "amsgrad", "weight_decay", "maximize", "foreach", "fused"],
}


def run_torch(kind, kwargs, gs):
    p = torch.nn.Parameter(torch.tensor(P0, dtype=torch.float32))
    cls = getattr(torch.optim, kind)
    # foreach=False pins the single-tensor (for-loop) implementation, which is
    # also PyTorch's default on CPU.
    opt = cls([p], foreach=False, **kwargs)
    traj = []
    for g in gs:
        p.grad = torch.from_numpy(g.copy())
        opt.step()
        traj.append(p.detach().numpy().copy())
    d = opt.param_groups[0]
    hp = {}
    for k in TORCH_HP_KEYS[kind]:
        v = d.get(k)
        if isinstance(v, torch.Tensor):
            v = v.item()
        if isinstance(v, tuple):
            v = list(v)
        hp[k] = v
    return traj, hp


KERAS_CONFIGS = [
    ("keras_sgd", "SGD", dict(learning_rate=0.1), SGD_TEXT, SGD_QUOTES),
    ("keras_sgd_momentum", "SGD", dict(learning_rate=0.1, momentum=0.9), SGD_TEXT, SGD_QUOTES),
    ("keras_sgd_nesterov", "SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True), SGD_TEXT, SGD_QUOTES),
    ("keras_sgd_weight_decay", "SGD", dict(learning_rate=0.1, weight_decay=0.01),
     WD_TEXT + "\n" + SGD_TEXT, WD_QUOTES + SGD_QUOTES),
    ("keras_rmsprop_default", "RMSprop", dict(), RMS_TEXT, RMS_QUOTES),
    ("keras_rmsprop_lr0.01", "RMSprop", dict(learning_rate=0.01), RMS_TEXT, RMS_QUOTES),
    ("keras_rmsprop_momentum", "RMSprop", dict(learning_rate=0.01, momentum=0.9), RMS_TEXT, RMS_QUOTES),
    ("keras_rmsprop_centered", "RMSprop", dict(learning_rate=0.01, centered=True), RMS_TEXT, RMS_QUOTES),
    ("keras_adam_default", "Adam", dict(), ADAM_TEXT, ADAM_QUOTES),
    ("keras_adam_lr0.01", "Adam", dict(learning_rate=0.01), ADAM_TEXT, ADAM_QUOTES),
]

TORCH_CONFIGS = [
    ("torch_sgd_nesterov", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True), TORCH_SGD_TEXT, TORCH_SGD_QUOTES),
    ("torch_rmsprop", "RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-7), TORCH_RMS_TEXT, TORCH_RMS_QUOTES),
    ("torch_adam", "Adam", dict(lr=0.01), TORCH_ADAM_TEXT, TORCH_ADAM_QUOTES),
]


def kw_repr(kwargs):
    return ", ".join("%s=%r" % kv for kv in kwargs.items())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizers.json"))
    ap.add_argument("--tol", type=float, default=1e-6,
                    help="max allowed |library - float64 formula| (sanity check of the formula text)")
    args = ap.parse_args()

    torch.manual_seed(0)
    gs = make_gradients()
    configs = []
    failures = []

    for name, kind, kwargs, text, quotes in KERAS_CONFIGS:
        traj, hp, cfg, impl = run_keras(kind, kwargs, gs)
        formula, located = build_formula(text, quotes, KERAS_ROOT)
        diff = max_diff(traj, check_keras(kind, hp, gs))
        if diff > args.tol:
            failures.append((name, diff))
        configs.append({
            "name": name,
            "library": "keras",
            "optimizer": kind,
            "call": "keras.optimizers.%s(%s)" % (kind, kw_repr(kwargs)),
            "implementation": "%s.%s" % (impl.__module__, impl.__qualname__),
            "hyperparameters": hp,
            "formula": formula,
            "source_quotes": located,
            "formula_check_max_abs_diff": diff,
            "params_after_step": [f32_list(v) for v in traj],
        })

    for name, kind, kwargs, text, quotes in TORCH_CONFIGS:
        traj, hp = run_torch(kind, kwargs, gs)
        formula, located = build_formula(text, quotes, TORCH_ROOT)
        diff = max_diff(traj, check_torch(kind, hp, gs))
        if diff > args.tol:
            failures.append((name, diff))
        configs.append({
            "name": name,
            "library": "torch",
            "optimizer": kind,
            "call": "torch.optim.%s(params, foreach=False, %s)" % (kind, kw_repr(kwargs)),
            "implementation": "torch.optim.%s (single-tensor for-loop path)" % kind,
            "hyperparameters": hp,
            "formula": formula,
            "source_quotes": located,
            "formula_check_max_abs_diff": diff,
            "params_after_step": [f32_list(v) for v in traj],
        })

    doc = {
        "description": "Parameter trajectories of real Keras 3 (torch backend) and PyTorch optimizers. "
                       "params_after_step[t] is the float32 parameter vector after applying gradients[t] "
                       "(t = 0..num_steps-1), starting from initial_params. Floats are float32 values "
                       "printed as float64 reprs (exact round-trip to float32).",
        "generated_by": "nn/tests/reference/optimizers.py",
        "command": "KERAS_BACKEND=torch python3 nn/tests/reference/optimizers.py",
        "versions": {
            "keras": keras.__version__,
            "keras_backend": keras.backend.backend(),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "dtype": "float32",
        "num_steps": N_STEPS,
        "num_params": N,
        "initial_params": f32_list(np.asarray(P0, dtype=np.float32)),
        "gradient_formula": GRADIENT_FORMULA,
        "gradients": [f32_list(g) for g in gs],
        "configs": configs,
    }
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    print("wrote %s (%d configs; keras %s, torch %s)" % (args.out, len(configs), keras.__version__, torch.__version__))
    for c in configs:
        print("  %-24s formula check max |diff| = %.3g" % (c["name"], c["formula_check_max_abs_diff"]))
    if failures:
        sys.exit("formula check FAILED (the formula text does not match the library): %r" % failures)


if __name__ == "__main__":
    main()
