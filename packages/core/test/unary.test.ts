import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode as decodeReal, expectArrayClose, loadFixture, type EncodedArray, type FixtureCase } from './helpers/fixtures.js';

// The shared decoder has no complex64 path: build complex arrays from (re, im) pairs.
function decode(e: EncodedArray): mx.array {
  if (e.dtype !== 'complex64') return decodeReal(e);
  const b = Buffer.from(e.data, 'base64');
  const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const items = [];
  for (let i = 0; i < f.length; i += 2) items.push(mx.Complex(f[i], f[i + 1]));
  return mx.reshape(mx.array(items, mx.complex64), e.shape);
}

const cases = loadFixture('unary');

function run(c: FixtureCase, x: mx.array): mx.array {
  const f = (mx as any)[c.op];
  if (c.op === 'round') return f(x, c.args?.decimals ?? 0);
  if (c.op === 'nanToNum') return f(x, c.args?.nan ?? 0, c.args?.posinf, c.args?.neginf);
  return f(x);
}

// Per-dtype tolerances; the float32 SIMD kernels are within a few ulp of the correctly rounded result.
function tol(c: FixtureCase, dtype: string): [number, number] {
  const loose = ['tan', 'erfinv', 'arccosh', 'arctanh'].includes(c.op);  // steep near poles / domain ends
  switch (dtype) {
    case 'float16': return [loose ? 4e-3 : 2e-3, 1e-3];
    case 'bfloat16': return [loose ? 3e-2 : 1.6e-2, 1e-2];
    case 'float32': return [loose ? 1e-4 : 2e-5, 1e-6];
    case 'complex64': return [1e-4, 1e-5];
    case 'float64': return [loose ? 1e-10 : 1e-12, 1e-14];
    default: return [0, 0];
  }
}

const S = mx.Slice;
// Views of the input and the same view of the expected result.
const views: [string, (a: mx.array) => mx.array][] = [
  ['contiguous', (a) => a],
  ['transposed', (a) => mx.transpose(a)],
  ['reversed and stepped', (a) => a.index(S(null, null, -1), S(1, null, 3))],
  ['broadcast row', (a) => mx.broadcastTo(a.index(S(2, 3)), [5, a.shape[1]])],
  ['column', (a) => a.index(S(), 3)],
];

describe('unary ops against the MLX / numpy oracle', () => {
  for (const c of cases) {
    const dtype = c.inputs[0].dtype;
    if (c.error) {
      it(`${c.name} throws DtypeError`, () => {
        const x = decode(c.inputs[0]);
        expect(() => mx.eval(run(c, x))).toThrow(mx.DtypeError);
      });
      continue;
    }
    it(c.name, () => {
      const x = decode(c.inputs[0]);
      const e = decode(c.expected);
      const [rt, at] = tol(c, e.dtype.name);
      for (const [vname, view] of views) {
        try {
          expectArrayClose(run(c, view(x)), view(e), rt, at);
        } catch (err) {
          throw new Error(`${c.name} (${vname}, input ${dtype}): ${(err as Error).message}`);
        }
      }
    });
  }
});

