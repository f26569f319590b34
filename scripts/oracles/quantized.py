"""Oracle for affine quantization (quantize, dequantize, quantized_matmul, gather_mm, gather_qmm) from MLX."""
import numpy as np
import mlx.core as mx

from common import encode, write

rng = np.random.default_rng(7)
cases = []
DT = {"float32": mx.float32, "float16": mx.float16, "bfloat16": mx.bfloat16}


def add(name, op, args, inputs, expected, **kw):
    cases.append({"name": name, "op": op, "args": args, "inputs": [encode(a) for a in inputs],
                  "expected": [encode(e) for e in expected], **kw})


# quantize: every bits / group size / dtype; rows include constant, all-zero and negative-dominated groups.
for bits in [1, 2, 3, 4, 5, 6, 8]:
    for gs in [32, 64, 128]:
        for dt in DT:
            w = rng.standard_normal((2, 128)).astype(np.float32) * rng.uniform(0.01, 3)
            w[1, :gs] = 0.5
            w[0, :32] = 0.0
            w[0, 32:64] -= 2.0
            wm = mx.array(w).astype(DT[dt])
            q, s, b = mx.quantize(wm, gs, bits)
            exp = [q, s, b]
            if gs == 64 or bits in (4, 8):
                exp.append(mx.dequantize(q, s, b, gs, bits))
            add(f"quantize b{bits} g{gs} {dt}", "quantize", {"groupSize": gs, "bits": bits}, [wm], exp)

# batched (3-D) quantize
w3 = mx.array(rng.standard_normal((2, 3, 64)).astype(np.float32))
add("quantize 3d", "quantize", {"groupSize": 32, "bits": 4}, [w3], list(mx.quantize(w3, 32, 4)))

# dequantize with mixed scale dtypes and an explicit output dtype
q, s, b = mx.quantize(mx.array(rng.standard_normal((4, 64)).astype(np.float32)), 32, 4)
add("dequantize f16 scales f32 biases", "dequantize", {"groupSize": 32, "bits": 4},
    [q, s.astype(mx.float16), b], [mx.dequantize(q, s.astype(mx.float16), b, 32, 4)])
add("dequantize dtype=f16", "dequantize", {"groupSize": 32, "bits": 4, "dtype": "float16"},
    [q, s, b], [mx.dequantize(q, s, b, 32, 4, dtype=mx.float16)])


def qmm_case(name, xshape, wshape, gs, bits, transpose, xdt="float32", sdt="float32"):
    w = mx.array(rng.standard_normal(wshape).astype(np.float32) * 0.5).astype(DT[sdt])
    q, s, b = mx.quantize(w, gs, bits)
    x = mx.array(rng.standard_normal(xshape).astype(np.float32)).astype(DT[xdt])
    out = mx.quantized_matmul(x, q, s, b, transpose, gs, bits)
    if xdt != "float32" or sdt != "float32":
        # MLX's CPU kernel accumulates half-precision products in half precision; the reference is its float32
        # result rounded once (we accumulate in float32).
        f = lambda a: a.astype(mx.float32)
        out = mx.quantized_matmul(f(x), q, f(s), f(b), transpose, gs, bits).astype(out.dtype)
    add(name, "quantizedMatmul", {"groupSize": gs, "bits": bits, "transpose": transpose}, [x, q, s, b], [out])


for bits in [2, 3, 4, 5, 6, 8]:
    for gs in [32, 64, 128]:
        qmm_case(f"qmm M=1 b{bits} g{gs}", (1, 256), (20, 256), gs, bits, True)
    qmm_case(f"qmm M=5 b{bits}", (5, 128), (12, 128), 64, bits, True)
    qmm_case(f"qmm M=20 b{bits}", (20, 64), (12, 64), 32, bits, True)
    qmm_case(f"qmm notrans M=3 b{bits}", (3, 24), (24, 64), 64, bits, False)
    qmm_case(f"qmm notrans M=17 b{bits}", (17, 24), (24, 64), 32, bits, False)
