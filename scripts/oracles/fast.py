"""Oracle for mx.fast (rms_norm, layer_norm, rope, scaled_dot_product_attention) and their vjps.

Expected values come from MLX's mx.fast on the CPU (which runs MLX's composed reference graph).
`view` in a case names a non-contiguous view the test applies to the decoded inputs before the call
(the oracle applied the same one): 'T' swaps the last two axes of x/q, 'step' takes every other
element of the last axis.
"""
import math

import mlx.core as mx
import numpy as np

from common import encode, write

rng = np.random.default_rng(7)
cases = []


def rnd(shape, dtype=mx.float32, scale=1.0):
    return mx.array((rng.standard_normal(shape) * scale).astype(np.float32)).astype(dtype)


def dname(d):
    return str(d).split(".")[-1]


def view(x, v):
    if v == "T":
        return mx.swapaxes(x, -1, -2)
    if v == "step":
        return x[..., ::2]
    return x


def add(name, op, args, inputs, expected, **extra):
    cases.append({"name": name, "op": op, "args": args, "inputs": [None if i is None else encode(i) for i in inputs],
                  "expected": [encode(e) for e in expected] if isinstance(expected, list) else encode(expected), **extra})


# ---- rms_norm ----
for name, shape, dt, wdt, has_w, v in [
    ("f32", (3, 5, 64), mx.float32, mx.float32, True, None),
    ("noweight", (7, 33), mx.float32, None, False, None),
    ("odd", (2, 3, 37), mx.float32, mx.float32, True, None),
    ("f16", (4, 128), mx.float16, mx.float16, True, None),
    ("bf16", (4, 96), mx.bfloat16, mx.bfloat16, True, None),
    ("f16_w32", (3, 40), mx.float16, mx.float32, True, None),
    ("transposed", (3, 48, 20), mx.float32, mx.float32, True, "T"),
    ("strided", (5, 64), mx.float32, mx.float32, True, "step"),
    ("1d", (50,), mx.float32, mx.float32, True, None),
]:
    x = rnd(shape, dt, 2.0)
    xv = view(x, v)
    w = rnd((xv.shape[-1],), wdt) if has_w else None
    eps = 1e-5
    out = mx.fast.rms_norm(xv, w, eps)
    add(f"rms_{name}", "rms_norm", {"eps": eps, "view": v}, [x, w], out)

# ---- layer_norm ----
for name, shape, dt, has_w, has_b, v in [
    ("f32", (3, 5, 64), mx.float32, True, True, None),
    ("none", (6, 31), mx.float32, False, False, None),
    ("w_only", (4, 50), mx.float32, True, False, None),
    ("b_only", (4, 50), mx.float32, False, True, None),
    ("f16", (4, 128), mx.float16, True, True, None),
    ("bf16", (3, 64), mx.bfloat16, True, True, None),
    ("transposed", (2, 40, 12), mx.float32, True, True, "T"),
]:
    x = rnd(shape, dt, 3.0) + 1.5
    xv = view(x, v)
    w = rnd((xv.shape[-1],), dt) if has_w else None
    b = rnd((xv.shape[-1],), dt) if has_b else None
    eps = 1e-5
    add(f"ln_{name}", "layer_norm", {"eps": eps, "view": v}, [x, w, b], mx.fast.layer_norm(xv, w, b, eps))

