"""Fixtures for layout ops and dtype conversion (astype over every dtype pair), from MLX."""
import numpy as np
import mlx.core as mx

from common import encode, write

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64", "complex64"]
rng = np.random.default_rng(7)


def mxd(name):
    return getattr(mx, "bool_" if name == "bool" else name)


def values_for(src):
    # In-range values for every target: small non-negative numbers with fractions for float sources.
    v = rng.integers(0, 100, size=(3, 4)).astype(np.float64)
    if src in ("float16", "bfloat16", "float32", "float64", "complex64"):
        v = v + rng.choice([0.0, 0.25, 0.5, 0.75], size=v.shape)
    if src == "bool":
        v = (v > 50).astype(np.float64)
    return v


cases = []
for src in DTYPES:
    base = mx.array(values_for(src)).astype(mxd(src))
    for dst in DTYPES:
        if src == "complex64" and dst != "complex64":
            continue  # MLX's complex -> real casts take the real part; covered separately
        out = base.astype(mxd(dst))
        cases.append({"name": f"astype {src}->{dst}", "op": "astype", "args": {"dtype": dst},
                      "inputs": [encode(base)], "expected": encode(out)})

# Layout ops on non-contiguous inputs.
x = mx.array(rng.standard_normal((4, 5, 6)).astype(np.float32))
views = {
    "contiguous": x,
    "transposed": x.transpose(2, 0, 1),
    "stepped": x[::2, ::-1, 1::2],
    "broadcast": mx.broadcast_to(x[:, :1, :], (4, 5, 6)),
}
for vname, v in views.items():
    # The view is reconstructed in the test from the same base and recipe; record the results.
    cases.append({"name": f"reshape {vname}", "op": "reshape", "view": vname, "args": {"shape": [-1, v.shape[-1]]},
                  "inputs": [encode(x)], "expected": encode(v.reshape(-1, v.shape[-1]))})
    cases.append({"name": f"flatten {vname}", "op": "flatten", "view": vname, "args": {},
                  "inputs": [encode(x)], "expected": encode(v.flatten())})
    cases.append({"name": f"swapaxes {vname}", "op": "swapaxes", "view": vname, "args": {"a1": 0, "a2": 2},
                  "inputs": [encode(x)], "expected": encode(mx.swapaxes(v, 0, 2))})
    cases.append({"name": f"concatenate {vname}", "op": "concatenate", "view": vname, "args": {"axis": 1},
                  "inputs": [encode(x)], "expected": encode(mx.concatenate([v, v * 2], axis=1))})
    cases.append({"name": f"stack {vname}", "op": "stack", "view": vname, "args": {"axis": -1},
                  "inputs": [encode(x)], "expected": encode(mx.stack([v, v], axis=-1))})
    cases.append({"name": f"moveaxis {vname}", "op": "moveaxis", "view": vname, "args": {"s": 0, "d": -1},
                  "inputs": [encode(x)], "expected": encode(mx.moveaxis(v, 0, -1))})
    parts = mx.split(v, [1, 3], axis=1)
    cases.append({"name": f"split {vname}", "op": "split", "view": vname, "args": {"indices": [1, 3], "axis": 1},
                  "inputs": [encode(x)], "expected": [encode(p) for p in parts]})
    cases.append({"name": f"index {vname}", "op": "index", "view": vname, "args": {},
                  "inputs": [encode(x)], "expected": encode(v[1, ::-2, None, 2:5])})

# Mixed-dtype concatenate promotes.
a = mx.array([1, 2], dtype=mx.int8)
b = mx.array([3.5], dtype=mx.float16)
cases.append({"name": "concatenate promotes", "op": "concatenate2", "args": {"axis": 0},
              "inputs": [encode(a), encode(b)], "expected": encode(mx.concatenate([a, b]))})
write("shape", cases)
