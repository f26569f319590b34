"""Oracle for binary/ternary elementwise ops (packages/core/test/binary.test.ts).

(a) promotion: add, equal and bitwise_and for every pair of the 14 dtypes;
(b) every op on random shapes with broadcasting, transposed / stepped / reversed / broadcast views,
    empty arrays and edge values (0 divisors, nan, inf);
(c) weak typing of JS-number operands.
Inputs are stored contiguous; `views` tells the test how to turn each into the view MLX used.
"""
import numpy as np
import mlx.core as mx

from common import encode as encode_raw, write


def encode(a):
    e = encode_raw(a)
    e["shape"] = list(a.shape)  # np.ascontiguousarray turns 0-d arrays into shape [1]
    return e

rng = np.random.default_rng(7)
DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64", "complex64"]
MXD = {n: getattr(mx, "bool_" if n == "bool" else n) for n in DTYPES}
INTS = ["uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
cases = []


def mk(vals, dt):
    return mx.array(np.array(vals, dtype=np.float64), dtype=MXD[dt]) if dt != "complex64" else \
        mx.array(np.array(vals, dtype=np.complex64))


def run(fn, *args, **kw):
    try:
        out = fn(*args, **kw)
        return [encode(o) for o in out] if isinstance(out, (list, tuple)) else encode(out)
    except Exception as e:  # noqa: BLE001
        return {"error": type(e).__name__}


# ---- (a) promotion over every dtype pair
base_a = {"bool": [1, 0, 1]}
for dt in DTYPES:
    if dt != "bool":
        base_a[dt] = [0, 1, 3]
base_b = {"bool": [1, 1, 0]}
for dt in DTYPES:
    if dt != "bool":
        base_b[dt] = [1, 2, 3]
for da in DTYPES:
    for db in DTYPES:
        x, y = mk(base_a[da], da), mk(base_b[db], db)
        for op in ["add", "equal", "bitwise_and"]:
            cases.append({"name": f"promote {op} {da} {db}", "op": op, "inputs": [encode(x), encode(y)],
                          "expected": run(getattr(mx, op), x, y)})


# ---- (b) every op, random shapes, views, edge values
def rand(shape, dt, kind="any"):
    n = int(np.prod(shape))
    if dt == "bool":
        v = rng.integers(0, 2, n)
    elif dt in INTS:
        lo = 0 if dt.startswith("u") else -20
        v = rng.integers(lo, 20, n)
        if kind == "divisor":
            v[rng.random(n) < 0.15] = 0
        if kind == "shift":
            v = rng.integers(0, 10, n)
        if kind == "exp":
            v = rng.integers(-1 if not dt.startswith("u") else 0, 5, n)
            if not dt.startswith("u"):
                v = np.where(rng.random(n) < 0.5, v, rng.integers(-3, 4, n))
    else:
        v = rng.standard_normal(n) * 4
        if kind == "exp":
            v = rng.standard_normal(n) * 2
        if kind != "pos":
            spec = rng.random(n)
            v[spec < 0.04] = np.nan
            v[(spec >= 0.04) & (spec < 0.08)] = np.inf
            v[(spec >= 0.08) & (spec < 0.12)] = -np.inf
            v[(spec >= 0.12) & (spec < 0.18)] = 0.0
            v[(spec >= 0.18) & (spec < 0.2)] = -0.0
        if dt == "complex64":
            v = (v + 1j * rng.standard_normal(n)).astype(np.complex64)
    v = np.asarray(v).reshape(shape)
    return mx.array(v.astype(np.complex64)) if dt == "complex64" else mx.array(v.astype(np.float64) if dt in FLOATS else v, dtype=MXD[dt])


def apply_view(x, view):
    if view is None:
        return x
    if view == "T":
        return mx.transpose(x)
    if view == "step":
        return x[..., ::2]
    if view == "neg":
        return x[..., ::-1]
    if view.startswith("bcast"):
        return mx.broadcast_to(x, [int(s) for s in view.split(":")[1].split(",")])
    raise ValueError(view)


def base_shape(shape, view):
    if view == "T":
        return list(reversed(shape))
    if view == "step":
        return list(shape[:-1]) + [shape[-1] * 2]
    return list(shape)


SHAPE_PAIRS = [([], []), ([5], [5]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]), ([0, 3], [3]),
               ([4, 1, 3], [2, 1]), ([37], []), ([], [6, 5])]

