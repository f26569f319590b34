"""Oracle for elementwise unary ops: MLX (CPU) for every dtype it accepts, numpy/mpmath for float64.

Each case: input x (shape [6, 8]) and expected op(x), or an expected error. Tests also apply the op to
views of x (transposed, reversed/stepped slices, broadcasts) and compare with the same view of the
expected array, since elementwise ops commute with views.
"""
import math
import warnings

import mpmath
import numpy as np
import mlx.core as mx

from common import encode, write

warnings.filterwarnings("ignore")
rng = np.random.default_rng(20261125)
mx.set_default_device(mx.cpu)

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64", "complex64"]
SHAPE = (6, 8)

OPS = ["abs", "negative", "sign", "sqrt", "rsqrt", "square", "reciprocal", "exp", "expm1", "log", "log2",
       "log10", "log1p", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
       "arccosh", "arctanh", "sigmoid", "erf", "erfinv", "floor", "ceil", "round", "isnan", "isinf",
       "isfinite", "isposinf", "isneginf", "logical_not", "bitwise_invert", "degrees", "radians", "conjugate",
       "real", "imag", "nan_to_num", "stop_gradient"]
CAMEL = {"logical_not": "logicalNot", "bitwise_invert": "bitwiseInvert", "nan_to_num": "nanToNum",
         "stop_gradient": "stopGradient"}

SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 3.0e38, -3.0e38, 1e-38, 1e-40, -1e-45, 1.0, -1.0, 0.5, -0.5, 2.5,
            88.5, -100.0, 1e4]


