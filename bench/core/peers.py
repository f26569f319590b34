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


if __name__ == "__main__":
    main()