BIN = {
    "add": ("arith", lambda a, b: mx.add(a, b)),
    "subtract": ("arith", mx.subtract), "multiply": ("arith", mx.multiply),
    "divide": ("arith", mx.divide), "floor_divide": ("div", mx.floor_divide),
    "remainder": ("div", mx.remainder), "power": ("pow", mx.power),
    "maximum": ("arith", mx.maximum), "minimum": ("arith", mx.minimum),
    "arctan2": ("arith", mx.arctan2), "logaddexp": ("arith", mx.logaddexp),
    "equal": ("arith", mx.equal), "not_equal": ("arith", mx.not_equal), "less": ("arith", mx.less),
    "less_equal": ("arith", mx.less_equal), "greater": ("arith", mx.greater),
    "greater_equal": ("arith", mx.greater_equal), "logical_and": ("arith", mx.logical_and),
    "logical_or": ("arith", mx.logical_or), "bitwise_and": ("int", mx.bitwise_and),
    "bitwise_or": ("int", mx.bitwise_or), "bitwise_xor": ("int", mx.bitwise_xor),
    "left_shift": ("shift", mx.left_shift), "right_shift": ("shift", mx.right_shift),
    "divmod": ("div", mx.divmod),
}
OP_DTYPES = {
    "arith": ["float32", "int32", "float16", "bfloat16", "float64", "uint8", "int64", "bool", "complex64"],
    "div": ["float32", "int32", "int8", "uint16", "float16", "bfloat16", "float64", "int64"],
    "pow": ["float32", "int32", "uint8", "float16", "float64", "int64"],
    "int": ["int32", "uint8", "int16", "uint64", "int64", "bool"],
    "shift": ["int32", "uint8", "int8", "uint16", "int64", "uint32"],
}
VIEWS = [None, "T", "step", "neg"]

for op, (kind, fn) in BIN.items():
    for dt in OP_DTYPES[kind]:
        if dt == "complex64" and op in ("arctan2", "logaddexp", "bool"):
            continue
        for k, (sa, sb) in enumerate(SHAPE_PAIRS):
            if k % 3 != 0 and dt not in ("float32", "int32"):
                continue  # fewer shape pairs for the rarer dtypes
            va = VIEWS[(k + len(op)) % 4] if len(sa) >= 1 else None
            vb = VIEWS[(k + 1) % 4] if len(sb) >= 1 else None
            if va == "T" and len(sa) < 2:
                va = None
            if vb == "T" and len(sb) < 2:
                vb = None
            bk = {"pow": "exp", "div": "divisor", "shift": "shift"}.get(kind, "any")
            xa = rand(base_shape(sa, va), dt)
            xb = rand(base_shape(sb, vb), dt, bk)
            if op == "divmod" and dt in INTS:  # MLX's divmod traps on integer division by zero
                xb = mx.where(xb == 0, mx.array(1, xb.dtype), xb)
            a, b = apply_view(xa, va), apply_view(xb, vb)
            cases.append({"name": f"{op} {dt} {sa} {sb} views {va} {vb}", "op": op, "views": [va, vb],
                          "inputs": [encode(xa), encode(xb)], "expected": run(fn, a, b)})

# broadcast views as inputs (stride-0 dims from broadcast_to, not from the op)
for op in ["add", "multiply", "maximum", "less", "subtract", "power", "remainder"]:
    for dt in ["float32", "int32", "float16"]:
        xa, xb = rand([1, 4], dt), rand([3, 1], dt, "exp" if op == "power" else "any")
        va, vb = "bcast:3,4", "bcast:2,3,4"
        a, b = apply_view(xa, va), apply_view(xb, vb)
        cases.append({"name": f"{op} {dt} broadcast views", "op": op, "views": [va, vb],
                      "inputs": [encode(xa), encode(xb)], "expected": run(getattr(mx, op), a, b)})

