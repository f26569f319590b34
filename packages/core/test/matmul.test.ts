import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode, expectArrayClose, loadFixture, values, type EncodedArray } from './helpers/fixtures.js';

const cases = loadFixture('matmul');

// mx.ones / mx.full belong to another op family; broadcast scalars stand in (and are broadcast views).
const ones = (shape: number[], dt: mx.Dtype = mx.float32) => mx.broadcastTo(mx.array(1, dt), shape);
const full = (shape: number[], v: number) => mx.broadcastTo(mx.array(v), shape);

function f32(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

// fixtures.decode does not build complex64 arrays yet: build them from (re, im) pairs.
function decodeAny(e: EncodedArray): mx.array {
  if (e.dtype !== 'complex64') return decode(e);
  const f = f32(e.data);
  const list = [];
  for (let i = 0; i < f.length; i += 2) list.push(mx.Complex(f[i], f[i + 1]));
  return mx.reshape(mx.array(list, mx.complex64), e.shape);
}

// Mirrors transform() in scripts/oracles/matmul.py: views that are not row-contiguous.
function view(x: mx.array, t: string): mx.array {
  if (t === 'T') return mx.swapaxes(x, -1, -2);
  if (t === 'rev') return x.index('...', mx.Slice(null, null, -1));
  if (t === 'step') return x.index('...', mx.Slice(null, null, 2), mx.Slice());
  return x;
}

const tol: Record<string, [number, number]> = {
  float32: [1e-4, 1e-4], float16: [4e-3, 4e-3], bfloat16: [2e-2, 2e-2], float64: [1e-10, 1e-10],
  complex64: [1e-4, 1e-4],
};

describe('matmul / addmm against the MLX oracle', () => {
  for (const c of cases) {
    it(c.name, () => {
      const ins = c.inputs.map(decodeAny);
      let out: mx.array;
      if (c.op === 'matmul') {
        out = mx.matmul(view(ins[0], c.args.ta), view(ins[1], c.args.tb));
      } else {
        out = mx.addmm(ins[0], view(ins[1], c.args.ta), view(ins[2], c.args.tb), c.args.alpha, c.args.beta);
      }
      const [r, a] = tol[c.expected.dtype];
      if (c.expected.dtype === 'complex64') {
        expect(out.shape).toEqual(c.expected.shape);
        expect(out.dtype).toBe(mx.complex64);
        const got = values(out);
        const exp = f32(c.expected.data);
        expect(got.length).toBe(exp.length);
        for (let i = 0; i < exp.length; i++) expect(Math.abs(got[i] - exp[i])).toBeLessThanOrEqual(a + r * Math.abs(exp[i]));
      } else {
        expectArrayClose(out, c.expected, r, a);
      }
    });
  }
});

// Deterministic values that are multiples of 1/4 in [-1, 1]: f32 sums stay exact in any order.
function quarters(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 24) % 9 - 4) / 4;
  }
  return out;
}

// Reference C[i][j] = sum_k A(i,k) B(k,j) with A(i,k) = a[i*ars + k*acs].
function naive(a: Float32Array, ars: number, acs: number, b: Float32Array, brs: number, bcs: number, m: number, k: number, n: number) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = a[i * ars + p * acs];
      if (av === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * brs + j * bcs];
    }
  return c;
}

function expectExact(out: mx.array, ref: Float64Array) {
  const v = values(out);
  expect(v.length).toBe(ref.length);
  let bad = -1;
  for (let i = 0; i < ref.length; i++) if (v[i] !== ref[i]) { bad = i; break; }
  expect(bad === -1 ? 'ok' : `element ${bad}: ${v[bad]} != ${ref[bad]}`).toBe('ok');
}

