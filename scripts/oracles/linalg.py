"""Oracle for mx.linalg: numpy.linalg in float64 (cast to the case dtype) for the ops whose
results are unique; MLX (CPU) for its conventions (lu's P, lu_factor's pivots, norm dtypes).
Decompositions that are unique only up to signs (QR, SVD vectors, eigenvectors) are checked by
reconstruction in the test; fixtures carry their inputs and the unique parts (values)."""
import numpy as np
import mlx.core as mx

from common import encode, write

rng = np.random.default_rng(7)
cases = []


def add(name, op, inputs, expected, args=None):
    cases.append({"name": name, "op": op, "args": args or {}, "inputs": [encode(x) for x in inputs],
                  "expected": [encode(e) for e in expected] if isinstance(expected, list) else encode(expected)})


def well(shape, dt):  # well conditioned square matrices
    n = shape[-1]
    return (rng.standard_normal(shape) + n * 0.5 * np.eye(n) + np.eye(n) * 2).astype(dt)


def spd(shape, dt):
    x = rng.standard_normal(shape)
    n = shape[-1]
    return (x @ np.swapaxes(x, -1, -2) + n * np.eye(n)).astype(dt)


def c(x, dt):
    return np.asarray(x).astype(dt)


SIZES = [(1,), (2,), (3,), (7,), (32,), (100,)]
BATCHES = [(), (3,), (2, 2)]
for dt in ["float32", "float64"]:
    for (n,) in SIZES:
        if n == 100 and dt == "float64":
            continue  # keeps the fixture small; float32 covers the blocked paths
        for bat in (BATCHES if n <= 3 else [(), (3,)]) if n <= 7 else [()]:
            shp = bat + (n, n)
            a = well(shp, dt)
            x = a.astype(np.float64)
            add(f"inv {dt} {shp}", "inv", [a], c(np.linalg.inv(x), dt))
            if n <= 7 or (n == 32 and dt == "float32"):
                low = np.tril(x)
                add(f"triInv lower {dt} {shp}", "triInv", [a], c(np.linalg.inv(low), dt), {"upper": False})
                add(f"triInv upper {dt} {shp}", "triInv", [a], c(np.linalg.inv(np.triu(x)), dt), {"upper": True})
                p = spd(shp, dt)
                lp = np.linalg.cholesky(p.astype(np.float64))
                add(f"cholesky {dt} {shp}", "cholesky", [p], c(lp, dt), {"upper": False})
                add(f"cholesky upper {dt} {shp}", "cholesky", [p], c(np.swapaxes(lp, -1, -2), dt), {"upper": True})
                add(f"choleskyInv {dt} {shp}", "choleskyInv", [c(lp, dt)], c(np.linalg.inv(p.astype(np.float64)), dt))
                b = rng.standard_normal(bat + (n, 2)).astype(dt)
                add(f"solve {dt} {shp}", "solve", [a, b], c(np.linalg.solve(x, b.astype(np.float64)), dt))
                add(f"solveTriangular {dt} {shp}", "solveTriangular", [a, b],
                    c(np.linalg.solve(np.triu(x), b.astype(np.float64)), dt), {"upper": True})
                if n <= 7:
                    add(f"det {dt} {shp}", "det", [a], c(np.linalg.det(x), dt))
                sg, ld = np.linalg.slogdet(x)
                add(f"slogdet {dt} {shp}", "slogdet", [a], [c(sg, dt), c(ld, dt)])
                mxa = mx.array(a, dtype=getattr(mx, dt))
                add(f"luFactor {dt} {shp}", "luFactor", [a], list(mx.linalg.lu_factor(mxa, stream=mx.cpu)))
                add(f"lu {dt} {shp}", "lu", [a], list(mx.linalg.lu(mxa, stream=mx.cpu)))
            s = rng.standard_normal(shp)
            s = (s + np.swapaxes(s, -1, -2)).astype(dt)
            add(f"eigh {dt} {shp}", "eigh", [s], c(np.linalg.eigvalsh(s.astype(np.float64)), dt), {"UPLO": "L"})
            if n <= 7:
                w = rng.standard_normal(shp).astype(dt)
                su = np.triu(w.astype(np.float64)) + np.swapaxes(np.triu(w.astype(np.float64), 1), -1, -2)
                add(f"eigh U {dt} {shp}", "eigh", [w], c(np.linalg.eigvalsh(su), dt), {"UPLO": "U"})
                ev = np.linalg.eigvals(w.astype(np.float64))
                add(f"eig {dt} {shp}", "eig", [w], c(ev, np.complex64))
    # Rectangular: QR / SVD / pinv / LU
    for shp in [(1, 1), (3, 5), (5, 3), (2, 4, 3), (7, 7), (32, 20), (20, 32)] + ([(100, 100)] if dt == "float32" else []):
        a = rng.standard_normal(shp).astype(dt)
        x = a.astype(np.float64)
        add(f"svd {dt} {shp}", "svd", [a], c(np.linalg.svd(x, compute_uv=False), dt))
        if shp[-1] == 100:
            continue
        add(f"qr {dt} {shp}", "qr", [a], c(np.abs(np.diagonal(np.linalg.qr(x)[1], axis1=-2, axis2=-1)), dt))
        if shp[-1] <= 32:
            add(f"pinv {dt} {shp}", "pinv", [a], c(np.linalg.pinv(x), dt))
            mxa = mx.array(a, dtype=getattr(mx, dt))
            add(f"lu rect {dt} {shp}", "lu", [a], list(mx.linalg.lu(mxa, stream=mx.cpu)))
    # Rank-deficient SVD (repeated zero singular values).
    r = (rng.standard_normal((6, 2)) @ rng.standard_normal((2, 4))).astype(dt)
    add(f"svd rank2 {dt}", "svd", [r], c(np.linalg.svd(r.astype(np.float64), compute_uv=False), dt))
    add(f"pinv rank2 {dt}", "pinv", [r], c(np.linalg.pinv(r.astype(np.float64), rcond=1e-5), dt))

