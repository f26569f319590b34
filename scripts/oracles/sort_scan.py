"""Fixtures for sorting (sort, argsort, partition, argpartition, topk) and scans (cumsum, cumprod,
cummax, cummin, logcumsumexp), from MLX, over every dtype, several axes (and axis=None), and
non-contiguous views (transposed, negative steps, broadcast) that the test rebuilds from the base."""
import numpy as np
import mlx.core as mx

from common import encode, write

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64", "complex64"]
FLOATS = ("float16", "bfloat16", "float32", "float64")
rng = np.random.default_rng(11)


def mxd(name):
    return getattr(mx, "bool_" if name == "bool" else name)


def values(dt, shape, special):
    """Values with many duplicates; floats optionally carry NaN, +-inf and -0."""
    n = int(np.prod(shape))
    if dt == "bool":
        v = rng.integers(0, 2, n).astype(np.float64)
    elif dt.startswith("uint"):
        v = rng.integers(0, 4, n).astype(np.float64)
    elif dt.startswith("int"):
        v = rng.integers(-3, 4, n).astype(np.float64)
    else:
        v = np.round(rng.standard_normal(n), 1)
        if special:
            pos = rng.choice(n, size=min(n, 6), replace=False)
            v[pos] = [np.nan, np.inf, -np.inf, -0.0, np.nan, 0.0][: len(pos)]
    if dt == "complex64":
        im = np.round(rng.standard_normal(n), 0)
        return mx.array((v + 1j * im).astype(np.complex64).reshape(shape))
    return mx.array(v.reshape(shape)).astype(mxd(dt))


def view(x, name):
    if name == "contiguous":
        return x
    if name == "transposed":
        return x.transpose(2, 0, 1)
    if name == "stepped":
        return x[::2, ::-1, 1::2]
    if name == "broadcast":
        return mx.broadcast_to(x[:, :1, :], x.shape)
    raise ValueError(name)


VIEWS = ["contiguous", "transposed", "stepped", "broadcast"]
AXES = [-1, 0, 1, None]
cases = []


def add(name, op, x, vname, args, expected):
    cases.append({"name": name, "op": op, "view": vname, "args": args, "inputs": [encode(x)],
                  "expected": encode(expected)})


for dt in DTYPES:
    special = dt in FLOATS
    x = values(dt, (4, 5, 6), special)
    for i in range(3):
        vname = VIEWS[(i + DTYPES.index(dt)) % 4]
        axis = AXES[(i * 3 + DTYPES.index(dt)) % 4]
        v = view(x, vname)
        add(f"sort {dt} {vname} axis={axis}", "sort", x, vname, {"axis": axis}, mx.sort(v, axis=axis))
        add(f"argsort {dt} {vname} axis={axis}", "argsort", x, vname, {"axis": axis}, mx.argsort(v, axis=axis))
        ax = -1 if axis is None else axis
        n = v.size if axis is None else v.shape[ax]
        kth = int(rng.integers(-n, n))
        k = int(rng.integers(0, n + 1))
        # Partitions are checked by their defining property; expected = the sorted array.
        add(f"partition {dt} {vname} axis={axis} kth={kth}", "partition", x, vname, {"axis": axis, "kth": kth},
            mx.sort(v, axis=axis))
        add(f"argpartition {dt} {vname} axis={axis} kth={kth}", "argpartition", x, vname,
            {"axis": axis, "kth": kth}, mx.sort(v, axis=axis))
        # topk's order is unspecified: compare sorted results.
        tk = mx.topk(v, k, axis=axis)
        add(f"topk {dt} {vname} axis={axis} k={k}", "topk", x, vname, {"axis": axis, "k": k},
            mx.sort(tk, axis=-1 if axis is None else axis))
    # A longer row takes the radix path.
    y = values(dt, (1, 1, 300), special)
    add(f"sort long {dt}", "sort", y, "contiguous", {"axis": -1}, mx.sort(y, axis=-1))
    add(f"argsort long {dt}", "argsort", y, "contiguous", {"axis": -1}, mx.argsort(y, axis=-1))

SCANS = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]
for dt in DTYPES:
    for op in SCANS:
        for i in range(4):
            # MLX's float16/bfloat16 cummax/cummin turn NaN into 0 (a bug); we propagate NaN.
            special = dt in FLOATS and i == 3 and not (op in ("cummax", "cummin") and dt in ("float16", "bfloat16"))
            x = values(dt, (3, 4, 5), special)
            if op == "cumprod" and dt in FLOATS + ("complex64",):
                x = (x * 0.5 + 1).astype(x.dtype) if dt != "complex64" else x * 0.5
            vname = VIEWS[(i + SCANS.index(op)) % 4]
            axis = AXES[(i + DTYPES.index(dt) + SCANS.index(op)) % 4]
            reverse = bool(rng.integers(0, 2))
            inclusive = bool(rng.integers(0, 2))
            v = view(x, vname)
            out = getattr(mx, op)(v, axis=axis, reverse=reverse, inclusive=inclusive)
            add(f"{op} {dt} {vname} axis={axis} rev={reverse} inc={inclusive}", op, x, vname,
                {"axis": axis, "reverse": reverse, "inclusive": inclusive}, out)

write("sort_scan", cases)
