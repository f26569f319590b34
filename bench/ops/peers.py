"""Peers for bench/ops: numpy and MLX-CPU timings (seconds, medians) for the same cases."""
import json
import statistics
import sys
import time

import numpy as np
import mlx.core as mx


def med(fn, reps, warmup=2):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main():
    cfg = json.loads(sys.argv[1])
    rng = np.random.default_rng(0)
    out = {"numpy": {}, "mlx": {}}
    x = rng.standard_normal(cfg["elems"], dtype=np.float32)
    mxx = mx.array(x); mx.eval(mxx)
    out["numpy"]["sort"] = med(lambda: np.sort(x), 5)
    out["mlx"]["sort"] = med(lambda: mx.eval(mx.sort(mxx)), 5)
    out["numpy"]["cumsum"] = med(lambda: np.cumsum(x), 5)
    out["mlx"]["cumsum"] = med(lambda: mx.eval(mx.cumsum(mxx)), 5)
    frames = rng.standard_normal((3000, 400), dtype=np.float32)
    mf = mx.array(frames); mx.eval(mf)
    out["numpy"]["rfft"] = med(lambda: np.fft.rfft(frames, axis=-1), 10)
    out["mlx"]["rfft"] = med(lambda: mx.eval(mx.fft.rfft(mf)), 10)
    for name, (xs, ws, kw) in cfg["convs"].items():
        a = mx.array(rng.standard_normal(xs, dtype=np.float32)); w = mx.array(rng.standard_normal(ws, dtype=np.float32))
        mx.eval(a, w)
        fn = mx.conv2d if len(xs) == 4 else mx.conv1d
        out["mlx"][name] = med(lambda: mx.eval(fn(a, w, **kw)), 5)
    print(json.dumps(out))


main()
