"""GGUF fixtures from the reference `gguf` package: files with every supported tensor type and
metadata kind, and the reference dequantization as expected values (packages/core/test/fixtures/gguf/)."""
import json
import os

import gguf
import numpy as np
from gguf import GGMLQuantizationType as T, quants

from common import FIXTURES, encode

OUT = os.path.join(FIXTURES, "gguf")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(11)


def random_blocks(qtype, n_blocks):
    """Random block bytes with finite float16 scale fields, so every bit pattern of the quants is hit."""
    elems, size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    half_fields = {T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
                   T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [size - 2]}[qtype]
    for off in half_fields:
        vals = (rng.standard_normal(n_blocks) * 0.05).astype(np.float16)
        raw[:, off:off + 2] = vals.view(np.uint8).reshape(n_blocks, 2)
    return raw


w = gguf.GGUFWriter(os.path.join(OUT, "types.gguf"), "llama")
w.add_uint32("test.u32", 7)
w.add_int32("test.i32", -3)
w.add_float32("test.f32", 1.5)
w.add_bool("test.bool", True)
w.add_string("test.str", "héllo")
w.add_array("test.strs", ["a", "bc", ""])
w.add_array("test.ints", [1, 2, 3])
w.add_uint64("test.u64", 1 << 40)
w.add_float64("test.f64", -2.25)
expected = {"metadata": {"test.u32": 7, "test.i32": -3, "test.f32": 1.5, "test.bool": True, "test.str": "héllo",
                         "test.strs": ["a", "bc", ""], "test.ints": [1, 2, 3], "test.u64": 1 << 40, "test.f64": -2.25},
            "tensors": {}}
f32 = rng.standard_normal((3, 64)).astype(np.float32)
w.add_tensor("plain.f32", f32)
expected["tensors"]["plain.f32"] = {"type": "F32", "expected": encode(f32)}
f16 = rng.standard_normal((2, 32)).astype(np.float16)
w.add_tensor("plain.f16", f16)
expected["tensors"]["plain.f16"] = {"type": "F16", "expected": encode(f16)}
for qtype, rows, cols in [(T.Q4_0, 4, 64), (T.Q4_1, 4, 64), (T.Q5_0, 3, 64), (T.Q5_1, 3, 64), (T.Q8_0, 4, 96),
                          (T.Q4_K, 2, 512), (T.Q5_K, 2, 256), (T.Q6_K, 3, 256)]:
    elems, size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = random_blocks(qtype, rows * cols // elems).reshape(rows, cols // elems * size)
    name = f"blk.{qtype.name.lower()}.weight"
    w.add_tensor(name, blocks, raw_dtype=qtype)
    deq = quants.dequantize(blocks, qtype).astype(np.float32)
    expected["tensors"][name] = {"type": qtype.name, "expected": encode(deq)}
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
with open(os.path.join(OUT, "expected.json"), "w") as fh:
    json.dump(expected, fh)
print("wrote", os.listdir(OUT))

# Reference quantization bytes (llama.cpp's reference quantizers via gguf.quants) for the writer.
x = (rng.standard_normal((4, 64)) * 2).astype(np.float32)
qref = {"input": encode(x)}
for t in (T.Q4_0, T.Q4_1, T.Q8_0):
    qref[t.name] = encode(quants.quantize(x, t).reshape(-1).view(np.uint8), "uint8")
with open(os.path.join(OUT, "quantize.json"), "w") as fh:
    json.dump(qref, fh)
