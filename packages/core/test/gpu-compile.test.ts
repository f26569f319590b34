// mx.compile on the GPU: fused elementwise programs become CUDA kernels generated at run time
// (NVRTC) and cached on disk. Results are compared with the same ops uncompiled on the CPU backend
// (checked against NumPy/MLX fixtures by the other test files). Skipped without CUDA, except the
// CPU check that half-precision chains stay unfused there.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

const hasGpu = mx.cuda.isAvailable();
const CORE_URL = new URL('../dist/index.js', import.meta.url).href;

const f32 = (a: mx.array) => mx.astype(a, mx.float32, mx.cpu).toTypedArray() as Float32Array;
const uniform = (lo: number, hi: number, shape: number[], seed: number) =>
  mx.random.uniform(lo, hi, shape, mx.float32, mx.random.key(seed), mx.cpu);

// Runs `fn` with the GPU (or CPU) as the default device, so compile traces and replays there.
function on<T>(d: mx.Device, fn: () => T): T {
  using _s = mx.stream(d);
  const r = fn();
  mx.eval(r as any);
  return r;
}

// float32 spacing at |w| (ulp), for error bounds in ulps.
function ulp(w: number): number {
  const a = Math.abs(w);
  if (!(a > 0) || !Number.isFinite(a)) return 2 ** -149;
  return 2 ** (Math.max(Math.floor(Math.log2(a)), -126) - 23);
}
// Largest error of got vs want in float32 ulps of want; absolute differences under atol are 0.
function maxUlps(got: mx.array, want: mx.array, atol = 0): number {
  const g = f32(got), w = f32(want);
  expect(g.length).toBe(w.length);
  let worst = 0;
  for (let i = 0; i < g.length; i++) {
    if (Number.isNaN(w[i]) || Number.isNaN(g[i])) {
      if (Number.isNaN(w[i]) !== Number.isNaN(g[i])) return Infinity;
      continue;
    }
    if (g[i] === w[i]) continue;
    const d = Math.abs(g[i] - w[i]);
    if (d <= atol) continue;
    worst = Math.max(worst, d / ulp(w[i]));
  }
  return worst;
}

function noFallback() {
  expect(mx.cuda.counters()['fallback:Compiled'] ?? 0).toBe(0);
}

// Unary ops that fuse, their input domain, and the CUDA maximum error in ulps (CUDA C Programming
// Guide, single-precision math table; 0 = correctly rounded). The CPU side (SIMD kernels) is allowed
// 3 more ulps.
const UNARY: [string, (x: mx.array) => mx.array, number, number, number][] = [
  ['abs', mx.abs, -3, 3, 0], ['negative', mx.negative, -3, 3, 0], ['sign', mx.sign, -3, 3, 0],
  ['sqrt', mx.sqrt, 0.01, 9, 0], ['rsqrt', mx.rsqrt, 0.01, 9, 1], ['square', mx.square, -3, 3, 0],
  ['reciprocal', mx.reciprocal, 0.1, 9, 0], ['exp', mx.exp, -9, 9, 2], ['expm1', mx.expm1, -3, 3, 1],
  ['log', mx.log, 0.01, 9, 1], ['log2', mx.log2, 0.01, 9, 1], ['log10', mx.log10, 0.01, 9, 2],
  ['log1p', mx.log1p, -0.9, 9, 1], ['sin', mx.sin, -3, 3, 2], ['cos', mx.cos, -3, 3, 2], ['tan', mx.tan, -1.4, 1.4, 4],
  ['arcsin', mx.arcsin, -0.99, 0.99, 2], ['arccos', mx.arccos, -0.99, 0.99, 2], ['arctan', mx.arctan, -9, 9, 2],
  ['sinh', mx.sinh, -5, 5, 3], ['cosh', mx.cosh, -5, 5, 2], ['tanh', mx.tanh, -5, 5, 2],
  ['arcsinh', mx.arcsinh, -9, 9, 3], ['arccosh', mx.arccosh, 1.01, 9, 4], ['arctanh', mx.arctanh, -0.99, 0.99, 3],
  ['sigmoid', mx.sigmoid, -9, 9, 3], ['erf', mx.erf, -3, 3, 2], ['erfinv', mx.erfinv, -0.99, 0.99, 2],
  ['floor', mx.floor, -9, 9, 0], ['ceil', mx.ceil, -9, 9, 0], ['round', (x) => mx.round(x), -9, 9, 0],
  ['round(2)', (x) => mx.round(x, 2), -9, 9, 0], ['degrees', mx.degrees, -3, 3, 0], ['radians', mx.radians, -300, 300, 0],
  ['nanToNum', (x) => mx.nanToNum(mx.log(x), 7, 8, -9), -1, 1, 1],
];
const BINARY: [string, (a: mx.array, b: mx.array) => mx.array, [number, number], [number, number], number][] = [
  ['add', mx.add, [-3, 3], [-3, 3], 0], ['subtract', mx.subtract, [-3, 3], [-3, 3], 0],
  ['multiply', mx.multiply, [-3, 3], [-3, 3], 0], ['divide', mx.divide, [-3, 3], [0.5, 3], 0],
  ['floorDivide', mx.floorDivide, [-9, 9], [0.5, 3], 0], ['remainder', mx.remainder, [-9, 9], [-3, -0.5], 0],
  ['power', mx.power, [0.1, 3], [-3, 3], 4], ['maximum', mx.maximum, [-3, 3], [-3, 3], 0],
  ['minimum', mx.minimum, [-3, 3], [-3, 3], 0], ['arctan2', mx.arctan2, [-3, 3], [-3, 3], 3],
  ['logaddexp', mx.logaddexp, [-9, 9], [-9, 9], 3],
];