# larger arrays (threaded and SIMD paths: dense, scalar-vector, vector-scalar, row broadcast). Inputs
# and output are periodic, so the fixture keeps one period (`tile`) and the test repeats it.
def tiled(pattern, shape):
    n = int(np.prod(shape))
    reps = -(-n // pattern.size)
    return mx.reshape(mx.concatenate([pattern] * reps)[:n], shape) if shape else pattern[0]


for op in ["add", "subtract", "multiply", "divide", "maximum", "minimum", "less", "greater_equal", "not_equal"]:
    for dt in ["float32", "float16", "bfloat16", "int32", "float64"]:
        if dt in ("float64", "bfloat16") and op in ("subtract", "less", "not_equal"):
            continue
        for sa, sb in [([70001], [70001]), ([70001], []), ([], [1003]), ([130, 517], [517])]:
            if dt != "float32" and sa == [130, 517]:
                continue
            p = 517 if sa == [130, 517] else 29
            pa, pb = rand([p], dt, "pos"), rand([p if sb else 1], dt, "pos")
            if op == "divide" and dt == "int32":
                pb = mx.where(pb == 0, mx.array(1, pb.dtype), pb)
            xa, xb = tiled(pa, sa), tiled(pb, sb)
            out = getattr(mx, op)(xa, xb)
            flat = mx.reshape(out, [-1])
            q = flat[:p]
            assert mx.array_equal(flat, tiled(q, [flat.size]), equal_nan=True).item()
            cases.append({"name": f"{op} {dt} large {sa} {sb}", "op": op, "tile": [sa, sb, list(out.shape)],
                          "inputs": [encode(pa), encode(pb)], "expected": encode(q)})

# edge values for division-like ops, exact lists
edge_f = [7.5, -7.5, 7.5, -7.5, 0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 3.0, -3.0, 5.0]
edge_g = [2.0, 2.0, -2.0, -2.0, 3.0, 3.0, 0.0, 0.0, 2.0, 2.0, 1.0, np.inf, np.inf, -np.inf]
edge_i = [7, -7, 7, -7, 0, 5, -5, 9, -128, 127, 1, 0]
edge_j = [2, 2, -2, -2, 3, 0, 0, -1, 3, -1, 1, 0]
for op in ["floor_divide", "remainder", "divide", "divmod", "power", "maximum", "minimum", "logaddexp", "arctan2"]:
    for dt in ["float32", "float64", "float16"]:
        x, y = mk(edge_f, dt), mk(edge_g, dt)
        cases.append({"name": f"{op} {dt} edges", "op": op, "inputs": [encode(x), encode(y)],
                      "expected": run(getattr(mx, op), x, y)})
    if op in ("floor_divide", "remainder", "divmod", "divide", "power"):
        for dt in ["int8", "int32", "int64", "uint8", "uint32"]:
            vi = [abs(v) if dt.startswith("u") else v for v in edge_i]
            vj = [abs(v) if dt.startswith("u") else v for v in edge_j]
            if op == "divmod":  # MLX's divmod traps on integer division by zero
                vj = [v or 1 for v in vj]
            x, y = mk(vi, dt), mk(vj, dt)
            cases.append({"name": f"{op} {dt} edges", "op": op, "inputs": [encode(x), encode(y)],
                          "expected": run(getattr(mx, op), x, y)})
for dt in ["int8", "int16", "uint16", "int32", "int64", "uint8"]:
    x = mk([1, 1, 3, 100, 5, 127], dt) if dt.startswith("u") else mk([1, 1, -8, 100, -5, 127], dt)
    y = mk([7, 9, 1, 2, 30, 0], dt)
    for op in ["left_shift", "right_shift"]:
        cases.append({"name": f"{op} {dt} edges", "op": op, "inputs": [encode(x), encode(y)],
                      "expected": run(getattr(mx, op), x, y)})

# ---- ternary and composite ops
for k, (sc, sx, sy) in enumerate([([5], [5], [5]), ([3, 1], [4], [3, 4]), ([2, 3, 4], [], [3, 1]), ([0, 2], [2], [])]):
    for dx, dy in [("float32", "float32"), ("int32", "float16"), ("int8", "uint8"), ("bool", "bool"),
                   ("complex64", "float32"), ("int64", "bfloat16")]:
        c = rand(sc, "int32")
        x, y = rand(sx, dx), rand(sy, dy)
        cases.append({"name": f"where {sc} {dx} {dy}", "op": "where", "inputs": [encode(c), encode(x), encode(y)],
                      "expected": run(mx.where, c, x, y)})
        vc = "T" if len(sc) >= 2 else None
        if vc:
            cb = rand(base_shape(sc, vc), "bool")
            cases.append({"name": f"where {sc} {dx} {dy} transposed cond", "op": "where", "views": [vc, None, None],
                          "inputs": [encode(cb), encode(x), encode(y)], "expected": run(mx.where, apply_view(cb, vc), x, y)})

for dt in ["float32", "int32", "float16", "uint8", "int64"]:
    x = rand([4, 5], dt)
    lo, hi = rand([5], dt), rand([4, 1], dt)
    cases.append({"name": f"clip {dt} both", "op": "clip", "inputs": [encode(x), encode(lo), encode(hi)],
                  "expected": run(mx.clip, x, lo, hi)})
    cases.append({"name": f"clip {dt} min only", "op": "clip", "args": {"none": 2}, "inputs": [encode(x), encode(lo)],
                  "expected": run(mx.clip, x, lo, None)})
    cases.append({"name": f"clip {dt} max only", "op": "clip", "args": {"none": 1}, "inputs": [encode(x), encode(hi)],
                  "expected": run(mx.clip, x, None, hi)})

close_a = [1.0, 1.0, 1.0, np.nan, np.inf, -np.inf, np.inf, 0.0, 1e-9, 100.0, np.nan, 5.0]
close_b = [1.0, 1.000001, 1.001, np.nan, np.inf, np.inf, 1e38, 1e-9, 0.0, 100.001, 1.0, -5.0]
for dt in ["float32", "float64", "float16", "bfloat16"]:
    x, y = mk(close_a, dt), mk(close_b, dt)
    for rtol, atol, en in [(1e-5, 1e-8, False), (1e-5, 1e-8, True), (1e-3, 1e-2, False), (0.0, 0.0, True)]:
        args = {"rtol": rtol, "atol": atol, "equalNan": en}
        cases.append({"name": f"isclose {dt} {args}", "op": "isclose", "args": args, "inputs": [encode(x), encode(y)],
                      "expected": run(mx.isclose, x, y, rtol=rtol, atol=atol, equal_nan=en)})
xi, yi = mk([1, 2, 3, 100], "int32"), mk([1, 3, 3, 101], "int32")
for op in ["isclose", "allclose"]:
    args = {"rtol": 0.01, "atol": 0.0, "equalNan": False}
    cases.append({"name": f"{op} int32", "op": op, "args": args, "inputs": [encode(xi), encode(yi)],
                  "expected": run(getattr(mx, op), xi, yi, rtol=0.01, atol=0.0)})
for dt in ["float32", "float64", "float16"]:
    x = rand([3, 4], dt, "pos")
    for name, y in [("same", x), ("tiny", x * (1 + 1e-7)), ("off", x + 0.5), ("bcast", x[:1])]:
        for en in [False, True]:
            args = {"rtol": 1e-5, "atol": 1e-8, "equalNan": en}
            cases.append({"name": f"allclose {dt} {name} {en}", "op": "allclose", "args": args,
                          "inputs": [encode(x), encode(y)], "expected": run(mx.allclose, x, y, equal_nan=en)})
nan_a = mk([1.0, np.nan, 3.0], "float32")
for name, x, y in [("same", xi, xi), ("dtypes", xi, mk([1, 2, 3, 100], "float32")), ("diff", xi, yi),
                   ("shape", xi, mk([[1, 2, 3, 100]], "int32")), ("nan", nan_a, nan_a), ("empty", mk([], "float32"), mk([], "int8")),
                   ("bool", mk([1, 0], "bool"), mk([1, 0], "uint8"))]:
    for en in [False, True]:
        cases.append({"name": f"array_equal {name} {en}", "op": "array_equal", "args": {"equalNan": en},
                      "inputs": [encode(x), encode(y)], "expected": run(mx.array_equal, x, y, equal_nan=en)})

# ---- (c) weak typing of scalars: `scalar` = {pos, value}; integral floats act as Python ints
for dt in DTYPES:
    x = mk(base_a[dt], dt)
    for value in [2, 2.5, -1, True, 300]:
        for pos in [0, 1]:
            for op in ["add", "multiply", "less", "maximum", "divide"]:
                if op in ("less", "maximum", "divide") and value in (True, 300):
                    continue
                pv = value if isinstance(value, bool) else (int(value) if float(value).is_integer() else float(value))
                f = getattr(mx, op)
                exp = run(f, pv, x) if pos == 0 else run(f, x, pv)
                cases.append({"name": f"scalar {op} {dt} {value!r} at {pos}", "op": op,
                              "scalar": {"pos": pos, "value": value}, "inputs": [encode(x)], "expected": exp})
for op in ["where", "clip"]:
    x = mk([1, 5, 9], "int32")
    c = mk([1, 0, 1], "bool")
    if op == "where":
        for xv, yv in [(2, None), (2.5, None), (None, 7)]:
            args = {"x": xv, "y": yv}
            xx = xv if xv is not None else x
            yy = yv if yv is not None else x
            cases.append({"name": f"where scalar {args}", "op": "where_scalar", "args": args,
                          "inputs": [encode(c), encode(x)], "expected": run(mx.where, c, xx, yy)})
    else:
        for lo, hi in [(2, 7), (2.5, None), (None, 3), (-1, 4.5)]:
            cases.append({"name": f"clip scalar {lo} {hi}", "op": "clip_scalar", "args": {"lo": lo, "hi": hi},
                          "inputs": [encode(x)], "expected": run(mx.clip, x, lo, hi)})

# numpy cross-check of a few semantics MLX and numpy share
a = np.array([7.5, -7.5, 7.5, -7.5, 3.0], np.float32)
b = np.array([2.0, 2.0, -2.0, -2.0, np.inf], np.float32)
assert np.allclose(np.array(mx.remainder(mx.array(a), mx.array(b))), np.remainder(a, b))
assert np.allclose(np.array(mx.floor_divide(mx.array(a), mx.array(b))), np.floor_divide(a, b))
ia, ib = np.array([7, -7, 7, -7], np.int32), np.array([2, 2, -2, -2], np.int32)
assert (np.array(mx.remainder(mx.array(ia), mx.array(ib))) == np.remainder(ia, ib)).all()
assert (np.array(mx.floor_divide(mx.array(ia), mx.array(ib))) == np.floor_divide(ia, ib)).all()
for da in DTYPES[:-1]:
    for db in DTYPES[:-1]:
        if "bfloat16" in (da, db) or "uint64" in (da, db):
            continue  # numpy has no bfloat16; numpy promotes uint64+int to float64, MLX to float32
        npd = np.result_type(np.dtype("bool" if da == "bool" else da), np.dtype("bool" if db == "bool" else db))
        mxd = str((mk([1], da) + mk([1], db)).dtype).split(".")[-1]
        if str(npd) != mxd and not (mxd == "float32" and str(npd) == "float64") and not (mxd == "float16"):
            print("promotion differs from numpy (expected for MLX):", da, db, npd, mxd)

write("binary", cases)
