"""Peers for bench/transforms: MLX-CPU (and numpy for the copy bandwidth), seconds, medians."""
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


def mlp_params(dims, rng):
    return [{"w": mx.array(rng.standard_normal((o, i), dtype=np.float32) * (2 / i) ** 0.5), "b": mx.zeros((o,))}
            for i, o in zip(dims[:-1], dims[1:])]


def mlp_loss(params, x, y):
    h = x
    for k, p in enumerate(params):
        h = h @ p["w"].T + p["b"]
        if k < len(params) - 1:
            h = mx.maximum(h, 0)
    return mx.mean(mx.logsumexp(h, axis=-1) - mx.take_along_axis(h, y[:, None], axis=-1)[:, 0])


def main():
    cfg = json.loads(sys.argv[1])
    rng = np.random.default_rng(0)
    out = {"mlx": {}, "numpy": {}}
    big = rng.standard_normal(cfg["elems"], dtype=np.float32)
    dst = np.empty_like(big)
    out["numpy"]["copy"] = med(lambda: np.copyto(dst, big), 10)
    params = mlp_params(cfg["mlp"], rng)
    x = mx.array(rng.standard_normal((cfg["batch"], cfg["mlp"][0]), dtype=np.float32))
    y = mx.array(rng.integers(0, cfg["mlp"][-1], cfg["batch"]).astype(np.int32))
    vg = mx.value_and_grad(mlp_loss)
    out["mlx"]["mlp"] = med(lambda: mx.eval(vg(params, x, y)), 10)
    for (n, k) in cfg["qmv"]:
        for bits in (4, 8):
            w = mx.array(rng.standard_normal((n, k), dtype=np.float32))
            wq, s, b = mx.quantize(w, 64, bits)
            v = mx.array(rng.standard_normal((1, k), dtype=np.float32))
            mx.eval(wq, s, b, v)
            out["mlx"][f"qmv{bits}_{n}x{k}"] = med(lambda: mx.eval(mx.quantized_matmul(v, wq, s, b, True, 64, bits)), 20)
    q = mx.array(rng.standard_normal(cfg["attn"], dtype=np.float32))
    mx.eval(q)
    out["mlx"]["attn"] = med(lambda: mx.eval(mx.fast.scaled_dot_product_attention(q, q, q, scale=cfg["attn"][-1] ** -0.5)), 5)
    print(json.dumps(out))


main()