describe('compile: half precision stays unfused on the CPU', () => {
  it('a bfloat16/float16 chain compiled on the CPU equals the uncompiled ops exactly', () => {
    for (const dt of [mx.bfloat16, mx.float16]) {
      const x = mx.astype(uniform(-4, 4, [4099], 1), dt, mx.cpu);
      const chain = (v: mx.array) => mx.multiply(mx.tanh(mx.add(mx.multiply(v, 0.75), 0.125)), mx.add(v, 1));
      const want = on(mx.cpu, () => chain(x));
      const got = on(mx.cpu, () => mx.compile(chain)(x));
      expect(got.dtype).toBe(dt);
      expect(mx.arrayEqual(got, want).item()).toBe(true);
    }
  });
});

describe.skipIf(!hasGpu)('compile on the GPU (NVRTC fused kernels)', () => {
  let cacheDir = '';
  const prevCache = process.env.MLX_CACHE_DIR;
  beforeAll(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'mlx-jit-'));
    process.env.MLX_CACHE_DIR = cacheDir;
  });
  afterAll(() => {
    if (prevCache === undefined) delete process.env.MLX_CACHE_DIR; else process.env.MLX_CACHE_DIR = prevCache;
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('every fusable unary op matches the CPU within its documented ulps', () => {
    mx.cuda.resetCounters();
    const failures: string[] = [];
    UNARY.forEach(([name, op, lo, hi, ulps], k) => {
      const x = uniform(lo, hi, [2053], 10 + k);
      // A chain of two ops (one alone is not fused); multiplying by 1 is exact.
      const chain = (v: mx.array) => mx.multiply(op(v), 1);
      const want = on(mx.cpu, () => chain(x));  // uncompiled
      const got = on(mx.gpu, () => mx.compile(chain)(x));
      const e = maxUlps(got, want, 1e-7);
      if (!(e <= ulps + 3)) failures.push(`${name}: ${e} ulps`);
    });
    expect(failures).toEqual([]);
    noFallback();
    expect(mx.cuda.counters()['jit_nvrtc_compiles']).toBeGreaterThanOrEqual(UNARY.length);
  });

  it('every fusable binary op matches the CPU, with broadcasting', () => {
    const failures: string[] = [];
    BINARY.forEach(([name, op, [alo, ahi], [blo, bhi], ulps], k) => {
      const a = uniform(alo, ahi, [37, 64], 40 + k);
      const b = uniform(blo, bhi, [64], 60 + k);
      const chain = (p: mx.array, q: mx.array) => mx.multiply(op(p, q), 1);
      const want = on(mx.cpu, () => chain(a, b));
      const got = on(mx.gpu, () => mx.compile(chain)(a, b));
      const e = maxUlps(got, want, 1e-7);
      if (!(e <= ulps + 3)) failures.push(`${name}: ${e} ulps`);
    });
    expect(failures).toEqual([]);
    noFallback();
  });

  it('special values follow the CPU (NaN, ±inf, signed zero)', () => {
    const x = mx.array([NaN, Infinity, -Infinity, 0, -0, 1, -1, 3.5, -2.5]);
    const y = mx.array([1, NaN, 2, -0, 0, Infinity, -Infinity, NaN, -2.5]);
    // Each output reads its own first op (shared ones would be merged and left unfused).
    const chain = (p: mx.array, q: mx.array) => [
      mx.maximum(mx.abs(p), q), mx.minimum(mx.negative(p), q), mx.logaddexp(mx.multiply(p, 1), q),
      mx.nanToNum(mx.multiply(p, 2), 0, 5, -5), mx.sign(mx.subtract(p, 0)), mx.round(mx.divide(p, 1)),
      mx.remainder(mx.add(p, 0), q), mx.floorDivide(mx.multiply(p, -1), q),
    ];
    const want = on(mx.cpu, () => chain(x, y));
    const got = on(mx.gpu, () => mx.compile(chain)(x, y));
    const values = (a: mx.array) => Array.from(f32(a), (v) => (v === 0 ? 0 : v));  // +0 and -0 alike
    for (let k = 0; k < want.length; k++) expect(values(got[k]), `output ${k}`).toEqual(values(want[k]));
    noFallback();
  });

  it('broadcasts inputs of several shapes, constants, multiple outputs and shapeless programs', () => {
    const x = uniform(-2, 2, [4, 1, 33], 1), y = uniform(-2, 2, [5, 1], 2), b = uniform(-1, 1, [33], 3);
    const f = (p: mx.array, q: mx.array, r: mx.array) => {
      const h = mx.tanh(mx.add(mx.multiply(p, q), r));
      return [mx.multiply(h, 0.5), mx.exp(mx.subtract(mx.square(q), mx.multiply(r, 0.25)))];
    };
    const want = on(mx.cpu, () => f(x, y, b));
    const got = on(mx.gpu, () => mx.compile(f)(x, y, b));
    for (let k = 0; k < 2; k++) {
      expect(got[k].shape).toEqual(want[k].shape);
      expect(maxUlps(got[k], want[k], 1e-7)).toBeLessThanOrEqual(6);
    }
    // Row bias [96] and per-row scale [129, 1]: vector accesses along rows (bias loaded as vectors, the
    // scale once per row); the same with rows that start unaligned (a column slice: one element each).
    const rowf = (p: mx.array, bias: mx.array, sc: mx.array) => mx.multiply(mx.tanh(mx.add(p, bias)), sc);
    const wide = uniform(-2, 2, [129, 97], 12), bias = uniform(-1, 1, [96], 13), sc = uniform(0.5, 2, [129, 1], 14);
    for (const p of [mx.index(wide, mx.Slice(), mx.Slice(0, 96)), mx.index(wide, mx.Slice(), mx.Slice(1))]) {
      const dense = mx.add(p, 0);  // a contiguous copy: rows aligned
      for (const v of [dense, p]) {
        const r = on(mx.gpu, () => mx.compile(rowf)(v, bias, sc));
        expect(maxUlps(r, on(mx.cpu, () => rowf(v, bias, sc)), 1e-7)).toBeLessThanOrEqual(5);
      }
      for (const dt of [mx.bfloat16, mx.float16]) {  // half inputs: the float32 program rounded once
        const [hp, hb, hs] = [dense, bias, sc].map((a) => mx.astype(a, dt, mx.cpu));
        const r = on(mx.gpu, () => mx.compile(rowf)(hp, hb, hs));
        const ref = on(mx.gpu, () => mx.compile(rowf)(...[hp, hb, hs].map((a) => mx.astype(a, mx.float32, mx.cpu)) as [mx.array, mx.array, mx.array]));
        expect(mx.arrayEqual(r, mx.astype(ref, dt, mx.cpu)).item()).toBe(true);
      }
    }
    const g = mx.compile((p: mx.array, q: mx.array) => mx.sigmoid(mx.multiply(mx.add(p, q), 3)), true);
    for (const [ps, qs] of [[[7, 9], [9]], [[3, 2, 5], [2, 1]], [[1000, 3], [1000, 1]]] as [number[], number[]][]) {
      const p = uniform(-1, 1, ps, 4), q = uniform(-1, 1, qs, 5);
      const r = on(mx.gpu, () => g(p, q));
      expect(maxUlps(r, on(mx.cpu, () => mx.sigmoid(mx.multiply(mx.add(p, q), 3))), 1e-7)).toBeLessThanOrEqual(6);
    }
    noFallback();
  });

  it('reads non-contiguous and misaligned inputs (transposes, strided and offset slices)', () => {
    const base = uniform(-2, 2, [66, 40], 7);
    const t = mx.transpose(base, [1, 0]);                                    // [40, 66] column-major
    const s = mx.index(uniform(-2, 2, [80, 66], 8), mx.Slice(null, null, 2));  // rows with step 2
    const o = mx.index(uniform(-2, 2, [40 * 66 + 1], 9), mx.Slice(1));        // offset by one element
    const f = (p: mx.array, q: mx.array, r: mx.array) =>
      mx.add(mx.multiply(mx.sin(p), q), mx.multiply(mx.reshape(r, [40, 66]), 0.5));
    const want = on(mx.cpu, () => f(t, s, o));
    const got = on(mx.gpu, () => {
      const tg = mx.transpose(mx.add(base, 0), [1, 0]);  // a strided view of a device array
      return mx.compile(f)(tg, s, o);
    });
    expect(maxUlps(got, want, 1e-6)).toBeLessThanOrEqual(6);
    const big = uniform(-1, 1, [(1 << 20) + 3], 11);  // vector path plus a tail
    const off = mx.index(big, mx.Slice(1));            // misaligned: scalar path
    const h = (v: mx.array) => mx.multiply(mx.exp(mx.negative(mx.square(v))), 2);
    for (const v of [big, off]) expect(maxUlps(on(mx.gpu, () => mx.compile(h)(v)), on(mx.cpu, () => h(v)), 1e-7)).toBeLessThanOrEqual(5);
    noFallback();
  });

  // tanh-GELU with its constants as inputs, so the float32 program can use the same rounded values.
  const gelu = (x: mx.array, c0: mx.array, c1: mx.array, half: mx.array) =>
    mx.multiply(mx.multiply(x, mx.add(mx.tanh(mx.multiply(c0, mx.add(x, mx.multiply(c1, mx.multiply(mx.multiply(x, x), x))))), 1)), half);

  it('fuses bfloat16/float16 chains: one rounding at the store, equal to the float32 program rounded', () => {
    for (const dt of [mx.bfloat16, mx.float16]) {
      const x = mx.astype(uniform(-5, 5, [13, 1031], 21), dt, mx.cpu);
      const consts = [Math.sqrt(2 / Math.PI), 0.044715, 0.5].map((c) => mx.astype(mx.array([c]), dt, mx.cpu));
      mx.cuda.resetCounters();
      const fused = on(mx.gpu, () => mx.compile(gelu)(x, ...consts as [mx.array, mx.array, mx.array]));
      expect(mx.cuda.counters()['jit_nvrtc_compiles'] ?? 0).toBeGreaterThan(0);  // a half program was fused
      expect(fused.dtype).toBe(dt);
      // Same registers and instructions in float32, rounded once: bit-identical.
      const up = [x, ...consts].map((a) => mx.astype(a, mx.float32, mx.cpu));
      const f32prog = on(mx.gpu, () => mx.compile(gelu)(up[0], up[1], up[2], up[3]));
      expect(mx.arrayEqual(fused, mx.astype(f32prog, dt, mx.cpu)).item()).toBe(true);
      // The unfused chain rounds every intermediate to dt; the fused one only its result, so it is
      // within half an ulp of the float32 program (unit roundoff u: 2^-8 bf16, 2^-11 f16).
      const unfused = on(mx.gpu, () => gelu(x, consts[0], consts[1], consts[2]));
      expect(unfused.dtype).toBe(dt);
      const u = dt === mx.bfloat16 ? 2 ** -8 : 2 ** -11;
      const r = f32(f32prog), fu = f32(fused), un = f32(unfused);
      let worstFused = 0, worstUnfused = 0;
      for (let i = 0; i < r.length; i++) {
        if (Math.abs(r[i]) >= 2 ** -14) worstFused = Math.max(worstFused, Math.abs(fu[i] - r[i]) / Math.abs(r[i]));
        // 1 + tanh(..) cancels for negative x: measure the unfused error against max(|r|, 1).
        worstUnfused = Math.max(worstUnfused, Math.abs(un[i] - r[i]) / Math.max(Math.abs(r[i]), 1));
      }
      expect(worstFused).toBeLessThanOrEqual(u);
      expect(worstUnfused).toBeLessThan(64 * u);
      expect(worstUnfused).toBeGreaterThan(worstFused);
    }
    noFallback();
  });

  it('caches kernels on disk: a second process loads them; corrupt or unwritable caches recompile', () => {
    // nanToNum's replacement value is baked into the kernel source: a program no earlier run compiled.
    const c = 1 + Math.floor(Math.random() * 1e6) / 1e7;
    const cBits = new Uint32Array(new Float32Array([c]).buffer)[0].toString(16).padStart(8, '0');
    const script = `
      import * as mx from ${JSON.stringify(CORE_URL)};
      mx.setDefaultDevice(mx.gpu);
      const f = mx.compile((x) => mx.multiply(mx.nanToNum(mx.log(mx.subtract(x, 0.9995)), ${c}), 3));
      const x = mx.divide(mx.arange(4096, mx.float32), 1000);
      mx.eval(x);
      mx.cuda.resetCounters();
      const y = f(x);
      mx.eval(y);  // compiles (or loads) the kernel
      console.log(JSON.stringify({ counters: mx.cuda.counters(), sum: mx.sum(y).item() }));`;
    const child = (dir: string) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8', timeout: 60_000, env: { ...process.env, MLX_CACHE_DIR: dir, MLX_DEFAULT_DEVICE: '' },
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { counters: Record<string, number>; sum: number };
    };
    const want = on(mx.cpu, () => mx.sum(mx.multiply(mx.nanToNum(mx.log(mx.subtract(mx.divide(mx.arange(4096, mx.float32), 1000), 0.9995)), c), 3))).item() as number;
    const first = child(cacheDir);
    expect(first.counters['jit_nvrtc_compiles']).toBe(1);
    expect(first.counters['jit_disk_writes']).toBe(1);
    expect(Math.abs(first.sum - want)).toBeLessThan(1e-5 * Math.abs(want));
    const files = readdirSync(join(cacheDir, 'cuda-kernels')).filter((f) => f.endsWith('.cubin'));
    expect(files.length).toBeGreaterThan(0);
    const second = child(cacheDir);
    expect(second.counters['jit_nvrtc_compiles'] ?? 0).toBe(0);
    expect(second.counters['jit_disk_hits']).toBe(1);
    expect(second.sum).toBe(first.sum);
    // This program's file holds its source (the cache key), then corrupt it.
    const mine = files.filter((f) => readFileSync(join(cacheDir, 'cuda-kernels', f)).includes(`0x${cBits}`));
    expect(mine.length).toBe(1);
    const path = join(cacheDir, 'cuda-kernels', mine[0]);
    const bytes = readFileSync(path);
    bytes.fill(0x5a, bytes.length - 200, bytes.length - 100);  // flipped image bytes
    writeFileSync(path, bytes);
    const third = child(cacheDir);
    expect(third.counters['jit_disk_errors']).toBe(1);
    expect(third.counters['jit_nvrtc_compiles']).toBe(1);
    expect(third.sum).toBe(first.sum);
    writeFileSync(path, bytes.subarray(0, 20));  // truncated
    const fourth = child(cacheDir);
    expect(fourth.counters['jit_disk_errors']).toBe(1);
    expect(fourth.sum).toBe(first.sum);
    expect(child(cacheDir).counters['jit_disk_hits']).toBe(1);  // rewritten by the recompile
    // A cache root that is a regular file: nothing can be written, the kernel still runs.
    const blocker = join(cacheDir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const fifth = child(blocker);
    expect(fifth.counters['jit_nvrtc_compiles']).toBe(1);
    expect(fifth.counters['jit_disk_write_errors']).toBe(1);
    expect(fifth.sum).toBe(first.sum);
  });

  it('an NVRTC failure is a typed error and leaves the process healthy', () => {
    const prev = process.env.MLX_CUDA_NVRTC_FLAGS;
    const f = mx.compile((x: mx.array) => mx.multiply(mx.cosh(x), 1.000123));
    const x = uniform(-1, 1, [100], 30);
    process.env.MLX_CUDA_NVRTC_FLAGS = '--no-such-nvrtc-option';
    try {
      expect(() => on(mx.gpu, () => f(x))).toThrow(mx.InternalError);
    } finally {
      if (prev === undefined) delete process.env.MLX_CUDA_NVRTC_FLAGS; else process.env.MLX_CUDA_NVRTC_FLAGS = prev;
    }
    const y = on(mx.gpu, () => f(x));
    expect(maxUlps(y, on(mx.cpu, () => mx.multiply(mx.cosh(x), 1.000123)), 1e-7)).toBeLessThanOrEqual(6);
  });
});
