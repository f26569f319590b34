"""Fixtures for indexing: advanced get/set indexing, at[].op, take, along-axis ops, dynamic slices.

MLX is the oracle; numpy cross-checks the layout rules (cases where the two disagree are
recorded with MLX's answer and flagged)."""
import numpy as np
import mlx.core as mx

from common import encode, write

rng = np.random.default_rng(11)
DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64", "complex64"]
IDX_DTYPES = ["int32", "int64", "uint8", "int16", "uint32", "int8"]


def mxd(name):
    return getattr(mx, "bool_" if name == "bool" else name)


base = mx.array(rng.standard_normal((4, 5, 6)).astype(np.float32))
VIEWS = {
    "contiguous": lambda x: x,
    "transposed": lambda x: x.transpose(2, 0, 1),
    "stepped": lambda x: x[::2, ::-1, 1::2],
}


def rand_index_array(lo=-2, hi=2):
    shape = [(), (2,), (3,), (2, 1), (1, 3), (2, 3)][rng.integers(0, 6)]
    dt = IDX_DTYPES[rng.integers(0, len(IDX_DTYPES))]
    if dt.startswith("uint"):
        lo = 0
    v = rng.integers(lo, hi, size=shape)
    transposed = len(shape) == 2 and rng.random() < 0.4
    if transposed:  # a non-contiguous index array: stored transposed
        return v, dt, True
    return v, dt, False


def make_entries(nd):
    """A random index tuple with at least one integer array."""
    n = rng.integers(1, 5)
    ents = []
    for _ in range(n):
        r = rng.random()
        if r < 0.35:
            ents.append(("arr",) + rand_index_array())
        elif r < 0.55:
            ents.append(("int", int(rng.integers(-2, 2))))
        elif r < 0.8:
            st = [None, 1, -1, 0][rng.integers(0, 4)]
            sp = [None, 3, -1, 4][rng.integers(0, 4)]
            step = [None, 1, 2, -1, -2][rng.integers(0, 5)]
            ents.append(("slice", st, sp, step))
        elif r < 0.9:
            ents.append(("none",))
        else:
            ents.append(("ell",))
    if not any(e[0] == "arr" for e in ents):
        ents[rng.integers(0, len(ents))] = ("arr",) + rand_index_array()
    if sum(e[0] == "ell" for e in ents) > 1:
        ents = [e for e in ents if e[0] != "ell"] + [("ell",)]
    return ents


def realize(ents, lib):
    out, arrays = [], []
    for e in ents:
        if e[0] == "arr":
            v, dt, tr = e[1], e[2], e[3]
            if lib is mx:
                a = mx.array(v.T.copy()).astype(mxd(dt)).T if tr else mx.array(v).astype(mxd(dt))
            else:
                a = v.astype(dt)
            out.append(a)
        elif e[0] == "int":
            out.append(e[1])
        elif e[0] == "slice":
            out.append(slice(e[1], e[2], e[3]))
        elif e[0] == "none":
            out.append(None)
        else:
            out.append(Ellipsis)
    return tuple(out)


def encode_entries(ents, inputs):
    spec = []
    for e in ents:
        if e[0] == "arr":
            v, dt, tr = e[1], e[2], e[3]
            stored = v.T.copy() if tr else v
            inputs.append(encode(stored.astype(dt), dt))
            spec.append({"t": "arr", "i": len(inputs) - 1, "transposed": bool(tr)})
        elif e[0] == "int":
            spec.append({"t": "int", "v": e[1]})
        elif e[0] == "slice":
            spec.append({"t": "slice", "start": e[1], "stop": e[2], "step": e[3]})
        elif e[0] == "none":
            spec.append({"t": "none"})
        else:
            spec.append({"t": "ell"})
    return spec


cases = []
disagree = 0
# ---- a[...] with advanced indices ----
while len([c for c in cases if c["op"] == "get"]) < 160:
    view = list(VIEWS)[rng.integers(0, 3)]
    v = VIEWS[view](base)
    ents = make_entries(v.ndim)
    try:
        out = v[realize(ents, mx)]
        mx.eval(out)
    except Exception:
        continue
    try:
        ref = np.array(v)[realize(ents, np)]
        same = ref.shape == tuple(out.shape) and np.allclose(ref, np.array(out))
    except Exception:
        same = False
    disagree += not same
    inputs = [encode(base)]
    spec = encode_entries(ents, inputs)
    cases.append({"name": f"get {view} {spec}", "op": "get", "view": view, "index": spec, "inputs": inputs,
                  "expected": encode(out), "numpy_agrees": bool(same)})