qmm_case("qmm 3d x shared w", (2, 3, 128), (16, 128), 64, 4, True)
qmm_case("qmm 1d x", (128,), (16, 128), 64, 4, True)
qmm_case("qmm f16 x", (2, 256), (32, 256), 64, 4, True, "float16")
qmm_case("qmm bf16 x", (1, 256), (32, 256), 64, 8, True, "bfloat16")
qmm_case("qmm f16 weights", (3, 128), (32, 128), 64, 4, True, "float32", "float16")
qmm_case("qmm bf16 x bf16 weights", (1, 128), (32, 128), 32, 4, True, "bfloat16", "bfloat16")
qmm_case("qmm f16 x f16 weights M=9", (9, 128), (32, 128), 32, 8, True, "float16", "float16")
qmm_case("qmm batched w broadcast", (3, 1, 2, 64), (2, 16, 64), 64, 4, True)
qmm_case("qmm batched w notrans", (2, 4, 64), (2, 64, 32), 32, 8, False)
qmm_case("qmm larger M=1", (1, 512), (72, 512), 64, 4, True)
qmm_case("qmm larger M=1 8bit", (1, 512), (40, 512), 128, 8, True)
# Row counts not a multiple of the kernels' row blocks, K with a partial 128-element block.
qmm_case("qmm M=1 odd N K tail g32", (1, 192), (23, 192), 32, 4, True)
qmm_case("qmm M=2 odd N K tail bf16 scales", (2, 320), (13, 320), 64, 4, True, "float32", "bfloat16")
qmm_case("qmm M=1 K=576 f16 scales", (1, 576), (7, 576), 64, 4, True, "float32", "float16")
qmm_case("qmm M=4 K tail g128", (4, 384), (9, 384), 128, 4, True)

# vjp w.r.t. x
w = mx.array(rng.standard_normal((24, 128)).astype(np.float32))
q, s, b = mx.quantize(w, 64, 4)
x = mx.array(rng.standard_normal((3, 128)).astype(np.float32))
ct = mx.array(rng.standard_normal((3, 24)).astype(np.float32))
_, (g,) = mx.vjp(lambda x: mx.quantized_matmul(x, q, s, b, True, 64, 4), [x], [ct])
add("qmm vjp x", "qmmVjp", {"groupSize": 64, "bits": 4, "transpose": True}, [x, q, s, b, ct], [g])

# gather_mm
a = mx.array(rng.standard_normal((4, 3, 5)).astype(np.float32))
bm = mx.array(rng.standard_normal((6, 5, 7)).astype(np.float32))
li = mx.array([0, 1, 3], dtype=mx.uint32)
ri = mx.array([5, 2, 0], dtype=mx.uint32)
add("gather_mm both", "gatherMM", {}, [a, bm, li, ri], [mx.gather_mm(a, bm, li, ri)])
ri2 = mx.array([[5], [2]], dtype=mx.int32)
add("gather_mm rhs only", "gatherMM", {"lhs": False}, [a, bm, ri2], [mx.gather_mm(a, bm, None, ri2)])
a2 = mx.array(rng.standard_normal((3, 5)).astype(np.float16))
add("gather_mm rhs only 2d a f16", "gatherMM", {"lhs": False}, [a2, bm.astype(mx.float16), ri2],
    [mx.gather_mm(a2.astype(mx.float32), bm.astype(mx.float16).astype(mx.float32), None, ri2).astype(mx.float16)])

# gather_qmm (MoE style: token rows pick experts)
we = mx.array(rng.standard_normal((4, 32, 128)).astype(np.float32))
q, s, b = mx.quantize(we, 64, 4)
x = mx.array(rng.standard_normal((3, 1, 128)).astype(np.float32))
ri = mx.array([1, 0, 3], dtype=mx.uint32)
add("gather_qmm rhs", "gatherQMM", {"groupSize": 64, "bits": 4, "transpose": True, "lhs": False},
    [x, q, s, b, ri], [mx.gather_qmm(x, q, s, b, None, ri, True, 64, 4)])
x2 = mx.array(rng.standard_normal((3, 2, 128)).astype(np.float32))
li = mx.array([[1], [0]], dtype=mx.uint32)
add("gather_qmm both", "gatherQMM", {"groupSize": 64, "bits": 4, "transpose": True},
    [x2, q, s, b, li, ri], [mx.gather_qmm(x2, q, s, b, li, ri, True, 64, 4)])
wn = mx.array(rng.standard_normal((3, 64, 64)).astype(np.float32))
q, s, b = mx.quantize(wn, 32, 8)
x3 = mx.array(rng.standard_normal((2, 5, 64)).astype(np.float32))
ri = mx.array([2, 0, 1, 2], dtype=mx.uint32)
li = mx.array([1, 1, 0, 0], dtype=mx.uint32)
add("gather_qmm notrans", "gatherQMM", {"groupSize": 32, "bits": 8, "transpose": False},
    [x3, q, s, b, li, ri], [mx.gather_qmm(x3, q, s, b, li, ri, False, 32, 8)])

write("quantized", cases)
