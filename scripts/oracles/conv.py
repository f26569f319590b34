"""Oracle for convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d, conv_general, convolve (MLX on CPU),
plus MLX's vjp (input and weight cotangents) and vmap for a selection of cases."""
import numpy as np
import mlx.core as mx

from common import encode as _encode, write

mx.set_default_device(mx.cpu)
rng = np.random.default_rng(11)
DT = {"float32": mx.float32, "float16": mx.float16, "bfloat16": mx.bfloat16, "float64": mx.float64}


def encode(a):
    e = _encode(a)
    e["shape"] = list(a.shape)
    return e


def rand(shape, dt="float32"):
    x = mx.array(rng.standard_normal(shape).astype(np.float32))
    return x.astype(DT[dt])


# Views mirrored in conv.test.ts: the fixture stores the base array and the view name.
def view(x, t):
    if t == "T":      # base has channels and the first spatial axis swapped
        return mx.swapaxes(x, 1, -1)
    if t == "rev":    # negative stride on the first spatial axis
        return x[:, ::-1]
    if t == "step":   # every other element of the first spatial axis
        return x[:, ::2]
    return x


def base_shape(shape, t):
    s = list(shape)
    if t == "T":
        s[1], s[-1] = s[-1], s[1]
    if t == "step":
        s[1] = 2 * s[1]
    return s


def call(op, x, w, a):
    if op == "conv1d": return mx.conv1d(x, w, **a)
    if op == "conv2d": return mx.conv2d(x, w, **a)
    if op == "conv3d": return mx.conv3d(x, w, **a)
    if op == "conv_transpose1d": return mx.conv_transpose1d(x, w, **a)
    if op == "conv_transpose2d": return mx.conv_transpose2d(x, w, **a)
    if op == "conv_transpose3d": return mx.conv_transpose3d(x, w, **a)
    if op == "conv_general":
        b = dict(a)
        if "padding" in b and isinstance(b["padding"], dict):
            b["padding"] = (b["padding"]["lo"], b["padding"]["hi"])
        return mx.conv_general(x, w, **b)
    raise ValueError(op)


cases = []


def add(op, xs, ws, a, dt="float32", wdt=None, xv="", grad=False, vmap=None):
    xb = rand(base_shape(xs, xv), dt)
    w = rand(ws, wdt or dt)
    x = view(xb, xv)
    assert list(x.shape) == list(xs), (x.shape, xs)
    out = call(op, x, w, a)
    mx.eval(out)
    c = {"name": f"{op} {xs} {ws} {a} {dt}{'/' + wdt if wdt else ''} {xv}", "op": op, "args": a, "view": xv,
         "inputs": [encode(xb), encode(w)], "expected": encode(out)}
    if grad:
        ct = rand(out.shape, dt)
        _, (gx, gw) = mx.vjp(lambda p, q: call(op, p, q, a), [x, w], [ct])
        mx.eval(gx, gw)
        c["cotangent"] = encode(ct)
        c["grads"] = [encode(gx), encode(gw)]
    if vmap is not None:
        # vmap over a new leading axis of size 3 on the input (0), the weight (1) or both (2).
        B = 3
        xbat = rand([B] + list(xs), dt) if vmap in (0, 2) else None
        wbat = rand([B] + list(ws), dt) if vmap in (1, 2) else None
        # Expected values from a loop over the batch: MLX's own vmap is wrong when only the weight is mapped
        # and groups > 1 (it returns different numbers than the loop), so the loop is the reference.
        r = mx.stack([call(op, xbat[i] if xbat is not None else x, wbat[i] if wbat is not None else w, a)
                      for i in range(B)])
        mx.eval(r)
        c["vmap"] = {"mode": vmap, "x": encode(xbat) if xbat is not None else None,
                     "w": encode(wbat) if wbat is not None else None, "expected": encode(r)}
    cases.append(c)


