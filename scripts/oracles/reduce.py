"""Oracle fixtures for reductions (MLX is the reference; numpy only builds inputs)."""
import numpy as np
import mlx.core as mx

from common import encode as encode_raw, write


def encode(a):
    e = encode_raw(a)
    e["shape"] = list(a.shape)  # common.encode turns 0-d into shape [1]
    return e

rng = np.random.default_rng(7)
DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64", "complex64"]
OPS = ["sum", "prod", "mean", "max", "min", "all", "any", "var", "std", "logsumexp", "softmax", "argmax", "argmin"]


def make(shape, dt):
    if dt == "bool":
        return mx.array(rng.random(shape) > 0.5)
    if dt.startswith("uint"):
        return mx.array(rng.integers(0, 5, shape).astype(dt))
    if dt.startswith("int"):
        return mx.array(rng.integers(-4, 5, shape).astype(dt))
    if dt == "complex64":
        return mx.array((rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64))
    x = mx.array(rng.standard_normal(shape).astype(np.float32))
    return x.astype(getattr(mx, dt))


def view(x, v):
    if v is None:
        return x
    if v["kind"] == "transpose":
        return mx.transpose(x, v["perm"])
    idx = tuple(slice(None, None, -1) if i == v["axis"] else slice(None) for i in range(x.ndim))
    return x[idx]


def call(op, x, axis, keepdims, ddof):
    if op in ("argmax", "argmin"):
        return getattr(mx, op)(x, axis=axis, keepdims=keepdims)
    if op == "softmax":
        return mx.softmax(x, axis=axis)
    if op in ("var", "std"):
        return getattr(mx, op)(x, axis=axis, keepdims=keepdims, ddof=ddof)
    return getattr(mx, op)(x, axis=axis, keepdims=keepdims)


cases = []
for i in range(260):
    op = OPS[i % len(OPS)]
    dt = DTYPES[rng.integers(len(DTYPES))]
    # MLX's logsumexp subtracts the max in unsigned types (wraps to inf); we don't copy that bug.
    if op == "logsumexp" and dt.startswith("uint"):
        dt = "int32"
    if op in ("logsumexp", "softmax") and dt == "complex64":
        dt = "float32"
    if op == "prod" and dt in ("float16", "bfloat16"):
        dt = "float32"
    nd = int(rng.integers(0, 5))
    shape = [int(rng.integers(1, 5)) for _ in range(nd)]
    x = make(shape, dt)
    v = None
    r = rng.random()
    if nd >= 2 and r < 0.3:
        v = {"kind": "transpose", "perm": [int(p) for p in rng.permutation(nd)]}
    elif nd >= 1 and r < 0.5:
        v = {"kind": "reverse", "axis": int(rng.integers(nd))}
    xv = view(x, v)
    if op in ("argmax", "argmin"):
        axis = None if nd == 0 or rng.random() < 0.3 else int(rng.integers(-nd, nd))
    elif nd == 0 or rng.random() < 0.25:
        axis = None
    else:
        k = int(rng.integers(1, nd + 1))
        axes = [int(a) for a in rng.choice(nd, k, replace=False)]
        axes = [a - nd if rng.random() < 0.3 else a for a in axes]
        axis = axes[0] if k == 1 and rng.random() < 0.5 else axes
    keepdims = bool(rng.random() < 0.4)
    ddof = int(rng.integers(0, 3))
    try:
        out = call(op, xv, axis, keepdims, ddof)
        mx.eval(out)
    except ValueError as e:  # MLX bug on some inputs; skip those
        print("skip", op, dt, shape, axis, v, e)
        continue
    cases.append({"name": f"{op}_{dt}_{i}", "op": op, "args": {"axis": axis, "keepdims": keepdims, "ddof": ddof, "view": v},
                  "inputs": [encode(x)], "expected": encode(out)})

# Larger inputs that take the threaded and vectorised paths.
for op, shape, axis in [("sum", [300, 257], None), ("sum", [300, 257], 0), ("sum", [300, 257], 1), ("mean", [70, 40, 30], [0, 2]),
                        ("max", [300, 257], 1), ("min", [257, 300], 0), ("var", [200, 400], 1), ("argmax", [300, 257], 0),
                        ("argmin", [300, 257], 1), ("softmax", [8, 1025], -1), ("logsumexp", [64, 1025], -1),
                        ("softmax", [10, 12, 8], [0, 2]), ("logsumexp", [40, 30, 20], [0, 1])]:
    # Inputs from a formula the test recomputes (keeps the fixture small).
    n = int(np.prod(shape))
    x = mx.array((((np.arange(n, dtype=np.int64) * 7919) % 1000) / 1000.0 - 0.5).astype(np.float32).reshape(shape))
    out = call(op, x, axis, False, 0)
    cases.append({"name": f"big_{op}_{shape}_{axis}", "op": op, "args": {"axis": axis, "keepdims": False, "ddof": 0, "view": None},
                  "formula": shape, "inputs": [], "expected": encode(out)})

# NaN / inf handling.
nan, inf = float("nan"), float("inf")
special = [("max", [1.0, nan, 3.0]), ("min", [nan, 1.0, 3.0]), ("argmax", [1.0, nan, 3.0, nan]), ("argmin", [1.0, 0.5, nan]),
           ("argmax", [3.0, 1.0, 3.0]), ("logsumexp", [-inf, -inf]), ("logsumexp", [inf, 1.0]), ("logsumexp", [inf, -inf]),
           ("logsumexp", [nan, 1.0]), ("logsumexp", [-0.0]), ("logsumexp", [1000.0, 1000.0]), ("softmax", [1000.0, 0.0, -1000.0]),
           ("softmax", [-inf, 0.0]), ("softmax", [nan, 1.0]), ("sum", [inf, -inf]), ("all", [nan, 1.0]), ("any", [0.0, -0.0])]
for i, (op, vals) in enumerate(special):
    x = mx.array(np.array(vals, dtype=np.float32))
    out = call(op, x, None, False, 0)
    cases.append({"name": f"special_{op}_{i}", "op": op, "args": {"axis": None, "keepdims": False, "ddof": 0, "view": None},
                  "inputs": [encode(x)], "expected": encode(out)})

# Empty arrays.
for op, axis in [("sum", None), ("sum", 0), ("prod", 0), ("mean", None), ("mean", 0), ("all", 0), ("any", None), ("max", 1),
                 ("var", 0), ("std", None), ("softmax", None), ("sum", 1)]:
    x = mx.zeros((0, 3))
    out = call(op, x, axis, False, 0)
    cases.append({"name": f"empty_{op}_{axis}", "op": op, "args": {"axis": axis, "keepdims": False, "ddof": 0, "view": None},
                  "inputs": [encode(x)], "expected": encode(out)})

write("reduce", cases)