# Norms: MLX gives dtypes, numpy (float64) the values.
def add_norm(a, ord, axis, keepdims, name):
    m = mx.linalg.norm(mx.array(a, dtype=getattr(mx, str(a.dtype))), ord=ord, axis=axis, keepdims=keepdims, stream=mx.cpu)
    ref = np.linalg.norm(a.astype(np.float64) if a.dtype != np.complex64 else a, ord=ord, axis=axis, keepdims=keepdims)
    add(name, "norm", [a], np.asarray(ref).astype(np.array(m).dtype),
        {"ord": ord if not (isinstance(ord, float) and np.isinf(ord)) else ("inf" if ord > 0 else "-inf"),
         "axis": list(axis) if isinstance(axis, tuple) else axis, "keepdims": keepdims})


for dt in ["float32", "float64"]:
    v = rng.standard_normal((5, 6)).astype(dt)
    v[0, 0] = 0
    for ord in [None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1]:
        add_norm(v, ord, 1, False, f"norm vec ord={ord} {dt}")
        add_norm(v, ord, 0, True, f"norm vec ord={ord} ax0 keep {dt}")
    add_norm(v[0], None, None, False, f"norm 1d {dt}")
    for ord in [None, "fro", "nuc", 1, -1, np.inf, -np.inf, 2, -2]:
        add_norm(v, ord, None, False, f"norm mat ord={ord} {dt}")
        t = rng.standard_normal((3, 4, 5)).astype(dt)
        add_norm(t, ord, (2, 0), True, f"norm mat ord={ord} axes=(2,0) keep {dt}")
        add_norm(t, ord, (0, 1), False, f"norm mat ord={ord} axes=(0,1) {dt}")
    add_norm(rng.standard_normal((2, 3, 4)).astype(dt), None, None, False, f"norm 3d flat {dt}")
add_norm(np.array([3, -4], dtype=np.int32), None, None, False, "norm int32")
add_norm(np.array([3, 0, -4], dtype=np.int32), 0, None, False, "norm int32 ord0")
add_norm(np.array([3, 4], dtype=np.float16), None, None, False, "norm float16")

# Cross (MLX for dtypes and broadcasting).
for (sa, sb, ax, da, db) in [((3,), (3,), -1, "float32", "float32"), ((4, 3), (3,), -1, "float32", "float64"),
                             ((3, 4), (3, 4), 0, "float32", "float32"), ((2,), (3,), -1, "float32", "float32"),
                             ((5, 2), (5, 2), -1, "float64", "float64"), ((3,), (3,), -1, "int32", "int32"),
                             ((2, 3, 2), (1, 3, 2), 1, "float32", "float32")]:
    a = (rng.standard_normal(sa) * 4).astype(da)
    b = (rng.standard_normal(sb) * 4).astype(db)
    r = mx.linalg.cross(mx.array(a, dtype=getattr(mx, da)), mx.array(b, dtype=getattr(mx, db)), axis=ax, stream=mx.cpu)
    add(f"cross {sa} {sb} axis={ax} {da}/{db}", "cross", [a, b], r, {"axis": ax})

write("linalg", cases)
