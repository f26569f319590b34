"""Oracle for mx.random: MLX's outputs for fixed keys, seeds and shapes.

Python's mlx.core.random has no `bits`, so raw bits (widths 1/2/4, odd byte counts) come from a
tiny C++ program linked against the installed libmlx (mlx::core::random::bits).
Cases carry `seed` (the key is mx.random.key(seed)) or `global_seed` (mx.random.seed then
successive calls without a key). `exact` marks cases that must match bit for bit.
"""
import os
import subprocess
import tempfile

import numpy as np
import mlx.core as mx

from common import encode as _encode, write


def encode(a):
    # common.encode goes through np.ascontiguousarray, which turns 0-d arrays into shape (1,).
    e = _encode(a)
    e["shape"] = list(a.shape)
    return e

BITS_CC = r"""
#include "mlx/mlx.h"
#include <cstdio>
#include <cstdlib>
namespace mx = mlx::core;
int main(int argc, char** argv) {
  uint32_t a = strtoul(argv[1], 0, 10), b = strtoul(argv[2], 0, 10);
  int width = atoi(argv[3]);
  mx::Shape shape;
  for (int i = 4; i < argc; i++) shape.push_back(atoi(argv[i]));
  auto r = mx::random::bits(shape, width, mx::array({a, b}));
  mx::eval(r);
  auto p = r.data<uint8_t>();
  for (size_t i = 0; i < r.nbytes(); i++) printf("%02x", p[i]);
  printf("\n");
}
"""


def build_bits_tool(tmp):
    root = os.path.dirname(mx.__file__) if mx.__file__ else None
    if root is None or not os.path.isdir(os.path.join(root, "include")):
        import mlx
        root = list(mlx.__path__)[0]
    src = os.path.join(tmp, "bits.cc")
    exe = os.path.join(tmp, "bits")
    with open(src, "w") as f:
        f.write(BITS_CC)
    lib = os.path.join(root, "lib")
    subprocess.check_call(["g++", "-std=c++20", "-O1", "-I" + os.path.join(root, "include"), src, "-L" + lib,
                           "-lmlx", "-Wl,-rpath," + lib, "-o", exe])
    return exe


def key_of(seed):
    return mx.random.key(seed)


def seed_str(seed):
    return str(seed)


