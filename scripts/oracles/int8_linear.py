"""Oracle for mx.int8Linear / mx.int8QuantizeRows in plain numpy (float32 arithmetic, exact integer sums).

Semantics (packages/native/src/ops/int8_linear.h): each row r of x is quantized as
q = clip(rint(x * (127 / amax_r)), -127, 127) with amax_r = max |x[r]| (zero rows give 0), and
y[r, n] = float32(sum_k q[r, k] * w[n, k]) * ((amax_r / 127) * scales[n]) + bias[n].
"""
import numpy as np

from common import encode, write

rng = np.random.default_rng(8)
F = np.float32


def quantize_rows(a):
    a = a.astype(F)
    amax = np.max(np.abs(a), axis=-1)
    safe = np.where(amax > 0, amax, F(1)).astype(F)
    inv = np.where(amax > 0, F(127) / safe, F(0)).astype(F)
    q = np.clip(np.rint(a * inv[..., None]), -127, 127).astype(np.int8)
    return q, (amax / F(127)).astype(F)


def int8_linear(x, w, scales, bias):
    lead = x.shape[:-1]
    x2 = x.reshape(-1, x.shape[-1]).astype(F)
    q, xs = quantize_rows(x2)
    dot = q.astype(np.int64) @ w.astype(np.int64).T
    y = dot.astype(F) * (xs[:, None] * scales[None, :].astype(F))
    if bias is not None:
        y = y + bias.astype(F)
    return y.astype(F).reshape(*lead, w.shape[0])


cases = []


def case(name, xshape, n, with_bias=True, x=None, xdtype="float32"):
    k = xshape[-1]
    if x is None:
        x = (rng.standard_normal(xshape) * rng.uniform(0.1, 4)).astype(F)
    w = rng.integers(-127, 128, size=(n, k)).astype(np.int8)
    scales = (rng.uniform(0.001, 0.05, size=n)).astype(F)
    bias = rng.standard_normal(n).astype(F) if with_bias else None
    xin = x.astype(np.float16) if xdtype == "float16" else x
    y = int8_linear(xin.astype(F), w, scales, bias)
    inputs = [encode(xin), encode(w), encode(scales)] + ([encode(bias)] if with_bias else [])
    cases.append({"name": name, "op": "int8Linear", "inputs": inputs,
                  "expected": encode(y.astype(np.float16) if xdtype == "float16" else y)})


# Row-dot path (M <= 8) and packed path (M > 8); K and N not multiples of the vector / panel sizes.
for m, k, n in [(1, 384, 64), (1, 5, 7), (3, 70, 13), (4, 64, 50), (5, 384, 40), (8, 130, 33),
                (9, 100, 50), (16, 4, 16), (24, 385, 48), (130, 96, 37), (20, 600, 12)]:
    case(f"M{m} K{k} N{n}", (m, k), n)
case("no bias M2", (2, 40), 9, with_bias=False)
case("no bias M33", (33, 40), 20, with_bias=False)
case("3-D x", (2, 3, 48), 17)
case("float16 x", (6, 32), 11, xdtype="float16")
# Ties: amax 127 makes the quantization step 1, so x.5 values round half to even; plus an all-zero row.
xt = np.array([[127, 2.5, -3.5, 0.5, -0.5, 1.5, 100.4, -126.6] * 4, [0.0] * 32, [-127, 3.5, 4.5, -1.5, 0, 7, 8, 9] * 4],
              dtype=F)
case("ties and zero row", xt.shape, 10, x=xt)
xt2 = np.tile(xt, (5, 1))  # 15 rows: the packed path
case("ties and zero rows, packed path", xt2.shape, 21, x=xt2)

# int8QuantizeRows (weights): same rule along each row.
for shape in [(7, 33), (8, 200)]:
    w = (rng.standard_normal(shape) * 0.3).astype(F)
    w[0] = 0.0
    w[1, :4] = [2.0, 0.5 * 2.0 / 127, -1.5 * 2.0 / 127, 0]
    q, s = quantize_rows(w)
    cases.append({"name": f"quantizeRows {shape}", "op": "int8QuantizeRows", "inputs": [encode(w)],
                  "expected": [encode(q), encode(s)]})

write("int8_linear", cases)