describe('large products (blocking, threading, edge tiles)', () => {
  // M > MC, K > KC, N not a multiple of any NR; both operand layouts.
  for (const [m, k, n] of [[517, 600, 75], [130, 270, 1030], [1, 3000, 700], [900, 1200, 1], [64, 64, 64]]) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      it(`${m}x${k}x${n} ta=${ta} tb=${tb}`, () => {
        const ad = quarters(m * k, m + k), bd = quarters(k * n, k + n);
        const a0 = mx.reshape(mx.array(ad), ta ? [k, m] : [m, k]);
        const b0 = mx.reshape(mx.array(bd), tb ? [n, k] : [k, n]);
        const out = mx.matmul(ta ? a0.T : a0, tb ? b0.T : b0);
        expect(out.shape).toEqual([m, n]);
        const ref = naive(ad, ta ? 1 : k, ta ? m : 1, bd, tb ? 1 : n, tb ? k : 1, m, k, n);
        expectExact(out, ref);
      });
    }
  }
  it('batched small products (parallel over the batch) with broadcasting', () => {
    const [bt, m, k, n] = [64, 9, 20, 11];
    const ad = quarters(bt * m * k, 1), bd = quarters(k * n, 2);
    const out = mx.matmul(mx.reshape(mx.array(ad), [bt, m, k]), mx.reshape(mx.array(bd), [k, n]));
    expect(out.shape).toEqual([bt, m, n]);
    const ref = new Float64Array(bt * m * n);
    for (let t = 0; t < bt; t++) ref.set(naive(ad.subarray(t * m * k), k, 1, bd, n, 1, m, k, n), t * m * n);
    expectExact(out, ref);
  });
  it('folds or loops batches depending on the layout of a', () => {
    const [b1, b2, m, k, n] = [3, 4, 5, 33, 7];
    const ad = quarters(b1 * b2 * m * k, 11), bd = quarters(k * n, 12);
    const b = mx.reshape(mx.array(bd), [k, n]);
    const a = mx.reshape(mx.array(ad), [b1, b2, m, k]);
    const ref = (perm: boolean) => {
      const r = new Float64Array(b1 * b2 * m * n);
      for (let i = 0; i < b1; i++)
        for (let j = 0; j < b2; j++) {
          const src = perm ? j * b1 + i : i * b2 + j;  // batch (i, j) of the transposed view
          r.set(naive(ad.subarray(src * m * k), k, 1, bd, n, 1, m, k, n), (i * b2 + j) * m * n);
        }
      return r;
    };
    expectExact(mx.matmul(a, b), ref(false));  // contiguous batch: folded into M
    const at = mx.transpose(mx.reshape(a, [b2, b1, m, k]), [1, 0, 2, 3]);  // permuted batch: looped
    expectExact(mx.matmul(at, b), ref(true));
  });
  it('addmm with alpha/beta on a large product and float16 inputs', () => {
    const [m, k, n] = [150, 300, 170];
    const ad = quarters(m * k, 3), bd = quarters(k * n, 4), cd = quarters(m * n, 5);
    const a = mx.reshape(mx.array(ad), [m, k]), b = mx.reshape(mx.array(bd), [k, n]), c = mx.reshape(mx.array(cd), [m, n]);
    const ref = naive(ad, k, 1, bd, n, 1, m, k, n).map((v, i) => 2 * v + 0.5 * cd[i]);
    expectExact(mx.addmm(c, a, b, 2, 0.5), ref);
    const h = mx.matmul(mx.astype(a, mx.float16), mx.astype(b, mx.float16));
    expect(h.dtype).toBe(mx.float16);
    expectArrayClose(h, mx.astype(mx.array(Float32Array.from(naive(ad, k, 1, bd, n, 1, m, k, n))).reshape([m, n]), mx.float16));
  });
});