# ---- conv1d ----
add("conv1d", [2, 9, 3], [4, 3, 3], {})
add("conv1d", [1, 16, 8], [5, 3, 8], {"stride": 2, "padding": 1}, grad=True)
add("conv1d", [2, 20, 6], [4, 3, 6], {"dilation": 2, "padding": 2}, grad=True, vmap=0)
add("conv1d", [2, 12, 6], [6, 3, 2], {"groups": 3, "padding": 1}, grad=True, vmap=1)
add("conv1d", [2, 12, 4], [4, 5, 1], {"groups": 4, "padding": 2, "stride": 2}, grad=True)   # depthwise
add("conv1d", [3, 10, 16], [24, 1, 16], {}, grad=True)                                       # pointwise
add("conv1d", [1, 30, 16], [12, 3, 16], {"padding": 1}, vmap=2)                               # 1-D view path
add("conv1d", [1, 31, 16], [12, 3, 16], {"stride": 2, "padding": 1}, grad=True)
add("conv1d", [2, 11, 9], [7, 4, 9], {"stride": 3, "padding": 3, "dilation": 2})
add("conv1d", [2, 9, 3], [4, 3, 3], {"padding": -1})
add("conv1d", [2, 9, 3], [4, 3, 3], {}, xv="T")
add("conv1d", [2, 9, 8], [4, 3, 8], {"padding": 1}, xv="rev")
add("conv1d", [2, 9, 3], [4, 3, 3], {"stride": 2}, xv="step")
add("conv1d", [2, 9, 16], [4, 3, 16], {"padding": 1}, xv="T")
add("conv1d", [0, 9, 3], [4, 3, 3], {})
add("conv1d", [2, 9, 3], [4, 3, 3], {"padding": 1}, dt="float16")
add("conv1d", [2, 9, 3], [4, 3, 3], {"padding": 1}, dt="bfloat16")
add("conv1d", [2, 9, 3], [4, 3, 3], {"padding": 1, "stride": 2}, dt="float64")
add("conv1d", [2, 9, 3], [4, 3, 3], {"padding": 1}, dt="float16", wdt="float32")

# ---- conv2d ----
add("conv2d", [2, 6, 7, 3], [4, 3, 3, 3], {})
add("conv2d", [2, 8, 8, 4], [6, 3, 3, 4], {"stride": 1, "padding": 1}, grad=True, vmap=0)
add("conv2d", [1, 9, 10, 4], [5, 3, 2, 4], {"stride": (2, 3), "padding": (1, 0)}, grad=True)
add("conv2d", [2, 9, 9, 4], [4, 3, 3, 4], {"dilation": (2, 1), "padding": 2}, grad=True)
add("conv2d", [2, 7, 7, 6], [4, 3, 3, 3], {"groups": 2, "padding": 1, "stride": 2}, grad=True, vmap=1)
add("conv2d", [2, 7, 7, 8], [8, 3, 3, 1], {"groups": 8, "padding": 1}, grad=True)           # depthwise
add("conv2d", [2, 7, 7, 8], [16, 3, 3, 1], {"groups": 8, "padding": 1})                     # channel multiplier
add("conv2d", [2, 5, 6, 8], [12, 1, 1, 8], {}, grad=True)                                   # pointwise
add("conv2d", [2, 5, 6, 8], [12, 1, 1, 8], {"stride": 2})
add("conv2d", [2, 5, 6, 8], [12, 1, 1, 4], {"groups": 2})
add("conv2d", [1, 12, 12, 16], [32, 3, 3, 16], {"padding": 1}, vmap=2)
add("conv2d", [2, 6, 7, 5], [4, 3, 3, 5], {"padding": 1}, xv="T")
add("conv2d", [2, 6, 7, 5], [4, 3, 3, 5], {"padding": 1}, xv="rev")
add("conv2d", [2, 6, 7, 5], [4, 3, 3, 5], {"padding": 1}, xv="step")
add("conv2d", [2, 6, 7, 3], [4, 3, 3, 3], {"padding": 1}, dt="float16")
add("conv2d", [2, 6, 7, 3], [4, 3, 3, 3], {"padding": 1}, dt="bfloat16")
add("conv2d", [2, 6, 7, 4], [4, 3, 3, 4], {"padding": 1, "stride": 2}, dt="float64")
add("conv2d", [2, 6, 7, 3], [4, 3, 3, 3], {"padding": (-1, 1)})

