"""Oracle for the CPU's blocked (per-block GEMM) attention path: non-causal float32 attention long enough to take
it (>= 64 queries, >= 128 keys), with key-only boolean masks, grouped kv heads, Dv != D and q/k/v sliced out of one
fused projection (strided views). Expected values come from MLX's mx.fast.scaled_dot_product_attention on the CPU.
`fused` cases: inputs[0] is qkv [B, L, 3H, D]; the test and the oracle take q/k/v as heads 0:H, H:2H, 2H:3H of its
[B, 3H, L, D] transpose.
"""
import mlx.core as mx
import numpy as np

from common import encode, write

rng = np.random.default_rng(11)
cases = []


def rnd(shape):
    return mx.array(rng.standard_normal(shape).astype(np.float32))


def add(name, args, inputs, expected):
    cases.append({"name": name, "op": "sdpa", "args": args, "inputs": [None if i is None else encode(i) for i in inputs],
                  "expected": encode(expected)})


mx.set_default_device(mx.cpu)
# plain, one query block with a ragged tail
q, k, v = rnd([1, 1, 100, 16]), rnd([1, 1, 160, 16]), rnd([1, 1, 160, 16])
add("1 head, 100 x 160, D 16", {"scale": 0.2}, [q, k, v, None], mx.fast.scaled_dot_product_attention(q, k, v, scale=0.2))
# grouped kv heads, Dv != D, several query blocks
q, k, v = rnd([1, 2, 230, 16]), rnd([1, 1, 130, 16]), rnd([1, 1, 130, 24])
add("GQA 2/1 heads, 230 x 130, D 16, Dv 24", {"scale": 0.25}, [q, k, v, None], mx.fast.scaled_dot_product_attention(q, k, v, scale=0.25))
# key-only boolean mask over a batch (padded image tiles), one batch row with its last 40 keys masked
q, k, v = rnd([2, 1, 64, 16]), rnd([2, 1, 128, 16]), rnd([2, 1, 128, 16])
keep = np.ones((2, 1, 1, 128), dtype=bool)
keep[1, :, :, 88:] = False
m = mx.array(keep)
add("key mask [2,1,1,128]", {"scale": 0.17}, [q, k, v, m], mx.fast.scaled_dot_product_attention(q, k, v, scale=0.17, mask=m))
# strided q/k/v from one fused projection, as the ViT layers pass them
B, L, H, D = 1, 144, 1, 16
qkv = rnd([B, L, 3 * H, D])
t = mx.transpose(qkv, (0, 2, 1, 3))
out = mx.fast.scaled_dot_product_attention(t[:, :H], t[:, H:2 * H], t[:, 2 * H:], scale=D ** -0.5)
add("fused qkv views 1 x 144 x 1 x 16", {"scale": D ** -0.5, "fused": H}, [qkv], out)

write("sdpa_blocked", cases)
