"""Peers for bench/nn: MLX-CPU training steps (mlx.nn + mlx.optimizers), seconds, medians."""
import json
import statistics
import sys
import time

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim

mx.set_default_device(mx.cpu)


def med(fn, reps, warmup=3):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


class MLP(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = [nn.Linear(i, o) for i, o in zip(dims[:-1], dims[1:])]

    def __call__(self, x):
        for k, l in enumerate(self.layers):
            x = l(x)
            if k < len(self.layers) - 1:
                x = nn.relu(x)
        return x


class CharLM(nn.Module):
    def __init__(self, vocab, ctx, dims, heads, layers, mlpDims):
        super().__init__()
        self.tok = nn.Embedding(vocab, dims)
        self.pos = nn.Embedding(ctx, dims)
        self.layers = [nn.TransformerEncoderLayer(dims, heads, mlpDims) for _ in range(layers)]
        self.ln = nn.LayerNorm(dims)
        self.out = nn.Linear(dims, vocab)

    def __call__(self, idx):
        T = idx.shape[1]
        h = self.tok(idx) + self.pos(mx.arange(T))
        mask = nn.MultiHeadAttention.create_additive_causal_mask(T)
        for l in self.layers:
            h = l(h, mask)
        return self.out(self.ln(h))


def step_time(model, opt, x, y, reps):
    mx.eval(model.parameters(), x, y)
    vg = nn.value_and_grad(model, lambda a, b: nn.losses.cross_entropy(model(a), b, reduction="mean"))

    def step():
        loss, g = vg(x, y)
        opt.update(model, g)
        mx.eval(loss, model.parameters(), opt.state)
    return med(step, reps)


def main():
    cfg = json.loads(sys.argv[1])
    mx.random.seed(0)
    out = {"mlx": {}}
    m = cfg["mlp"]
    out["mlx"]["mlp"] = step_time(MLP(m["dims"]), optim.Adam(1e-3), mx.random.normal((m["batch"], m["dims"][0])),
                                  mx.random.randint(0, m["dims"][-1], (m["batch"],)), cfg["reps"])
    c = cfg["lm"]
    x = mx.random.randint(0, c["vocab"], (c["batch"], c["ctx"]))
    y = mx.random.randint(0, c["vocab"], (c["batch"], c["ctx"]))
    out["mlx"]["lm"] = step_time(CharLM(c["vocab"], c["ctx"], c["dims"], c["heads"], c["layers"], c["mlpDims"]),
                                 optim.AdamW(1e-3), x, y, cfg["reps"])
    print(json.dumps(out))


main()
