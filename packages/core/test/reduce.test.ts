import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode as decodeRaw, dtypeByName, expectArrayClose, loadFixture, type EncodedArray } from './helpers/fixtures.js';

// The shared decoder cannot build complex64 from a Float32Array; go through mx.Complex.
function decode(e: EncodedArray): mx.array {
  if (e.dtype !== 'complex64') return decodeRaw(e);
  const b = Buffer.from(e.data, 'base64');
  const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const items: mx.Complex[] = [];
  for (let i = 0; i < f.length; i += 2) items.push(mx.Complex(f[i], f[i + 1]));
  return mx.reshape(mx.array(items, mx.complex64), e.shape);
}

const cases = loadFixture('reduce');

function input(c: any): mx.array {
  if (c.formula) {
    const shape: number[] = c.formula;
    const n = shape.reduce((a, b) => a * b, 1);
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) f[i] = ((i * 7919) % 1000) / 1000 - 0.5;
    return mx.reshape(mx.array(f), shape);
  }
  return decode(c.inputs[0]);
}

function view(x: mx.array, v: any): mx.array {
  if (!v) return x;
  if (v.kind === 'transpose') return mx.transpose(x, v.perm);
  const idx = x.shape.map((_, i) => (i === v.axis ? mx.Slice(null, null, -1) : mx.Slice()));
  return x.index(...idx);
}

function run(c: any, x: mx.array): mx.array {
  const { axis, keepdims, ddof } = c.args;
  switch (c.op) {
    case 'var': return mx.variance(x, axis, keepdims, ddof);
    case 'std': return mx.std(x, axis, keepdims, ddof);
    case 'softmax': return mx.softmax(x, axis);
    default: return (mx as any)[c.op](x, axis, keepdims);
  }
}

function tol(c: any): [number, number] | [] {
  const dt = c.expected.dtype;
  // Halves: we accumulate in float32 where MLX may round per step.
  if (dt === 'float16') return [1e-2, 1e-2];
  if (dt === 'bfloat16') return [5e-2, 5e-2];
  if (dt === 'float32' || dt === 'complex64') return [1e-4, 1e-5];
  if (dt === 'float64') return [1e-6, 1e-7];  // MLX's float64 logsumexp/var round through float32
  return [];
}

describe('reductions against MLX', () => {
  for (const c of cases) {
    it(c.name, () => {
      const x = view(input(c), c.args.view);
      const out = run(c, x);
      const [r, a] = tol(c);
      expectArrayClose(out, decode(c.expected), r, a);
    });
  }
});

describe('reduction API', () => {
  const a = mx.array([[1, 2, 3], [4, 5, 6]]);
  it('accepts the skipped-argument overloads', () => {
    expect(mx.sum(a, true).shape).toEqual([1, 1]);
    expect(mx.sum(a, mx.cpu).item()).toBe(21);
    expect(mx.mean(a, 0, true).shape).toEqual([1, 3]);
    expect(mx.variance(a, null, false, 1).item()).toBeCloseTo(3.5);
    expect(mx.argmax(a, true).shape).toEqual([1, 1]);
    expect(mx.argmax(a).item()).toBe(5);
    expect(mx.softmax(a, -1, true).shape).toEqual([2, 3]);
  });
  it('has array methods', () => {
    expect(a.sum().item()).toBe(21);
    expect(a.sum(1).tolist()).toEqual([6, 15]);
    expect(a.max(0).tolist()).toEqual([4, 5, 6]);
    expect(a.min().item()).toBe(1);
    expect(a.prod(1).tolist()).toEqual([6, 120]);
    expect(a.mean().item()).toBeCloseTo(3.5);
    expect(a.all().item()).toBe(true);
    expect(a.any(1).tolist()).toEqual([true, true]);
    expect(a.argmin(1).tolist()).toEqual([0, 0]);
    expect(a.argmax(0).dtype).toBe(mx.uint32);
    expect(a.std().item()).toBeCloseTo(Math.sqrt(35 / 12), 5);
    expect(a.variance(0).tolist()).toEqual([2.25, 2.25, 2.25]);
    expect(a.logsumexp(1).shape).toEqual([2]);
  });
  it('keeps MLX output dtypes', () => {
    const want: Record<string, string> = { bool: 'int32', int8: 'int32', int16: 'int32', uint8: 'uint32', uint16: 'uint32', int64: 'int64', float16: 'float16' };
    for (const [i, o] of Object.entries(want)) {
      expect(mx.sum(mx.zeros([2], dtypeByName(i))).dtype.name).toBe(o);
      expect(mx.prod(mx.zeros([2], dtypeByName(i))).dtype.name).toBe(o);
    }
    expect(mx.mean(mx.zeros([2], mx.int32)).dtype).toBe(mx.float32);
    expect(mx.variance(mx.zeros([2], mx.complex64)).dtype).toBe(mx.float32);
    expect(mx.softmax(mx.zeros([2], mx.uint8)).dtype).toBe(mx.float32);
    expect(mx.all(mx.zeros([2], mx.float32)).dtype).toBe(mx.bool);
    expect(mx.sum(mx.array([2 ** 31 - 1, 1], mx.int32)).item()).toBe(-(2 ** 31));  // wraps like MLX
  });
  it('reduces large inputs on every path', () => {
    const n = 1 << 22;
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) f[i] = (i % 1000) * 0.001;
    const x = mx.array(f);
    let want = 0;
    for (let i = 0; i < n; i++) want += f[i];
    expect(Math.abs(mx.sum(x).item() as number - want) / want).toBeLessThan(1e-6);
    const m = mx.reshape(x, [2048, 2048]);
    const c0 = mx.sum(m, 0), c1 = mx.sum(mx.transpose(m), 1);
    expectArrayClose(c0, c1, 1e-5, 1e-4);
    expect(mx.max(x).item()).toBeCloseTo(0.999, 5);
    expect(mx.argmax(m, 1).index(0).item()).toBe(999);
  });
  it('throws typed errors', () => {
    expect(() => mx.sum(a, 2)).toThrow(mx.IndexError);
    expect(() => mx.sum(a, [-3])).toThrow(mx.IndexError);
    expect(() => mx.sum(a, [0, -2])).toThrow(mx.InvalidArgumentError);
    expect(() => mx.argmax(a, [0, 1] as any)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.argmax(a, 5)).toThrow(mx.IndexError);
    expect(() => mx.max(mx.zeros([0, 3]))).toThrow(mx.InvalidArgumentError);
    expect(() => mx.argmin(mx.zeros([0]))).toThrow(mx.InvalidArgumentError);
    expect(() => mx.logsumexp(mx.zeros([0]))).toThrow(mx.InvalidArgumentError);
    expect(() => mx.sum(mx.array(1), 0)).toThrow(mx.IndexError);
  });
});