# ---- conv3d (MLX: groups == 1 only) ----
add("conv3d", [1, 5, 6, 5, 3], [4, 3, 3, 3, 3], {})
add("conv3d", [2, 5, 5, 6, 2], [3, 2, 3, 3, 2], {"stride": (1, 2, 1), "padding": (1, 0, 1), "dilation": (1, 1, 2)}, grad=True)
add("conv3d", [1, 4, 4, 4, 4], [3, 1, 1, 1, 4], {}, vmap=0)
add("conv3d", [1, 6, 5, 4, 3], [2, 3, 3, 3, 3], {"padding": 1}, xv="T")

# ---- transposed ----
add("conv_transpose1d", [2, 7, 4], [3, 3, 4], {})
add("conv_transpose1d", [2, 7, 4], [3, 3, 4], {"stride": 2, "padding": 1, "output_padding": 1}, grad=True)
add("conv_transpose1d", [2, 7, 4], [6, 4, 2], {"stride": 3, "dilation": 2, "groups": 2}, grad=True)
add("conv_transpose2d", [2, 5, 5, 4], [3, 3, 3, 4], {"stride": 2, "padding": 1, "output_padding": 1}, grad=True, vmap=0)
add("conv_transpose2d", [1, 4, 5, 6], [4, 2, 3, 3], {"stride": (2, 1), "groups": 2, "dilation": (1, 2)}, grad=True)
add("conv_transpose2d", [1, 4, 5, 6], [6, 3, 3, 6], {"padding": 1}, xv="T")
add("conv_transpose3d", [1, 3, 4, 3, 2], [3, 2, 3, 2, 2], {"stride": 2, "padding": (0, 1, 0)}, grad=True)
add("conv_transpose3d", [1, 3, 3, 3, 2], [2, 3, 3, 3, 2], {"stride": 2, "output_padding": 1})

# ---- conv_general ----
add("conv_general", [2, 9, 3], [4, 3, 3], {"stride": 2, "padding": {"lo": [2], "hi": [0]}}, grad=True)
add("conv_general", [2, 9, 3], [4, 3, 3], {"input_dilation": 2, "padding": 1}, grad=True)
add("conv_general", [2, 9, 3], [4, 3, 3], {"flip": True, "padding": 2}, grad=True)
add("conv_general", [2, 9, 3], [4, 3, 3], {"flip": True, "kernel_dilation": 2, "input_dilation": 3, "stride": 2}, grad=True)
add("conv_general", [1, 7, 8, 4], [4, 3, 2, 2], {"groups": 2, "flip": True, "stride": [1, 2],
                                                   "padding": {"lo": [1, 0], "hi": [0, 2]}}, grad=True, vmap=2)
add("conv_general", [1, 7, 8, 4], [5, 3, 3, 4], {"input_dilation": [2, 1], "kernel_dilation": [1, 2]}, grad=True)
add("conv_general", [2, 9, 3], [4, 3, 3], {"padding": {"lo": [-1], "hi": [2]}})
add("conv_general", [2, 9, 3], [4, 3, 3], {"padding": {"lo": [-1], "hi": [0]}, "input_dilation": 2})
add("conv_general", [1, 6, 6, 3], [4, 2, 2, 3], {"padding": [1, 2], "input_dilation": [2, 3], "flip": True})

# ---- convolve ----
for n, m in [(7, 3), (5, 4), (4, 5), (1, 6), (10, 10), (9, 2)]:
    for mode in ["full", "same", "valid"]:
        a, v = rand([n]), rand([m])
        out = mx.convolve(a, v, mode=mode)
        cases.append({"name": f"convolve {n} {m} {mode}", "op": "convolve", "args": {"mode": mode},
                      "inputs": [encode(a), encode(v)], "expected": encode(out)})

write("conv", cases)