// Large inputs take the threaded SIMD path with tails; compare with JS double-precision math.
describe('large float32 inputs', () => {
  const n = 100003;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.fround(Math.sin(i * 12.9898) * 43.758);
  const a = mx.array(x);
  const refs: [string, (v: number) => number, (v: number) => number][] = [
    ['exp', Math.exp, (v) => v / 8], ['expm1', Math.expm1, (v) => v / 8], ['log', Math.log, Math.abs],
    ['log2', Math.log2, Math.abs], ['log10', Math.log10, Math.abs], ['log1p', Math.log1p, Math.abs],
    ['sin', Math.sin, (v) => v], ['cos', Math.cos, (v) => v], ['tan', Math.tan, (v) => v / 30],
    ['tanh', Math.tanh, (v) => v / 4], ['sinh', Math.sinh, (v) => v / 4], ['cosh', Math.cosh, (v) => v / 4],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v)), (v) => v / 4], ['sqrt', Math.sqrt, Math.abs],
    ['rsqrt', (v) => 1 / Math.sqrt(v), Math.abs], ['arctan', Math.atan, (v) => v],
    ['arcsin', Math.asin, (v) => v / 44], ['arccos', Math.acos, (v) => v / 44], ['arcsinh', Math.asinh, (v) => v],
    ['arccosh', Math.acosh, (v) => 1 + Math.abs(v)], ['arctanh', Math.atanh, (v) => v / 44],
    ['square', (v) => v * v, (v) => v], ['reciprocal', (v) => 1 / v, (v) => v], ['abs', Math.abs, (v) => v],
    ['floor', Math.floor, (v) => v], ['ceil', Math.ceil, (v) => v], ['degrees', (v) => (v * 180) / Math.PI, (v) => v],
  ];
  for (const [op, ref, pre] of refs) {
    it(op, () => {
      const xin = x.map((v) => pre(v));
      const y = ((mx as any)[op](mx.array(xin)) as mx.array).toTypedArray() as Float32Array;
      for (let i = 0; i < n; i++) {
        const r = ref(xin[i]);
        const ok = y[i] === r || Math.abs(y[i] - r) <= 1e-6 + 2e-6 * Math.abs(r) + (op === 'tan' ? 1e-5 * Math.abs(r) : 0);
        if (!ok) throw new Error(`${op}(${xin[i]}) = ${y[i]}, expected ${r} at ${i}`);
      }
    });
  }
  it('float16 and bfloat16 through the conversion path', () => {
    for (const dt of [mx.float16, mx.bfloat16]) {
      const h = mx.astype(a, dt);
      expect(mx.exp(h).dtype).toBe(dt);
      const hv = mx.astype(h, mx.float32).toTypedArray() as Float32Array;
      const yv = mx.astype(mx.sin(h), mx.float32).toTypedArray() as Float32Array;
      const rt = dt === mx.float16 ? 2e-3 : 1.6e-2;
      for (let i = 0; i < n; i += 7) {
        const r = Math.sin(hv[i]);
        if (!(Math.abs(yv[i] - r) <= rt * Math.abs(r) + rt)) throw new Error(`${dt.name} sin(${hv[i]}) = ${yv[i]}`);
      }
    }
  });
  it('chains (input buffers donated) give the same values', () => {
    const chained = mx.exp(mx.negative(mx.sin(a)));
    const ref = mx.sin(a).toTypedArray() as Float32Array;
    const got = chained.toTypedArray() as Float32Array;
    for (let i = 0; i < n; i += 13) expect(got[i]).toBeCloseTo(Math.exp(-ref[i]), 5);
  });
  it('donates a disposed intermediate buffer (peak memory stays at one array)', () => {
    const b = mx.array(new Float32Array(1 << 20).fill(0.5));
    mx.eval(b);
    // Use b once on the default device first: a GPU keeps a device copy of host data, which is not
    // what this test measures.
    mx.eval(mx.sum(b));
    mx.clearCache();
    mx.resetPeakMemory();
    const base = mx.getActiveMemory();
    const t1 = mx.cos(b), t2 = mx.sin(t1), t3 = mx.negative(t2), y = mx.exp(t3);
    t1.dispose(); t2.dispose(); t3.dispose();
    mx.eval(y);
    expect(mx.getPeakMemory() - base).toBe(4 << 20);
    expect(y.index(0).item()).toBeCloseTo(Math.exp(-Math.sin(Math.cos(0.5))), 6);
  });
  it('transposed large input keeps values', () => {
    const m = mx.reshape(a.index(S(0, 100000)), [400, 250]);
    const y = mx.exp(mx.transpose(m));
    expect(y.shape).toEqual([250, 400]);
    const v = mx.reshape(mx.copy(mx.transpose(y)), [-1]).toTypedArray() as Float32Array;
    for (let i = 0; i < 100000; i += 11) {
      const r = Math.exp(x[i]);
      if (!(Math.abs(v[i] - r) <= 2e-6 * r + 1e-30)) throw new Error(`exp(${x[i]}) = ${v[i]}, expected ${r}`);
    }
  });
});

