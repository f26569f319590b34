"""Oracle for addmm with a bias row (c of shape [N], alpha any, beta 1): the CPU adds it inside the GEMM's tile
stores when there are more than 32 rows. Expected values: MLX on the CPU, cross-checked against numpy in float64.
`tb` = "T": the test passes b as the transpose of the stored [N, K] array (a Linear's weight)."""
import mlx.core as mx
import numpy as np

from common import encode, write

rng = np.random.default_rng(5)
cases = []
mx.set_default_device(mx.cpu)


def add(sa, n, alpha=1.0, tb=""):
    k = sa[-1]
    a = mx.array(rng.standard_normal(sa).astype(np.float32))
    b0 = mx.array(rng.standard_normal([n, k] if tb == "T" else [k, n]).astype(np.float32))
    c = mx.array(rng.standard_normal([n]).astype(np.float32))
    b = mx.transpose(b0) if tb == "T" else b0
    out = mx.addmm(c, a, b, alpha=alpha, beta=1.0)
    ref = alpha * (np.array(a, np.float64) @ np.array(b, np.float64)) + np.array(c, np.float64)
    assert np.allclose(np.array(out), ref, rtol=1e-4, atol=1e-4)
    cases.append({"name": f"addmm bias [{n}] + {sa} x {n}{tb} alpha={alpha}", "op": "addmm", "args": {"alpha": alpha, "tb": tb},
                  "inputs": [encode(c), encode(a), encode(b0)], "expected": encode(out)})


add([70, 40], 50)                # edge tiles in both dims
add([40, 280], 40, alpha=0.5)    # K over one cache block
add([2, 40, 24], 33, tb="T")     # batch folded into rows, transposed weight
add([200, 8], 40)                # more rows than one thread's chunk
add([33, 8], 1)                  # one column
write("addmm_bias", cases)