describe('matmul semantics and errors', () => {
  it('promotes and squeezes 1-D operands like MLX', () => {
    expect(mx.matmul(mx.array([1, 2, 3]), mx.array([4, 5, 6])).shape).toEqual([]);
    expect(mx.matmul(mx.array([1, 2, 3]), mx.array([4, 5, 6])).item()).toBe(32);
    expect(mx.matmul(ones([2, 3, 4]), ones([4])).shape).toEqual([2, 3]);
    expect(mx.matmul(ones([4]), ones([2, 4, 3])).shape).toEqual([2, 3]);
    expect(mx.matmul(ones([2, 1, 4, 3]), ones([5, 3, 2])).shape).toEqual([2, 5, 4, 2]);
    expect(mx.matmul(ones([2, 3], mx.int32), ones([3, 2], mx.float16)).dtype).toBe(mx.float16);
    expect(mx.matmul(ones([2, 0]), ones([0, 3])).tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(mx.addmm(ones([2, 2]), ones([2, 0]), ones([0, 2]), 1, 2).tolist()).toEqual([[2, 2], [2, 2]]);
  });
  it('beta = 0 ignores c (NaN included)', () => {
    const c = full([2, 2], NaN);
    expect(mx.addmm(c, ones([2, 3]), ones([3, 2]), 1, 0).tolist()).toEqual([[3, 3], [3, 3]]);
  });
  it('throws typed errors', () => {
    expect(() => mx.matmul(ones([2, 3]), ones([4, 2]))).toThrow(mx.ShapeError);
    expect(() => mx.matmul(ones([2, 3]), ones([4, 2]))).toThrow(
      '[matmul] Last dimension of first input with shape (2,3) must match second to last dimension of second input with shape (4,2).');
    expect(() => mx.matmul(mx.array(1), ones([2, 2]))).toThrow(mx.ShapeError);
    expect(() => mx.matmul(ones([2, 3, 4]), ones([3, 4, 2]))).toThrow(mx.ShapeError);
    expect(() => mx.matmul(ones([2, 3], mx.int32), ones([3, 2], mx.int32))).toThrow(mx.DtypeError);
    expect(() => mx.matmul(ones([2, 3], mx.bool), ones([3, 2], mx.bool))).toThrow(mx.DtypeError);
    expect(() => mx.matmul(ones([2, 3], mx.int32), ones([4, 2], mx.int32))).toThrow(mx.ShapeError);
    expect(() => mx.addmm(ones([3, 3]), ones([2, 3]), ones([3, 2]))).toThrow(mx.ShapeError);
    expect(() => mx.addmm(ones([2, 2]), ones([3]), ones([3]))).toThrow(mx.ShapeError);
    expect(() => mx.addmm(ones([2, 2]), ones([2, 3]), ones([4, 2]))).toThrow(mx.ShapeError);
    expect(() => mx.addmm(ones([2, 2], mx.int32), ones([2, 3], mx.int32), ones([3, 2], mx.int32))).toThrow(mx.DtypeError);
  });
});

// The AVX2 and portable kernels, selected by MLX_CPU_ISA in a fresh process (best_isa() is fixed per process).
describe('instruction-set fallbacks', () => {
  const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const script = `
    import * as mx from ${JSON.stringify(dist)};
    const q = (n, s) => { const o = new Float32Array(n); for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; o[i] = ((s >>> 24) % 9 - 4) / 4; } return o; };
    const bad = [];
    for (const [m, k, n, ta, tb, dt] of [[37, 300, 45, 0, 0, 'float32'], [300, 33, 70, 1, 0, 'float32'], [13, 520, 29, 0, 1, 'float32'],
                                         [1, 100, 77, 0, 0, 'float32'], [77, 100, 1, 1, 0, 'float32'], [40, 60, 50, 1, 1, 'float16'],
                                         [40, 60, 50, 0, 0, 'bfloat16'], [40, 60, 50, 0, 1, 'float64'],
                                         [5, 70, 300, 0, 1, 'float16'], [9, 64, 100, 1, 0, 'bfloat16'], [3, 40, 200, 0, 0, 'float32'],
                                         [7, 33, 90, 0, 1, 'float32'], [200, 64, 1, 0, 0, 'float16'], [1, 50, 300, 0, 1, 'bfloat16']]) {
      const ad = q(m * k, m), bd = q(k * n, n);
      let a = mx.reshape(mx.array(ad), ta ? [k, m] : [m, k]), b = mx.reshape(mx.array(bd), tb ? [n, k] : [k, n]);
      if (ta) a = a.T; if (tb) b = b.T;
      const out = mx.astype(mx.matmul(mx.astype(a, mx[dt]), mx.astype(b, mx[dt])), mx.float64).toTypedArray();
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += ad[ta ? p * m + i : i * k + p] * bd[tb ? j * k + p : p * n + j];
        const tolr = dt === 'float16' ? 1e-3 : dt === 'bfloat16' ? 8e-3 : 0;
        if (Math.abs(out[i * n + j] - s) > tolr * Math.abs(s)) { bad.push([m, k, n, dt, i, j, out[i * n + j], s]); break; }
      }
    }
    console.log(JSON.stringify(bad));`;
  for (const isa of ['generic', 'avx2']) {
    it(`MLX_CPU_ISA=${isa}`, () => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, MLX_CPU_ISA: isa }, encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('[]');
    });
  }
});