describe('unary API details', () => {
  it('scalars, empty arrays and JS numbers', () => {
    expect(mx.exp(0).item()).toBe(1);
    expect(mx.exp(0).dtype).toBe(mx.float32);
    const e = mx.exp(mx.array([]));
    expect(e.shape).toEqual([0]);
    expect(mx.sqrt(mx.reshape(mx.array([], mx.int32), [0, 3])).dtype).toBe(mx.float32);
    expect(mx.abs(-3).item()).toBe(3);
    expect(mx.logicalNot(true).item()).toBe(false);
  });
  it('output dtypes follow MLX', () => {
    expect(mx.exp(mx.array([1], mx.int32)).dtype).toBe(mx.float32);
    expect(mx.abs(mx.array([1], mx.uint8)).dtype).toBe(mx.uint8);
    expect(mx.abs(mx.array([mx.Complex(3, 4)])).dtype).toBe(mx.float32);
    expect(mx.abs(mx.array([mx.Complex(3, 4)])).item()).toBe(5);
    expect(mx.floor(mx.array([3], mx.int16)).dtype).toBe(mx.int16);
    expect(mx.isnan(mx.array([1, 2], mx.int32)).tolist()).toEqual([false, false]);
    expect(mx.isfinite(mx.array([1, 2], mx.int32)).tolist()).toEqual([true, true]);
    expect(mx.logicalNot(mx.array([0, 2], mx.int32)).dtype).toBe(mx.bool);
    expect(mx.bitwiseInvert(mx.array([0, 5], mx.uint8)).tolist()).toEqual([255, 250]);
    expect(mx.sqrt(mx.array([4], mx.float16)).dtype).toBe(mx.float16);
    expect(mx.real(mx.array([mx.Complex(1, 2)])).tolist()).toEqual([1]);
    expect(mx.imag(mx.array([mx.Complex(1, 2)])).tolist()).toEqual([2]);
    expect(mx.imag(mx.array([1.5, 2])).tolist()).toEqual([0, 0]);
  });
  it('round with decimals, and nanToNum defaults', () => {
    expect(mx.round(mx.array([0.5, 1.5, 2.5, -0.5])).tolist()).toEqual([0, 2, 2, -0]);
    expect(Array.from(mx.round(mx.array([1.2345, -2.5678]), 2).toTypedArray() as Float32Array))
      .toEqual([Math.fround(123 * Math.fround(0.01)), Math.fround(-257 * Math.fround(0.01))]);
    expect(mx.round(mx.array([15, 25, -15], mx.int32), -1).tolist()).toEqual([20, 20, -20]);
    const f = mx.nanToNum(mx.array([NaN, Infinity, -Infinity, 1]));
    expect(f.tolist()).toEqual([0, 3.4028234663852886e38, -3.4028234663852886e38, 1]);
    expect(mx.nanToNum(mx.array([NaN, Infinity, -Infinity]), 1, 2, 3).tolist()).toEqual([1, 2, 3]);
    expect(mx.nanToNum(mx.array([NaN, Infinity], mx.float16)).tolist()).toEqual([0, 65504]);
  });
  it('array methods forward to the ops', () => {
    const a = mx.array([1, 4, 9]);
    expect(a.sqrt().tolist()).toEqual([1, 2, 3]);
    expect(a.square().tolist()).toEqual([1, 16, 81]);
    expect(a.reciprocal().tolist()).toEqual([1, 0.25, Math.fround(1 / 9)]);
    expect(a.rsqrt().tolist()).toEqual([1, 0.5, Math.fround(1 / 3)]);
    expect(a.log().exp().tolist().map((v: number) => Math.round(v * 1e4) / 1e4)).toEqual([1, 4, 9]);
    expect(mx.array([1.26]).round(1).tolist()).toEqual([Math.fround(13 * Math.fround(0.1))]);  // MLX multiplies by float32(0.1)
    expect(mx.array([mx.Complex(1, 2)]).conj().tolist()).toEqual([mx.Complex(1, -2)]);
    for (const m of ['abs', 'exp', 'log', 'log2', 'log10', 'log1p', 'sin', 'cos']) expect(typeof (a as any)[m]).toBe('function');
  });
  it('stopGradient is the identity', () => {
    const a = mx.array([1, -2, 3]);
    expect(mx.stopGradient(a).tolist()).toEqual([1, -2, 3]);
  });
  it('throws typed errors', () => {
    expect(() => mx.negative(mx.array([true]))).toThrow(mx.DtypeError);
    expect(() => mx.bitwiseInvert(mx.array([1.5]))).toThrow(mx.DtypeError);
    expect(() => mx.expm1(mx.array([mx.Complex(1, 1)]))).toThrow(mx.DtypeError);
    expect(() => mx.floor(mx.array([mx.Complex(1, 1)]))).toThrow(mx.DtypeError);
    expect(() => mx.nanToNum(mx.array([1], mx.float64))).toThrow(mx.DtypeError);
    expect(() => mx.round(mx.array([1]), 1.5)).toThrow();
  });
});
