"""Shared fixture writer for oracle scripts.

A fixture file is JSON: {"cases": [{"name", "op", "args", "inputs": [...], "expected": ...}]}
where every array is {"shape", "dtype", "data"} with data = base64 of the raw little-endian bytes
(bool as uint8, float16/bfloat16 as their 16-bit patterns, complex64 as float32 pairs).
Tests read them with packages/core/test/helpers/fixtures.ts, so tests need no Python.
"""
import base64
import json
import os

import numpy as np

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "core", "test", "fixtures")


def encode(a, dtype=None):
    """Encode a numpy or mlx array (dtype name optional for bfloat16 given as uint16 bits)."""
    try:
        import mlx.core as mx
        if isinstance(a, mx.array):
            name = str(a.dtype).split(".")[-1]
            if name == "bfloat16":
                bits = np.array(a.view(mx.uint16))
                return {"shape": list(a.shape), "dtype": "bfloat16", "data": base64.b64encode(bits.tobytes()).decode()}
            a = np.array(a)
            dtype = dtype or name
    except ImportError:
        pass
    a = np.require(a, requirements="C")  # keeps 0-d arrays 0-d (ascontiguousarray would not)
    name = dtype or ("bool" if a.dtype == np.bool_ else str(a.dtype))
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    return {"shape": list(a.shape), "dtype": name, "data": base64.b64encode(a.tobytes()).decode()}


def write(name, cases):
    os.makedirs(FIXTURES, exist_ok=True)
    path = os.path.join(FIXTURES, name + ".json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/oracles", "cases": cases}, f, separators=(",", ":"))
    print(f"wrote {path} ({len(cases)} cases, {os.path.getsize(path) // 1024} KiB)")