# ---- a[...] = v ----
while len([c for c in cases if c["op"] == "set"]) < 80:
    view = list(VIEWS)[rng.integers(0, 3)]
    ents = make_entries(3)
    if rng.random() < 0.25:  # basic-only assignment
        ents = [e for e in ents if e[0] != "arr"] or [("int", 1)]
    v = VIEWS[view](base)
    try:
        shape = v[realize(ents, mx)].shape
    except Exception:
        continue
    kind = rng.integers(0, 3)
    if kind == 0:
        val = np.array(rng.standard_normal(shape), dtype=np.float32)
    elif kind == 1:
        val = np.array(rng.standard_normal(shape[-1:] if shape else ()), dtype=np.float32)
    else:
        val = np.array(3.5, dtype=np.float32)
    try:
        a = mx.array(v)
        a[realize(ents, mx)] = mx.array(val)
        mx.eval(a)
        ref = np.array(v).copy()
        ref[realize(ents, np)] = val
    except Exception:
        continue
    if not np.allclose(ref, np.array(a)):
        continue  # repeated indices: order-dependent, skip
    inputs = [encode(base)]
    spec = encode_entries(ents, inputs)
    inputs.append(encode(val))
    cases.append({"name": f"set {view} {spec} value{list(val.shape)}", "op": "set", "view": view, "index": spec,
                  "inputs": inputs, "expected": encode(a)})

# ---- a.at[...].op(v), with repeated indices ----
OPS = ["add", "subtract", "multiply", "divide", "maximum", "minimum"]
for k in range(60):
    op = OPS[k % 6]
    view = list(VIEWS)[k % 3]
    v = VIEWS[view](base)
    ents = make_entries(3)
    try:
        shape = v[realize(ents, mx)].shape
        val = mx.array(rng.uniform(0.5, 2.0, size=shape).astype(np.float32))
        out = getattr(mx.array(v).at[realize(ents, mx)], op)(val)
        mx.eval(out)
    except Exception:
        continue
    inputs = [encode(base)]
    spec = encode_entries(ents, inputs)
    inputs.append(encode(val))
    cases.append({"name": f"at.{op} {view} {spec}", "op": "at", "fn": op, "view": view, "index": spec,
                  "inputs": inputs, "expected": encode(out)})

# Repeated indices accumulate (scatter-add) for every dtype; other ops for real dtypes.
for dt in DTYPES:
    a = mx.array(rng.integers(1, 4, size=(5, 3))).astype(mxd(dt))
    idx = mx.array([0, 2, 0, 4, 0, 2], dtype=mx.int32)
    for op in OPS:
        if dt == "bool" and op in ("subtract", "divide"):
            continue
        if dt == "complex64" and op in ("maximum", "minimum"):
            continue
        upd = mx.array(rng.integers(1, 3, size=(6, 3))).astype(mxd(dt))
        try:
            out = getattr(a.at[idx], op)(upd)
            mx.eval(out)
        except Exception:
            continue
        cases.append({"name": f"at.{op} repeated {dt}", "op": "at_repeat", "fn": op,
                      "inputs": [encode(a), encode(idx), encode(upd)], "expected": encode(out)})
    # scalar weak update
    out = a.at[idx].add(1)
    cases.append({"name": f"at.add scalar repeated {dt}", "op": "at_scalar", "inputs": [encode(a), encode(idx)],
                  "expected": encode(out)})

