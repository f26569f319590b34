"""Oracle for matmul / addmm (MLX on CPU, cross-checked against numpy in float64)."""
import numpy as np
import mlx.core as mx

from common import encode as _encode, write


def encode(a):
    e = _encode(a)
    e["shape"] = list(a.shape)  # common.encode reports 0-d arrays as shape [1]
    return e

rng = np.random.default_rng(7)
mx.set_default_device(mx.cpu)

DT = {"float32": mx.float32, "float16": mx.float16, "bfloat16": mx.bfloat16, "float64": mx.float64,
      "complex64": mx.complex64}


def rand(shape, dt):
    x = rng.standard_normal(shape).astype(np.float32)
    if dt == "complex64":
        return mx.array(x + 1j * rng.standard_normal(shape).astype(np.float32))
    return mx.array(x).astype(DT[dt])


def transform(x, t):
    """Non-contiguous views, mirrored in matmul.test.ts."""
    if t == "T":
        return mx.swapaxes(x, -1, -2)
    if t == "rev":  # negative stride on the last axis
        return x[..., ::-1]
    if t == "step":  # every other row (base array has twice the rows)
        return x[..., ::2, :]
    return x


def base_shape(shape, t):
    if t == "T":
        return shape[:-2] + [shape[-1], shape[-2]]
    if t == "step":
        return shape[:-2] + [shape[-2] * 2, shape[-1]]
    return shape


cases = []


def f64(x):
    return np.array(x if x.dtype in (mx.float32, mx.float64) else x.astype(mx.float32)).astype(np.float64)


def check_np(out, a, b, c=None, alpha=1.0, beta=1.0):
    if out.dtype not in (mx.float32, mx.float64):
        return
    ref = np.matmul(f64(a), f64(b))
    if c is not None:
        ref = alpha * ref + beta * f64(c)
    assert np.allclose(np.array(out), ref, rtol=1e-4, atol=1e-4), "mlx and numpy disagree"


def add_matmul(sa, sb, dta="float32", dtb=None, ta="", tb=""):
    dtb = dtb or dta
    a0, b0 = rand(base_shape(sa, ta), dta), rand(base_shape(sb, tb), dtb)
    a, b = transform(a0, ta), transform(b0, tb)
    out = mx.matmul(a, b)
    check_np(out, a, b)
    cases.append({"name": f"matmul {sa}{ta}x{sb}{tb} {dta}/{dtb}", "op": "matmul", "args": {"ta": ta, "tb": tb},
                  "inputs": [encode(a0), encode(b0)], "expected": encode(out)})


def add_addmm(sc, sa, sb, alpha=1.0, beta=1.0, dt="float32", dtc=None, ta="", tb=""):
    c = rand(sc, dtc or dt)
    a0, b0 = rand(base_shape(sa, ta), dt), rand(base_shape(sb, tb), dt)
    a, b = transform(a0, ta), transform(b0, tb)
    out = mx.addmm(c, a, b, alpha=alpha, beta=beta)
    check_np(out, a, b, c, alpha, beta)
    cases.append({"name": f"addmm {sc}+{sa}{ta}x{sb}{tb} a={alpha} b={beta} {dt}", "op": "addmm",
                  "args": {"alpha": alpha, "beta": beta, "ta": ta, "tb": tb},
                  "inputs": [encode(c), encode(a0), encode(b0)], "expected": encode(out)})


# Plain 2-D shapes, including sizes that are not multiples of any register tile.
for m, k, n in [(1, 1, 1), (2, 3, 4), (7, 5, 3), (13, 33, 7), (33, 7, 129), (37, 65, 33), (12, 32, 32), (48, 40, 36),
                (25, 17, 65), (1, 40, 50), (40, 50, 1), (1, 70, 1), (5, 300, 9)]:
    add_matmul([m, k], [k, n])
# 1-D operands.
add_matmul([5], [5])
add_matmul([6], [6, 9])
add_matmul([9, 6], [6])
add_matmul([4], [3, 4, 2])
add_matmul([3, 2, 4], [4])
add_matmul([33], [33, 17], ta="rev")
# Batched, with broadcasting of batch dims.
add_matmul([3, 4, 5], [3, 5, 6])
add_matmul([2, 1, 4, 3], [5, 3, 2])
add_matmul([7, 3], [2, 3, 3, 5])
add_matmul([2, 3, 9, 8], [8, 10])
add_matmul([1, 6, 7], [4, 7, 2])
# Transposed / reversed / stepped views (no copies in the kernel).
for ta, tb in [("T", ""), ("", "T"), ("T", "T"), ("rev", ""), ("", "rev"), ("step", ""), ("", "step"),
               ("step", "T"), ("rev", "rev")]:
    add_matmul([19, 23], [23, 37], ta=ta, tb=tb)
add_matmul([1, 23], [23, 37], ta="T")          # gemv with a strided vector
add_matmul([1, 23], [23, 37], tb="T")          # gemv, dot form
add_matmul([29, 23], [23, 1], ta="T")          # gemv, axpy form
add_matmul([29, 23], [23, 1], tb="step")       # gemv with a strided vector
add_matmul([3, 10, 11], [3, 11, 12], ta="T", tb="rev")
# Empty and K == 0.
add_matmul([4, 0], [0, 3])
add_matmul([0, 3], [3, 4])
add_matmul([3, 4], [4, 0])
add_matmul([2, 0, 3], [3, 5])
add_matmul([0], [0])
# Other dtypes and promotion.
for dt in ["float16", "bfloat16", "float64", "complex64"]:
    add_matmul([13, 33], [33, 17], dt)
    add_matmul([2, 5, 7], [7, 3], dt, ta="T")
    add_matmul([1, 19], [19, 21], dt)
    add_matmul([19, 21], [21], dt)
add_matmul([40, 50], [50, 36], "float16")
add_matmul([8, 9], [9, 10], "float16", "float32")
add_matmul([8, 9], [9, 10], "bfloat16", "float16")
add_matmul([8, 9], [9, 10], "float32", "float64")
add_matmul([8, 9], [9, 10], "complex64", "float32")

# addmm
add_addmm([7, 9], [7, 5], [5, 9])
add_addmm([9], [7, 5], [5, 9], alpha=2.0, beta=0.5)
add_addmm([1], [33, 17], [17, 35], alpha=-1.5, beta=3.0)
add_addmm([1, 1], [33, 17], [17, 35], alpha=0.5, beta=0.0)
add_addmm([7, 1], [7, 5], [5, 9], alpha=1.0, beta=-1.0)
add_addmm([2, 7, 9], [2, 7, 5], [1, 5, 9], alpha=0.25, beta=2.0, ta="T")
add_addmm([], [6], [6])
add_addmm([4], [6], [6, 4], alpha=2.0, beta=1.0)
add_addmm([4], [4, 6], [6], alpha=1.0, beta=0.5)
add_addmm([5, 4], [5, 0], [0, 4], alpha=1.0, beta=2.0)
add_addmm([13, 29], [13, 31], [31, 29], alpha=1.5, beta=0.75, ta="T", tb="T")
add_addmm([13, 29], [13, 31], [31, 29], dt="float16", alpha=0.5, beta=2.0)
add_addmm([13, 29], [13, 31], [31, 29], dt="bfloat16", alpha=0.5, beta=2.0)
add_addmm([13, 29], [13, 31], [31, 29], dt="float64", alpha=0.5, beta=2.0)
add_addmm([13, 29], [13, 31], [31, 29], dt="float16", dtc="float32")
add_addmm([1, 29], [1, 31], [31, 29], alpha=2.0, beta=0.5)

write("matmul", cases)