def float_values(n, op):
    """Specials plus random values in a range that suits the op (domain errors included)."""
    k = n - len(SPECIALS)
    if op in ("arcsin", "arccos", "arctanh", "erfinv"):
        r = rng.uniform(-1.2, 1.2, k)
    elif op in ("exp", "expm1", "sinh", "cosh", "sigmoid", "tanh", "erf"):
        r = rng.uniform(-20, 20, k)
    elif op in ("arccosh",):
        r = rng.uniform(0.5, 50, k)
    elif op in ("log", "log2", "log10", "log1p", "sqrt", "rsqrt"):
        r = np.concatenate([rng.uniform(-2, 10, k // 2), np.exp(rng.uniform(-80, 80, k - k // 2))])
    else:
        r = np.concatenate([rng.uniform(-10, 10, k // 2), rng.uniform(-1e4, 1e4, k - k // 2)])
    v = np.concatenate([np.array(SPECIALS), r])
    return rng.permutation(v)


def make_input(dtype, op):
    n = SHAPE[0] * SHAPE[1]
    if dtype == "bool":
        return mx.array(rng.random(n).reshape(SHAPE) < 0.5)
    if dtype.startswith("uint") or dtype.startswith("int"):
        info = np.iinfo(np.dtype(dtype))
        lo, hi = (0, 40) if dtype.startswith("uint") else (-40, 40)
        v = rng.integers(lo, hi, n, endpoint=True).astype(np.dtype(dtype))
        v[:3] = [info.min, info.max, 0]
        return mx.array(rng.permutation(v).reshape(SHAPE))
    if dtype == "complex64":
        if op in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "abs", "real", "imag", "conjugate",
                  "negative", "logical_not", "stop_gradient"):
            sp = [complex(np.inf, 0), complex(-np.inf, 0), complex(0, np.inf), complex(np.nan, 0),
                  complex(0, np.nan), complex(1, np.inf), 0j]
        else:
            sp = [0.5 + 0.5j, -1.5 + 0.25j]
        re = rng.uniform(-3, 3, n - len(sp))
        im = rng.uniform(-3, 3, n - len(sp))
        v = np.concatenate([np.array(sp, dtype=np.complex64), (re + 1j * im).astype(np.complex64)])
        return mx.array(rng.permutation(v).reshape(SHAPE))
    v = float_values(n, op).reshape(SHAPE)
    if dtype == "float64":
        return mx.array(v.astype(np.float64), dtype=mx.float64)
    return mx.array(v.astype(np.float32)).astype(getattr(mx, dtype))


def np_float64(op, x, args):
    """float64 reference (numpy, mpmath), following MLX's definitions where they differ from numpy."""
    with np.errstate(all="ignore"):
        f = {"negative": np.negative, "abs": np.abs, "sqrt": np.sqrt, "square": np.square, "exp": np.exp,
             "expm1": np.expm1, "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
             "sin": np.sin, "cos": np.cos, "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos,
             "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "arcsinh": np.arcsinh,
             "arccosh": np.arccosh, "arctanh": np.arctanh, "floor": np.floor, "ceil": np.ceil,
             "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite, "isposinf": np.isposinf,
             "isneginf": np.isneginf, "logical_not": np.logical_not, "degrees": np.degrees,
             "radians": np.radians, "conjugate": np.conjugate, "real": np.real, "stop_gradient": lambda a: a}
        if op in f:
            return f[op](x)
        if op == "imag":
            return np.zeros_like(x)
        if op == "rsqrt":
            return 1.0 / np.sqrt(x)
        if op == "reciprocal":
            return 1.0 / x
        if op == "sign":  # MLX: (x > 0) - (x < 0), so sign(nan) = 0
            return (x > 0).astype(np.float64) - (x < 0).astype(np.float64)
        if op == "sigmoid":
            return 1.0 / (1.0 + np.exp(-x))
        if op == "erf":
            return np.vectorize(math.erf)(x)
        if op == "erfinv":
            def ei(v):
                if math.isnan(v) or abs(v) > 1:
                    return math.nan
                if abs(v) == 1:
                    return math.copysign(math.inf, v)
                return float(mpmath.erfinv(v))
            return np.vectorize(ei)(x)
        if op == "round":
            d = args.get("decimals", 0)
            if d == 0:
                return np.round(x)
            s = np.float32(10.0 ** d)
            return np.round(x * np.float64(s)) * np.float64(np.float32(1) / s)
    return None


def call(op, a, args):
    fn = getattr(mx, op)
    if op == "round":
        return fn(a, args.get("decimals", 0))
    if op == "nan_to_num":
        return fn(a, args.get("nan", 0.0), args.get("posinf"), args.get("neginf"))
    return fn(a)


cases = []


def add_case(op, dtype, args=None):
    args = args or {}
    x = make_input(dtype, op)
    name = f"{op}/{dtype}" + ("" if not args else "/" + ",".join(f"{k}={v}" for k, v in args.items()))
    case = {"name": name, "op": CAMEL.get(op, op), "args": args, "inputs": [encode(x)]}
    try:
        y = call(op, x, args)
        mx.eval(y)
    except Exception as e:  # MLX rejects this dtype: the test expects a DtypeError
        case["error"] = str(e)
        case["expected"] = None
        cases.append(case)
        return
    if dtype == "float64":
        ref = np_float64(op, np.array(x), args)
        if ref is not None:
            ref = np.asarray(ref)
            if ref.dtype == np.bool_ or op in ("logical_not",):
                case["expected"] = encode(ref.astype(np.bool_))
            else:
                case["expected"] = encode(ref.astype(np.float64))
            cases.append(case)
            return
    if dtype in ("float16", "bfloat16", "float32") and op in ("exp", "expm1", "sinh", "cosh"):
        # MLX's fast exp overflows to inf a little early (from x ~ 88.4 in float32); we expect the
        # correctly rounded finite value there (numpy in float64, cast to the dtype).
        ref = mx.array(np_float64(op, np.array(x.astype(mx.float32)).astype(np.float64), args).astype(np.float32))
        ref = ref.astype(y.dtype)
        y = mx.where(mx.isinf(y) & mx.isfinite(ref), ref, y)
    case["expected"] = encode(y)
    cases.append(case)


for op in OPS:
    for dt in DTYPES:
        add_case(op, dt)
for dt in ["float32", "float16", "float64", "int32", "uint8", "complex64", "bool"]:
    for d in (1, 2, -1):
        add_case("round", dt, {"decimals": d})
for dt in ["float32", "float16", "bfloat16"]:
    add_case("nan_to_num", dt, {"nan": 5.5, "posinf": 7.0, "neginf": -9.0})
    add_case("nan_to_num", dt, {"nan": -1.0, "posinf": 1e39})

write("unary", cases)