// Few rows against a large B take the streamed small-M kernels (B read in place, halves widened in registers).
// Oracle: the float64 product of the same (rounded) inputs, which runs the separate portable float64 kernel.
describe('small-M products vs the float64 kernel', () => {
  const tol: Record<string, number> = { float32: 2e-5, float16: 2e-3, bfloat16: 1e-2 };
  function checkClose(got: mx.array, a: mx.array, b: mx.array, dt: string) {
    const ref = mx.matmul(a.astype(mx.float64), b.astype(mx.float64));
    expect(got.shape).toEqual(ref.shape);
    expect(got.dtype.name).toBe(dt);
    const g = values(got.astype(mx.float64)), r = values(ref);
    let scale = 1;
    for (const v of r) scale = Math.max(scale, Math.abs(v));
    let err = 0;
    for (let i = 0; i < r.length; i++) err = Math.max(err, Math.abs(g[i] - r[i]));
    expect(err).toBeLessThanOrEqual(tol[dt] * scale);
  }
  const shapes: Array<[number, number]> = [[37, 70], [64, 129], [300, 1], [1, 40], [129, 200]];
  for (const dt of ['float32', 'float16', 'bfloat16']) {
    it(`${dt}: M = 1..40, both B layouts, contiguous and strided A`, () => {
      const d = dtypeByNameLocal(dt);
      let i = 0;
      for (let M = 1; M <= 40; M += M < 10 ? 1 : 7) {
        const [K, N] = shapes[i++ % shapes.length];
        mx.tidy(() => {
          const a = mx.random.normal([M, K]).astype(d);
          const w = mx.random.normal([N, K]).astype(d);  // Linear layout: a @ w.T
          const bkn = mx.random.normal([K, N]).astype(d);
          checkClose(mx.matmul(a, mx.transpose(w)), a, mx.transpose(w), dt);
          checkClose(mx.matmul(a, bkn), a, bkn, dt);
          const at = mx.transpose(mx.random.normal([K, M]).astype(d));  // column-major A
          checkClose(mx.matmul(at, mx.transpose(w)), at, mx.transpose(w), dt);
          const wide = mx.random.normal([K, 2 * N]).astype(d);  // B with a row stride larger than N
          const bs = wide.index(mx.Slice(), mx.Slice(0, N));
          checkClose(mx.matmul(a, bs), a, bs, dt);
          return undefined;
        });
      }
    });
  }
  it('matrix x vector (N = 1) in half precision and batched few-row products', () => {
    for (const dt of ['float16', 'bfloat16']) {
      const d = dtypeByNameLocal(dt);
      const a = mx.random.normal([700, 96]).astype(d), v = mx.random.normal([96, 1]).astype(d);
      checkClose(mx.matmul(a, v), a, v, dt);
    }
    const x = mx.random.normal([3, 5, 64]), w = mx.random.normal([1000, 64]);
    checkClose(mx.matmul(x, mx.transpose(w)), x, mx.transpose(w), 'float32');
  });
  it('large vocabulary projection (5 rows x 4096 x 64) with threads', () => {
    const x = mx.random.normal([5, 64]), w = mx.random.normal([4096, 64]).astype(mx.float16);
    checkClose(mx.matmul(x.astype(mx.float16), mx.transpose(w)), x.astype(mx.float16), mx.transpose(w), 'float16');
  });
});

function dtypeByNameLocal(n: string): mx.Dtype {
  return n === 'float16' ? mx.float16 : n === 'bfloat16' ? mx.bfloat16 : mx.float32;
}
