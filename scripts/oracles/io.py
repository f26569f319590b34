"""Writes small array files with numpy, MLX and HF safetensors for the IO tests, plus a JSON of
expected values (packages/core/test/fixtures/io/)."""
import json
import os

import numpy as np
import mlx.core as mx

from common import FIXTURES, encode

OUT = os.path.join(FIXTURES, "io")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(3)
expected = {}

np_dtypes = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
             "float16", "float32", "float64", "complex64"]
for name in np_dtypes:
    a = (rng.standard_normal((3, 5)) * 50)
    if name == "bool":
        a = a > 0
    elif name == "complex64":
        a = (a + 1j * rng.standard_normal((3, 5))).astype(np.complex64)
    elif name.startswith("u"):
        a = np.abs(a).astype(name)
    else:
        a = a.astype(name)
    np.save(os.path.join(OUT, f"{name}.npy"), a)
    expected[f"{name}.npy"] = encode(a, name)

f = np.asfortranarray(rng.standard_normal((4, 3, 2)).astype(np.float32))
np.save(os.path.join(OUT, "fortran.npy"), f)
expected["fortran.npy"] = encode(np.ascontiguousarray(f))
be = rng.standard_normal((2, 3)).astype(">f8")
np.save(os.path.join(OUT, "bigendian.npy"), be)
expected["bigendian.npy"] = encode(be.astype("<f8"))
scalar = np.array(3.5, dtype=np.float32)
np.save(os.path.join(OUT, "scalar.npy"), scalar)
expected["scalar.npy"] = encode(scalar)

x = rng.standard_normal((2, 3)).astype(np.float32)
y = np.arange(7, dtype=np.int64)
np.savez(os.path.join(OUT, "plain.npz"), x=x, y=y)
np.savez_compressed(os.path.join(OUT, "compressed.npz"), x=x, y=y)
expected["npz"] = {"x": encode(x), "y": encode(y)}

w = {"w": mx.array(rng.standard_normal((4, 3)).astype(np.float32)),
     "h": mx.array(rng.standard_normal((5,)).astype(np.float16)),
     "b": mx.array(rng.standard_normal((2, 2)).astype(np.float32)).astype(mx.bfloat16),
     "i": mx.arange(6, dtype=mx.int32).reshape(2, 3)}
mx.save_safetensors(os.path.join(OUT, "mlx.safetensors"), w, metadata={"format": "mlx"})
expected["mlx.safetensors"] = {k: encode(v) for k, v in w.items()}

from safetensors.numpy import save_file  # HF's writer
hf = {"a": rng.standard_normal((3, 2)).astype(np.float32), "z": np.array([1, 2, 3], dtype=np.uint8)}
save_file(hf, os.path.join(OUT, "hf.safetensors"), metadata={"format": "pt"})
expected["hf.safetensors"] = {k: encode(v) for k, v in hf.items()}

with open(os.path.join(OUT, "expected.json"), "w") as fh:
    json.dump(expected, fh)
print("wrote", sorted(os.listdir(OUT)))