# ---- rope ----
for name, shape, dt, dims, trad, base, scale, offset, freqs, v in [
    ("basic", (2, 3, 7, 16), mx.float32, 16, False, 10000.0, 1.0, 0, None, None),
    ("trad", (2, 3, 7, 16), mx.float32, 16, True, 10000.0, 1.0, 3, None, None),
    ("partial", (1, 2, 9, 24), mx.float32, 16, False, 10000.0, 1.0, 5, None, None),
    ("partial_trad", (1, 2, 9, 24), mx.float32, 8, True, 500.0, 0.5, 11, None, None),
    ("scale", (2, 4, 5, 32), mx.float32, 32, False, 1e6, 0.25, 100, None, None),
    ("offset_arr", (3, 2, 6, 16), mx.float32, 16, False, 10000.0, 1.0, [0, 7, 300], None, None),
    ("offset_scalar_arr", (2, 2, 6, 16), mx.float32, 16, True, 10000.0, 1.0, [42], None, None),
    ("freqs", (2, 2, 5, 16), mx.float32, 16, False, None, 1.0, 2, "f", None),
    ("freqs_trad", (2, 2, 5, 16), mx.float32, 16, True, None, 1.0, 2, "f", None),
    ("ndim3", (4, 9, 32), mx.float32, 32, False, 10000.0, 1.0, 1, None, None),
    ("ndim5", (2, 2, 3, 5, 16), mx.float32, 16, False, 10000.0, 1.0, 4, None, None),
    ("f16", (1, 4, 8, 64), mx.float16, 64, False, 10000.0, 1.0, 17, None, None),
    ("bf16", (1, 4, 8, 64), mx.bfloat16, 64, True, 10000.0, 1.0, 17, None, None),
    ("long_pos", (1, 2, 4, 64), mx.float32, 64, False, 10000.0, 1.0, 4000, None, None),
    ("transposed", (1, 2, 16, 6), mx.float32, 16, False, 10000.0, 1.0, 3, None, "T"),
]:
    x = rnd(shape, dt)
    xv = view(x, v)
    off = mx.array(offset, mx.int32) if isinstance(offset, list) else offset
    fr = mx.array((1.0 + np.arange(dims // 2) * 3.7).astype(np.float32)) if freqs else None
    out = mx.fast.rope(xv, dims, traditional=trad, base=base, scale=scale, offset=off, freqs=fr)
    add(f"rope_{name}", "rope", {"dims": dims, "traditional": trad, "base": base, "scale": scale,
                                 "offset": offset if not isinstance(offset, list) else None, "view": v},
        [x, off if isinstance(offset, list) else None, fr], out)


# ---- scaled_dot_product_attention ----
def causal_bool(lq, lk):
    return mx.array(np.arange(lq)[:, None] + (lk - lq) >= np.arange(lk)[None, :])


for name, B, hq, hkv, lq, lk, D, dt, mask, sinks, v in [
    ("mha", 1, 2, 2, 13, 13, 16, mx.float32, None, False, None),
    ("mha_b2_odd", 2, 3, 3, 9, 77, 12, mx.float32, None, False, None),
    ("gqa", 1, 6, 2, 11, 70, 8, mx.float32, None, False, None),
    ("decode_gqa", 1, 9, 3, 1, 130, 16, mx.float32, None, False, None),
    ("causal", 1, 2, 2, 70, 70, 8, mx.float32, "causal", False, None),
    ("causal_gqa", 2, 4, 2, 33, 33, 8, mx.float32, "causal", False, None),
    ("causal_short_q", 1, 2, 1, 5, 80, 8, mx.float32, "causal", False, None),
    ("causal_long_q", 1, 2, 2, 12, 7, 16, mx.float32, "causal", False, None),
    ("bool_mask", 2, 2, 1, 10, 69, 8, mx.float32, "bool", False, None),
    ("bool_mask_bcast", 1, 4, 2, 7, 20, 16, mx.float32, "bool_b", False, None),
    ("bool_full_masked_row", 1, 2, 2, 4, 9, 8, mx.float32, "bool_row", False, None),
    ("add_mask", 1, 3, 3, 8, 65, 8, mx.float32, "add", False, None),
    ("add_mask_1d", 2, 2, 2, 6, 30, 16, mx.float32, "add_1d", False, None),
    ("sinks", 1, 4, 2, 9, 40, 16, mx.float32, None, True, None),
    ("sinks_causal", 1, 2, 2, 20, 20, 16, mx.float32, "causal", True, None),
    ("f16", 1, 4, 2, 17, 90, 16, mx.float16, None, False, None),
    ("bf16_causal", 1, 2, 2, 40, 40, 16, mx.bfloat16, "causal", False, None),
    ("f16_add_mask", 1, 2, 2, 5, 33, 16, mx.float16, "add", False, None),
    ("dv_differs", 1, 2, 2, 6, 21, 16, mx.float32, None, False, "dv"),
    ("q_transposed", 1, 2, 2, 10, 10, 10, mx.float32, None, False, "qT"),
]:
    q = rnd((B, hq, lq, D), dt)
    k = rnd((B, hkv, lk, D), dt)
    dv = 12 if v == "dv" else D
    vv = rnd((B, hkv, lk, dv), dt)
    if v == "qT":
        q = rnd((B, hq, D, lq), dt)
    qv = mx.swapaxes(q, -1, -2) if v == "qT" else q
    m = None
    if mask == "bool":
        m = mx.array(rng.random((B, 1, lq, lk)) > 0.3)
    elif mask == "bool_b":
        m = mx.array(rng.random((lq, lk)) > 0.5)
    elif mask == "bool_row":
        mm = rng.random((lq, lk)) > 0.4
        mm[1, :] = False
        m = mx.array(mm)
    elif mask == "add":
        m = rnd((hq, lq, lk), dt)
    elif mask == "add_1d":
        m = rnd((lk,), dt)
    sk = rnd((hq,), dt) if sinks else None
    scale = 1.0 / math.sqrt(D)
    kw = {"scale": scale, "mask": m if mask != "causal" else "causal"}
    if sk is not None:
        kw["sinks"] = sk
    out = mx.fast.scaled_dot_product_attention(qv, k, vv, **kw)
    extra = {}
    if name in ("mha", "gqa", "causal_gqa", "causal_long_q", "bool_mask_bcast", "add_mask_1d", "sinks_causal", "q_transposed"):
        ct = rnd(out.shape, dt)
        _, grads = mx.vjp(lambda a, b, c: mx.fast.scaled_dot_product_attention(a, b, c, **kw), [qv, k, vv], [ct])
        extra = {"cotangent": encode(ct), "grads": [encode(g) for g in grads]}
    add(f"sdpa_{name}", "sdpa", {"scale": scale, "mask": mask if mask == "causal" else (None if m is None else "array"),
                                  "view": v}, [q, k, vv, m if mask != "causal" else None, sk], out, **extra)

# ---- vjps of the norms and rope (MLX's rules) ----
x = rnd((4, 24), mx.float32, 2.0); w = rnd((24,)); ct = rnd((4, 24))
_, g = mx.vjp(lambda a, b: mx.fast.rms_norm(a, b, 1e-5), [x, w], [ct])
add("vjp_rms", "vjp_rms_norm", {"eps": 1e-5}, [x, w, ct], list(g))
b = rnd((24,))
_, g = mx.vjp(lambda a, c, d: mx.fast.layer_norm(a, c, d, 1e-5), [x, w, b], [ct])
add("vjp_ln", "vjp_layer_norm", {"eps": 1e-5}, [x, w, b, ct], list(g))
xr = rnd((2, 3, 5, 16)); ctr = rnd((2, 3, 5, 16))
for trad in (False, True):
    _, g = mx.vjp(lambda a: mx.fast.rope(a, 12, traditional=trad, base=10000.0, scale=1.0, offset=3), [xr], [ctr])
    add(f"vjp_rope_{trad}", "vjp_rope", {"dims": 12, "traditional": trad, "offset": 3}, [xr, ctr], list(g))

write("fast", cases)