def main():
    cases = []
    seeds = [0, 1, 42, 2**40 + 7]
    tmp = tempfile.mkdtemp()
    exe = build_bits_tool(tmp)
    dts = {1: np.uint8, 2: np.uint16, 4: np.uint32}
    for seed in seeds:
        k = np.array(key_of(seed))
        for width in (1, 2, 4):
            for shape in ([], [1], [2], [3], [5], [7], [2, 3], [4, 4], [3, 5, 2], [0], [1001], [2, 3, 3]):
                out = subprocess.check_output([exe, str(k[0]), str(k[1]), str(width)] + [str(s) for s in shape])
                data = np.frombuffer(bytes.fromhex(out.decode().strip()), dtype=dts[width]).reshape(tuple(shape))
                cases.append({"name": f"bits w{width} {shape} seed {seed}", "op": "bits", "seed": seed_str(seed),
                              "args": {"shape": shape, "width": width}, "inputs": [], "expected": encode(data),
                              "exact": True})
    for seed in (0, 1, 2**32 + 5, 2**64 - 1, 123456789):
        cases.append({"name": f"key {seed}", "op": "key", "seed": seed_str(seed), "inputs": [],
                      "expected": encode(mx.random.key(seed)), "exact": True})
    for seed in seeds:
        for num in (1, 2, 3, 5):
            cases.append({"name": f"split {num} seed {seed}", "op": "split", "seed": seed_str(seed),
                          "args": {"num": num}, "inputs": [], "expected": encode(mx.random.split(key_of(seed), num)),
                          "exact": True})

    def add(name, op, args, expected, seed=None, inputs=(), exact=True, **extra):
        c = {"name": name, "op": op, "args": args, "inputs": [encode(x) for x in inputs], "expected": encode(expected),
             "exact": exact}
        if seed is not None:
            c["seed"] = seed_str(seed)
        c.update(extra)
        cases.append(c)

    # uniform
    for seed in seeds[:3]:
        k = key_of(seed)
        for dt in ("float32", "float16", "bfloat16"):
            d = getattr(mx, dt)
            for shape in ([], [1], [7], [3, 4], [2, 3, 5], [1000]):
                add(f"uniform {dt} {shape} seed {seed}", "uniform", {"low": 0, "high": 1, "shape": shape, "dtype": dt},
                    mx.random.uniform(0, 1, shape, d, key=k), seed)
            add(f"uniform {dt} [-2.5, 7.25) seed {seed}", "uniform", {"low": -2.5, "high": 7.25, "shape": [33], "dtype": dt},
                mx.random.uniform(-2.5, 7.25, [33], d, key=k), seed)
        lo = mx.array([0.0, -1.0, 10.0])
        hi = mx.array([[1.0], [2.0]])
        add(f"uniform array bounds seed {seed}", "uniform", {"low": "input0", "high": "input1", "shape": [2, 3]},
            mx.random.uniform(lo, hi, [2, 3], key=k), seed, inputs=[lo, hi])
        add(f"uniform huge range seed {seed}", "uniform", {"low": -1, "high": 2**40, "shape": [9]},
            mx.random.uniform(-1, 2**40, [9], key=k), seed)
    # randint
    for seed in seeds[:3]:
        k = key_of(seed)
        for dt in ("int32", "uint8", "int8", "int16", "uint16", "uint32", "int64", "uint64", "bool"):
            for lo, hi in ((0, 10), (-3, 200), (-3.7, 10.9), (0, 300), (5, 0), (-100000, 100000)):
                add(f"randint {dt} [{lo},{hi}) seed {seed}", "randint",
                    {"low": lo, "high": hi, "shape": [17], "dtype": dt},
                    mx.random.randint(lo, hi, [17], getattr(mx, "bool_" if dt == "bool" else dt), key=k), seed)
        add(f"randint big int32 seed {seed}", "randint", {"low": 0, "high": 2**31 - 1, "shape": [3, 3]},
            mx.random.randint(0, 2**31 - 1, [3, 3], key=k), seed)
        lo = mx.array([0, 10, 100], dtype=mx.int32)
        hi = mx.array([5, 20, 1000], dtype=mx.int32)
        add(f"randint array bounds seed {seed}", "randint", {"low": "input0", "high": "input1", "shape": [4, 3]},
            mx.random.randint(lo, hi, [4, 3], key=k), seed, inputs=[lo, hi])
    # bernoulli
    for seed in seeds[:3]:
        k = key_of(seed)
        for p in (0.0, 0.3, 0.5, 1.0):
            add(f"bernoulli p={p} seed {seed}", "bernoulli", {"p": p, "shape": [41]},
                mx.random.bernoulli(p, [41], key=k), seed)
        add(f"bernoulli scalar seed {seed}", "bernoulli", {"p": 0.5}, mx.random.bernoulli(0.5, key=k), seed)
        for dt in ("float32", "float16", "bfloat16"):
            p = mx.array([[0.1, 0.5, 0.9], [0.25, 0.75, 0.999]], dtype=getattr(mx, dt))
            add(f"bernoulli array {dt} seed {seed}", "bernoulli", {"p": "input0"},
                mx.random.bernoulli(p, key=k), seed, inputs=[p])
        p = mx.array([0.2, 0.8])
        add(f"bernoulli broadcast seed {seed}", "bernoulli", {"p": "input0", "shape": [3, 2]},
            mx.random.bernoulli(p, [3, 2], key=k), seed, inputs=[p])
    # normal and friends
    for seed in seeds[:3]:
        k = key_of(seed)
        for dt in ("float32", "float16", "bfloat16", "float64"):
            d = getattr(mx, dt)
            for shape in ([], [5], [3, 7], [500]):
                add(f"normal {dt} {shape} seed {seed}", "normal", {"shape": shape, "dtype": dt},
                    mx.random.normal(shape, d, key=k), seed)
            add(f"normal {dt} loc/scale seed {seed}", "normal", {"shape": [9], "dtype": dt, "loc": 1.5, "scale": 0.25},
                mx.random.normal([9], d, 1.5, 0.25, key=k), seed)
        loc = mx.array([1.0, 2.0, 3.0])
        scale = mx.array([[1.0], [2.0]])
        add(f"normal array loc/scale seed {seed}", "normal", {"shape": [3], "loc": "input0", "scale": "input1"},
            mx.random.normal([3], loc=loc, scale=scale, key=k), seed, inputs=[loc, scale])
        add(f"normal complex64 seed {seed}", "normal", {"shape": [6], "dtype": "complex64"},
            mx.random.normal([6], mx.complex64, key=k), seed)
        add(f"normal complex64 loc/scale seed {seed}", "normal", {"shape": [2, 3], "dtype": "complex64", "loc": 1.0, "scale": 2.0},
            mx.random.normal([2, 3], mx.complex64, 1.0, 2.0, key=k), seed)
        for dt in ("float32", "float16", "bfloat16"):
            d = getattr(mx, dt)
            add(f"truncated_normal {dt} seed {seed}", "truncated_normal",
                {"lower": -1, "upper": 2, "shape": [50], "dtype": dt},
                mx.random.truncated_normal(-1, 2, [50], d, key=k), seed, exact=False)
            add(f"gumbel {dt} seed {seed}", "gumbel", {"shape": [40], "dtype": dt},
                mx.random.gumbel([40], d, key=k), seed)
        lo = mx.array([-1.0, 0.0, 0.5])
        add(f"truncated_normal array seed {seed}", "truncated_normal", {"lower": "input0", "upper": 1.5},
            mx.random.truncated_normal(lo, 1.5, key=k), seed, inputs=[lo], exact=False)
        for dt in ("float32", "float16", "bfloat16", "float64"):
            d = getattr(mx, dt)
            add(f"laplace {dt} seed {seed}", "laplace", {"shape": [40], "dtype": dt},
                mx.random.laplace([40], d, key=k), seed)
            add(f"laplace {dt} loc/scale seed {seed}", "laplace", {"shape": [3, 5], "dtype": dt, "loc": 1.0, "scale": 2.0},
                mx.random.laplace([3, 5], d, 1.0, 2.0, key=k), seed)
        logits = mx.array(np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], dtype=np.float32)))
        add(f"categorical seed {seed}", "categorical", {"logits": "input0"},
            mx.random.categorical(logits, key=k), seed, inputs=[logits])
        add(f"categorical num_samples seed {seed}", "categorical", {"logits": "input0", "num_samples": 7},
            mx.random.categorical(logits, num_samples=7, key=k), seed, inputs=[logits])
        add(f"categorical axis 0 shape seed {seed}", "categorical", {"logits": "input0", "axis": 0, "shape": [4, 3]},
            mx.random.categorical(logits, 0, shape=[4, 3], key=k), seed, inputs=[logits])
        for n in (1, 5, 33):
            add(f"permutation {n} seed {seed}", "permutation", {"n": n}, mx.random.permutation(n, key=k), seed)
        x = mx.arange(12, dtype=mx.int32).reshape(3, 4)
        for axis in (0, 1, -1):
            add(f"permutation array axis {axis} seed {seed}", "permutation", {"x": "input0", "axis": axis},
                mx.random.permutation(x, axis, key=k), seed, inputs=[x])
        mean = mx.array([1.0, -2.0, 0.5])
        cov = mx.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 0.5]])
        add(f"multivariate_normal seed {seed}", "multivariate_normal", {"mean": "input0", "cov": "input1", "shape": [4]},
            mx.random.multivariate_normal(mean, cov, [4], key=k), seed, inputs=[mean, cov], exact=False)
    # the global key sequence: seed(s) then successive calls without a key
    for s in (0, 7, 2**33 + 1):
        mx.random.seed(s)
        seq = [mx.random.uniform(shape=[3]), mx.random.normal([2]), mx.random.randint(0, 10, [4]),
               mx.random.bernoulli(0.5, [5]), mx.random.uniform(shape=[2], dtype=mx.float16),
               mx.random.permutation(6), mx.random.gumbel([2])]
        for i, v in enumerate(seq):
            cases.append({"name": f"sequence seed {s} #{i}", "op": "sequence", "global_seed": seed_str(s), "index": i,
                          "inputs": [], "expected": encode(v), "exact": True})
    write("random", cases)


if __name__ == "__main__":
    main()
