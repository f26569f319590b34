"""Times the bench/core cases with numpy and MLX-CPU; prints one JSON object (seconds, medians)."""
import json
import os
import statistics
import sys
import time

import numpy as np
import mlx.core as mx


def median_time(fn, reps, warmup=2):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main():
    cfg = json.loads(sys.argv[1])
    out = {"numpy": {}, "mlx": {}, "info": {}}
    try:
        from threadpoolctl import threadpool_info
        out["info"]["blas"] = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")} for i in threadpool_info()]
    except Exception as e:  # noqa: BLE001
        out["info"]["blas"] = str(e)
    out["info"]["numpy"] = np.__version__
    out["info"]["mlx"] = mx.__version__
    rng = np.random.default_rng(0)

    # Copy bandwidth (read + write) as the bandwidth limit for elementwise cases.
    big = rng.standard_normal(1 << 25, dtype=np.float32)
    dst = np.empty_like(big)
    t = median_time(lambda: np.copyto(dst, big), 5)
    out["info"]["copy_GBps"] = 2 * big.nbytes / t / 1e9

    if "engine" in cfg:
        engine_cases(cfg["engine"], out, rng)
    for n in cfg["gemm"]:
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        reps = max(3, min(50, int(2e9 / (2 * n ** 3))))
        out["numpy"][f"gemm{n}"] = median_time(lambda: a @ b, reps)
        ma, mb = mx.array(a), mx.array(b)
        mx.eval(ma, mb)
        out["mlx"][f"gemm{n}"] = median_time(lambda: mx.eval(ma @ mb), reps)

    n = cfg["elems"]
    x = rng.standard_normal(n, dtype=np.float32)
    y = rng.standard_normal(n, dtype=np.float32)
    mxx, mxy = mx.array(x), mx.array(y)
    mx.eval(mxx, mxy)
    out["numpy"]["add"] = median_time(lambda: x + y, 10)
    out["mlx"]["add"] = median_time(lambda: mx.eval(mxx + mxy), 10)
    out["numpy"]["exp"] = median_time(lambda: np.exp(x), 10)
    out["mlx"]["exp"] = median_time(lambda: mx.eval(mx.exp(mxx)), 10)
    out["numpy"]["sum"] = median_time(lambda: x.sum(), 10)
    out["mlx"]["sum"] = median_time(lambda: mx.eval(mxx.sum()), 10)

    chain = cfg["chain"]
    small = mx.ones((4,))
    mx.eval(small)

    def build_chain():
        z = small
        for i in range(chain):
            z = z + 1.0 if i % 2 == 0 else z * 0.5
        mx.eval(z)

    out["mlx"]["chain"] = median_time(build_chain, 20) / chain
    print(json.dumps(out))


def engine_cases(cfg, out, rng):
    """Mirrors bench/core/engine_cases.mjs (same case names)."""
    v = cfg["vocab"]
    w = rng.standard_normal((v["N"], v["K"]), dtype=np.float32)
    mw = mx.array(w)
    mwh, mwb = mw.astype(mx.float16), mw.astype(mx.bfloat16)
    mx.eval(mw, mwh, mwb)
    for m in v["rows"]:
        x = rng.standard_normal((m, v["K"]), dtype=np.float32)
        mxx = mx.array(x)
        out["numpy"][f"f32 x[{m}]·Wᵀ"] = median_time(lambda: x @ w.T, 11)
        out["mlx"][f"f32 x[{m}]·Wᵀ"] = median_time(lambda: mx.eval(mxx @ mw.T), 11)
    for m in cfg["half"]["rows"]:
        x = mx.array(rng.standard_normal((m, v["K"]), dtype=np.float32))
        xh, xb = x.astype(mx.float16), x.astype(mx.bfloat16)
        mx.eval(xh, xb)
        out["mlx"][f"f16 x[{m}]·Wᵀ"] = median_time(lambda: mx.eval(xh @ mwh.T), 7)
        out["mlx"][f"bf16 x[{m}]·Wᵀ"] = median_time(lambda: mx.eval(xb @ mwb.T), 7)
    del mw, mwh, mwb
    q = cfg["qmm"]
    wq, s, b = mx.quantize(mx.array(rng.standard_normal((q["N"], q["K"]), dtype=np.float32)), q["gs"], q["bits"])
    mx.eval(wq, s, b)
    for m in q["rows"]:
        x = mx.array(rng.standard_normal((m, q["K"]), dtype=np.float32))
        f = lambda: mx.eval(mx.quantized_matmul(x, wq, s, b, transpose=True, group_size=q["gs"], bits=q["bits"]))
        out["mlx"][f"qmm q4 {q['N']}x{q['K']} M={m}"] = median_time(f, 5 if m >= 256 else 21)
    for c in cfg["qmv"]:
        cq, cs, cb = mx.quantize(mx.array(rng.standard_normal((c["N"], c["K"]), dtype=np.float32)), c["gs"], c["bits"])
        x = mx.array(rng.standard_normal((1, c["K"]), dtype=np.float32))
        mx.eval(cq, cs, cb, x)
        f = lambda: mx.eval(mx.quantized_matmul(x, cq, cs, cb, transpose=True, group_size=c["gs"], bits=c["bits"]))
        out["mlx"][f"qmv {c['name']}"] = median_time(f, 11)


if __name__ == "__main__":
    main()