# ---- take / take_along_axis / put_along_axis over dtypes and axes ----
for dt in DTYPES:
    a = mx.array(rng.integers(0, 50, size=(3, 4, 5))).astype(mxd(dt))
    for axis in [None, 0, 1, -1]:
        n = a.size if axis is None else a.shape[axis]
        idx = mx.array(rng.integers(-n, n, size=(2, 3)), dtype=mx.int32)
        cases.append({"name": f"take {dt} axis={axis}", "op": "take", "axis": axis,
                      "inputs": [encode(a), encode(idx)], "expected": encode(mx.take(a, idx, axis=axis))})
    for axis in [0, 1, 2, -1]:
        shape = list(a.shape)
        shape[axis] = 2
        if axis == 1:
            shape[0] = 1  # broadcast along another dim
        idx = mx.array(rng.integers(-a.shape[axis], a.shape[axis], size=shape), dtype=mx.int64)
        cases.append({"name": f"take_along_axis {dt} axis={axis}", "op": "take_along_axis", "axis": axis,
                      "inputs": [encode(a), encode(idx)], "expected": encode(mx.take_along_axis(a, idx, axis))})
        # put_along_axis: distinct indices along the axis
        perm = np.argsort(rng.random(size=a.shape), axis=axis)
        pidx = mx.array(np.take(perm, [0, 1], axis=axis).astype(np.int32))
        vals = mx.array(rng.integers(60, 90, size=pidx.shape)).astype(mxd(dt))
        cases.append({"name": f"put_along_axis {dt} axis={axis}", "op": "put_along_axis", "axis": axis,
                      "inputs": [encode(a), encode(pidx), encode(vals)],
                      "expected": encode(mx.put_along_axis(a, pidx, vals, axis))})
    idx = mx.array([3, 0, 7], dtype=mx.uint32)
    cases.append({"name": f"take_along_axis {dt} axis=None", "op": "take_along_axis", "axis": None,
                  "inputs": [encode(a), encode(idx)], "expected": encode(mx.take_along_axis(a, idx, None))})

# Non-contiguous sources for take.
for view in VIEWS:
    v = VIEWS[view](base)
    idx = mx.array([[1, -1], [0, 1]], dtype=mx.int32)
    for axis in [0, 1, 2]:
        cases.append({"name": f"take {view} axis={axis}", "op": "take_view", "view": view, "axis": axis,
                      "inputs": [encode(base), encode(idx)], "expected": encode(mx.take(v, idx, axis=axis))})

# ---- dynamic slice / slice_update ----
x = mx.array(rng.standard_normal((6, 7, 5)).astype(np.float32))
for k in range(12):
    axes = [[0], [1], [0, 2], [2, 1]][k % 4]
    size = list(x.shape)
    starts = []
    for ax in axes:
        size[ax] = int(rng.integers(1, x.shape[ax] + 1))
        starts.append(int(rng.integers(0, x.shape[ax] - size[ax] + 1)))
    st = mx.array(starts, dtype=mx.int32)
    cases.append({"name": f"slice dynamic axes={axes} start={starts} size={size}", "op": "slice", "axes": axes,
                  "size": size, "inputs": [encode(x), encode(st)], "expected": encode(mx.slice(x, st, axes, size))})
    upd = mx.array(rng.standard_normal(size).astype(np.float32))
    cases.append({"name": f"slice_update dynamic axes={axes} start={starts}", "op": "slice_update", "axes": axes,
                  "inputs": [encode(x), encode(upd), encode(st)],
                  "expected": encode(mx.slice_update(x, upd, st, axes))})

# ---- boolean mask assignment ----
for ms, vs in [((3,), ()), ((3,), (4,)), ((3,), (2, 4)), ((3,), (2, 1)), ((3,), (5, 4)), ((3, 4), ()),
               ((3, 4), (9,)), ((3, 4), (20,))]:
    a = mx.array(np.arange(12, dtype=np.float32).reshape(3, 4))
    mask = mx.array(rng.random(ms) < 0.5)
    mask = mx.array(np.array([True, False, True]) if ms == (3,) else np.array(mask))
    val = mx.array(np.arange(100, 100 + int(np.prod(vs)), dtype=np.float32).reshape(vs))
    b = mx.array(a)
    try:
        b[mask] = val
        mx.eval(b)
    except Exception:
        continue
    cases.append({"name": f"mask set mask{list(ms)} value{list(vs)}", "op": "mask",
                  "inputs": [encode(a), encode(mask), encode(val)], "expected": encode(b)})

print("numpy disagreements (MLX recorded):", disagree)
write("indexing", cases)
