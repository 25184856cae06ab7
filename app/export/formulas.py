"""The lecture's formulas as exported code: each activation with its derivative, each loss with
its gradient, each optimizer's update, written as app/nn writes them (tests run every entry
against the registries, so the two cannot drift)."""

from __future__ import annotations

SIGMOID = '''def sigmoid(z):
    """1 / (1 + e^-z), computed from e^-|z| so it never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))'''

SOFTMAX = '''def softmax(z):
    """Row-wise e^z / sum(e^z), shifted by the row max so it never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)'''

GELU_HELPERS = """GELU_C = np.sqrt(2.0 / np.pi)


def gelu_tanh(z):
    zc = np.clip(z, -10.0, 10.0)  # tanh is exactly ±1 beyond |z| = 10
    return np.tanh(GELU_C * (zc + 0.044715 * zc**3))


def gelu_slope(z):
    t, zc = gelu_tanh(z), np.clip(z, -10.0, 10.0)
    return 0.5 * (1.0 + t) + 0.5 * zc * (1.0 - t**2) * GELU_C * (1.0 + 3 * 0.044715 * zc**2)"""

# name: (f(z), f'(z, a) where a = f(z), helper definitions it needs)
ACTIVATION_CODE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "linear": ("z", "np.ones_like(z)", ()),
    "sigmoid": ("sigmoid(z)", "a * (1.0 - a)", ("sigmoid",)),
    "tanh": ("np.tanh(z)", "1.0 - a**2", ()),
    "hardtanh": ("np.clip(z, -1.0, 1.0)", "((z > -1.0) & (z < 1.0)).astype(np.float64)", ()),
    "softsign": ("z / (1.0 + np.abs(z))", "(1.0 - np.abs(a)) ** 2", ()),
    "step": ("(z > 0).astype(np.float64)", "np.zeros_like(z)", ()),
    "softplus": ("np.logaddexp(0.0, z)", "sigmoid(z)", ("sigmoid",)),
    "relu": ("np.maximum(z, 0.0)", "(z > 0).astype(np.float64)", ()),
    "leaky_relu": ("np.where(z > 0, z, 0.01 * z)", "np.where(z > 0, 1.0, 0.01)", ()),
    "elu": (
        "np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))",
        "np.where(z > 0, 1.0, a + 1.0)",
        (),
    ),
    "gelu": ("0.5 * z * (1.0 + gelu_tanh(z))", "gelu_slope(z)", ("gelu",)),
    "silu": (
        "z * sigmoid(z)",
        "sigmoid(z) * (1.0 + z * (1.0 - sigmoid(z)))",
        ("sigmoid",),
    ),
}
HELPERS = {"sigmoid": SIGMOID, "softmax": SOFTMAX, "gelu": GELU_HELPERS}


def activation_functions(name: str) -> str:
    """`def NAME(z)` and `def NAME_derivative(z, a)` for one activation (not prelu: a layer)."""
    f, df, _ = ACTIVATION_CODE[name]
    return (
        f"def {name}(z):\n    return {f}\n\n\n"
        f"def {name}_derivative(z, a):\n"
        f'    """f\'(z), from a = f(z) where that is simpler."""\n'
        f"    return {df}"
    )


# task loss: (value(z, t), gradient dL/dz(z, t) holding the 1/n, helpers, targets(y))
LOSS_CODE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "logloss": (
        "np.mean(np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z))))",
        "(sigmoid(z) - t) / z.size",
        ("sigmoid",),
    ),
    "cross_entropy": (
        (
            "np.mean(z.max(axis=1) + np.log(np.exp(z - z.max(axis=1)[:, None]).sum(axis=1))"
            " - z[np.arange(len(t)), t])"
        ),
        "(softmax(z) - np.eye(z.shape[1])[t]) / len(t)",
        ("softmax",),
    ),
    "mse": ("np.mean((z - t) ** 2)", "2.0 * (z - t) / z.size", ()),
    "mae": ("np.mean(np.abs(z - t))", "np.sign(z - t) / z.size", ()),
    "huber": (
        ("np.mean(np.where(np.abs(z - t) <= 1.0, 0.5 * np.abs(z - t) ** 2, np.abs(z - t) - 0.5))"),
        "np.clip(z - t, -1.0, 1.0) / z.size",
        (),
    ),
}
LOSS_WORDS = {
    "logloss": "log loss on sigmoid(z): -mean(y log p + (1 - y) log(1 - p))",
    "cross_entropy": "cross-entropy on softmax(z): -mean(log p_y)",
    "mse": "mean squared error: mean((z - y)²)",
    "mae": "mean absolute error: mean(|z - y|)",
    "huber": "Huber loss (delta 1): d²/2 where d = |z - y| <= 1, else d - 1/2",
}
TARGETS = {
    "binary": "y.reshape(-1, 1).astype(np.float64)  # (n, 1): 0 or 1",
    "multiclass": "y  # (n,): class ids",
    "regression": "y.reshape(len(y), -1).astype(np.float64)  # (n, targets)",
}

MOMENTUM_BUFFER = """b = s.get("momentum_buffer")
if b is None:
    b = s["momentum_buffer"] = g.copy()  # the first step: b = g
else:
    b *= MOMENTUM
    b += g"""

# optimizer: (what its state holds per parameter, the update of one parameter p from g and s)
OPTIMIZER_CODE: dict[str, tuple[str, str]] = {
    "sgd": ("{}", "p -= LEARNING_RATE * g"),
    "momentum": ("{}", MOMENTUM_BUFFER + "\np -= LEARNING_RATE * b"),
    "nesterov": ("{}", MOMENTUM_BUFFER + "\np -= LEARNING_RATE * (g + MOMENTUM * b)"),
    "adagrad": (
        '{"step": 0, "sum": np.full_like(p, INITIAL_ACCUMULATOR_VALUE)}',
        """s["step"] += 1
s["sum"] += g * g
lr = LEARNING_RATE / (1.0 + (s["step"] - 1) * LR_DECAY)
p -= lr * g / (np.sqrt(s["sum"]) + EPS)""",
    ),
    "rmsprop": (
        '{"square_avg": np.zeros_like(p)}',
        """v = s["square_avg"]
v *= ALPHA
v += (1.0 - ALPHA) * g * g
p -= LEARNING_RATE * g / (np.sqrt(v) + EPS)""",
    ),
    "adam": (
        '{"step": 0, "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}',
        """s["step"] += 1
m, v, t = s["exp_avg"], s["exp_avg_sq"], s["step"]
m *= BETA1
m += (1.0 - BETA1) * g
v *= BETA2
v += (1.0 - BETA2) * g * g
denom = np.sqrt(v) / np.sqrt(1.0 - BETA2**t) + EPS
p -= LEARNING_RATE / (1.0 - BETA1**t) * m / denom""",
    ),
    "adamax": (
        '{"step": 0, "exp_avg": np.zeros_like(p), "exp_inf": np.zeros_like(p)}',
        """s["step"] += 1
m, u, t = s["exp_avg"], s["exp_inf"], s["step"]
m *= BETA1
m += (1.0 - BETA1) * g
np.maximum(u * BETA2, np.abs(g) + EPS, out=u)
p -= LEARNING_RATE / (1.0 - BETA1**t) * m / u""",
    ),
}
# torch.optim's attribute names (app/nn/optimizers.py) as the script's constants
HYPER_NAMES = {
    "momentum": "MOMENTUM",
    "lr_decay": "LR_DECAY",
    "eps": "EPS",
    "initial_accumulator_value": "INITIAL_ACCUMULATOR_VALUE",
    "alpha": "ALPHA",
}
