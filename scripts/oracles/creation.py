"""Oracle fixtures for creation ops (MLX is the reference)."""
import mlx.core as mx

from common import encode as encode_raw, write


def encode(a):
    e = encode_raw(a)
    e["shape"] = list(a.shape)
    return e


D = lambda n: getattr(mx, "bool_" if n == "bool" else n) if n else None
cases = []
specs = [
    ("arange", [5], None), ("arange", [2, 9], None), ("arange", [0, 1, 0.3], None), ("arange", [5, 0, -2], None),
    ("arange", [5, 0], None), ("arange", [0.5, 3], "int32"), ("arange", [-3.5, 3, 1.5], "int32"), ("arange", [0, 5], "float16"),
    ("arange", [0, 5], "uint8"), ("arange", [-2, 2, 0.5], "float64"), ("arange", [0, 6, 2], "bfloat16"), ("arange", [10], "int64"),
    ("linspace", [0, 1, 5], None), ("linspace", [0, 10, 4], "int32"), ("linspace", [0, 1, 1], None), ("linspace", [0, 1, 0], None),
    ("linspace", [3, -1, 5], "int32"), ("linspace", [-1, 1, 50], "float16"), ("linspace", [0, 2, 7], "float64"),
    ("eye", [3, 4, 1], None), ("eye", [3, 2, -1], "int32"), ("eye", [2, 2, 5], None), ("eye", [0, 0, 0], None), ("eye", [4, 4, 0], "bool"),
    ("identity", [3], "float16"), ("tri", [3, 4, -1], None), ("tri", [3, 3, 1], "int32"), ("tri", [0, 0, 0], None), ("tri", [2, 5, 2], "uint8"),
    ("zeros", [[2, 3]], "int16"), ("ones", [[3]], "bfloat16"), ("zeros", [[2, 0]], None), ("ones", [[]], None),
]
for op, args, dt in specs:
    kw = {"dtype": D(dt)} if dt else {}
    if op in ("zeros", "ones") and not dt:
        out = getattr(mx, op)(args[0])
    elif op == "identity":
        out = mx.identity(args[0], **kw)
    else:
        out = getattr(mx, op)(*args, **kw)
    cases.append({"name": f"{op}_{args}_{dt}", "op": op, "args": args, "dtype": dt, "inputs": [], "expected": encode(out)})
write("creation", cases)
