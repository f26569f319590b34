import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode, expectArrayClose, loadFixture, values } from './helpers/fixtures.js';

const cases = loadFixture('conv');

// Mirrors view() in scripts/oracles/conv.py.
function view(x: mx.array, t: string): mx.array {
  if (t === 'T') return mx.swapaxes(x, 1, -1);
  if (t === 'rev') return x.index(mx.Slice(), mx.Slice(null, null, -1));
  if (t === 'step') return x.index(mx.Slice(), mx.Slice(null, null, 2));
  return x;
}

const tol: Record<string, [number, number]> = {
  float32: [1e-4, 1e-4], float16: [1e-2, 1e-2], bfloat16: [5e-2, 5e-2], float64: [1e-6, 1e-6], complex64: [1e-4, 1e-4],
};

// Calls our op with the fixture's MLX keyword arguments.
function call(op: string, x: mx.array, w: mx.array, a: any): mx.array {
  const st = a.stride ?? 1, pad = a.padding ?? 0, dil = a.dilation ?? 1, g = a.groups ?? 1, op_ = a.output_padding ?? 0;
  switch (op) {
    case 'conv1d': return mx.conv1d(x, w, st, pad, dil, g);
    case 'conv2d': return mx.conv2d(x, w, st, pad, dil, g);
    case 'conv3d': return mx.conv3d(x, w, st, pad, dil, g);
    case 'conv_transpose1d': return mx.convTranspose1d(x, w, st, pad, dil, op_, g);
    case 'conv_transpose2d': return mx.convTranspose2d(x, w, st, pad, dil, op_, g);
    case 'conv_transpose3d': return mx.convTranspose3d(x, w, st, pad, dil, op_, g);
    case 'conv_general': {
      const p = a.padding && !Array.isArray(a.padding) && typeof a.padding === 'object' ? [a.padding.lo, a.padding.hi] : pad;
      return mx.convGeneral(x, w, st, p, a.kernel_dilation ?? 1, a.input_dilation ?? 1, g, a.flip ?? false);
    }
  }
  throw new Error(op);
}

describe('convolutions against the MLX oracle', () => {
  for (const c of cases) {
    it(c.name, () => {
      if (c.op === 'convolve') {
        const out = mx.convolve(decode(c.inputs[0]), decode(c.inputs[1]), c.args.mode);
        expectArrayClose(out, c.expected, 1e-5, 1e-5);
        return;
      }
      const x = view(decode(c.inputs[0]), c.view);
      const w = decode(c.inputs[1]);
      const out = call(c.op, x, w, c.args);
      const [rt, at] = tol[c.expected.dtype];
      expectArrayClose(out, c.expected, rt, at);
      if (c.grads) {
        const [, g] = mx.vjp((p, q) => call(c.op, p, q, c.args), [x, w], [decode(c.cotangent)]);
        expectArrayClose(g[0], c.grads[0], 1e-4, 1e-4);
        expectArrayClose(g[1], c.grads[1], 1e-4, 1e-4);
      }
      if (c.vmap) {
        const v = c.vmap;
        let r: mx.array;
        if (v.mode === 0) r = mx.vmap((p: mx.array) => call(c.op, p, w, c.args))(decode(v.x));
        else if (v.mode === 1) r = mx.vmap((q: mx.array) => call(c.op, x, q, c.args))(decode(v.w));
        else r = mx.vmap((p: mx.array, q: mx.array) => call(c.op, p, q, c.args))(decode(v.x), decode(v.w));
        expectArrayClose(r, v.expected, 1e-4, 1e-4);
      }
    });
  }
});

// ---- independent checks: float32 fast paths vs the float64 direct kernel, finite differences ----

let seed = 1;
function rnd(shape: number[], dt: mx.Dtype = mx.float32): mx.array {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) % 2147483648; d[i] = seed / 1073741824 - 1; }
  return mx.astype(mx.reshape(mx.array(d, mx.float64), shape), dt);
}
const f64 = (a: mx.array) => mx.astype(a, mx.float64);

describe('float32 kernels agree with the float64 direct kernel', () => {
  const configs: [string, number[], number[], any][] = [
    ['im2col 2d, threads', [4, 20, 20, 32], [48, 3, 3, 32], { padding: 1 }],
    ['im2col 2d stride 2', [2, 21, 19, 16], [24, 3, 3, 16], { stride: 2, padding: 1 }],
    ['1-D view, many images', [8, 50, 16], [20, 3, 16], { padding: 1 }],
    ['1-D view, one long image', [1, 600, 40], [64, 3, 40], { stride: 2, padding: 1 }],
    ['pointwise, groups', [2, 30, 30, 16], [32, 1, 1, 4], { groups: 4 }],
    ['depthwise big', [2, 30, 30, 32], [32, 3, 3, 1], { padding: 1, groups: 32 }],
    ['grouped 1-D', [2, 100, 16], [32, 3, 4], { padding: 2, groups: 4, dilation: 2 }],
    ['3-D', [2, 6, 7, 8, 8], [8, 3, 3, 3, 8], { padding: 1 }],
  ];
  for (const [name, xs, ws, a] of configs) {
    it(name, () => {
      const x = rnd(xs), w = rnd(ws);
      const op = xs.length === 3 ? 'conv1d' : xs.length === 4 ? 'conv2d' : 'conv3d';
      const y = call(op, x, w, a);
      const ref = call(op, f64(x), f64(w), a);
      expectArrayClose(f64(y), ref, 1e-4, 1e-4);
    });
  }

  it('float16 and bfloat16 inputs compute in float32', () => {
    const x = rnd([2, 9, 9, 8]), w = rnd([8, 3, 3, 8]);
    const ref = mx.conv2d(f64(x), f64(w), 1, 1);
    for (const dt of [mx.float16, mx.bfloat16]) {
      const y = mx.conv2d(mx.astype(x, dt), mx.astype(w, dt), 1, 1);
      expect(y.dtype).toBe(dt);
      expectArrayClose(f64(y), ref, dt === mx.float16 ? 2e-2 : 8e-2, dt === mx.float16 ? 2e-2 : 8e-2);
    }
  });

  it('conv3d with groups (beyond MLX) equals per-group convolutions', () => {
    const x = rnd([1, 4, 5, 4, 6]), w = rnd([4, 2, 3, 2, 3]);
    const y = mx.conv3d(x, w, 1, 1, 1, 2);
    const parts = [0, 1].map((g) => mx.conv3d(
      x.index('...', mx.Slice(3 * g, 3 * g + 3)), w.index(mx.Slice(2 * g, 2 * g + 2)), 1, 1));
    expectArrayClose(y, mx.concatenate(parts, -1), 1e-5, 1e-5);
  });

  it('complex weight gives a complex64 result', () => {
    const x = rnd([1, 6, 2]);
    const wr = rnd([3, 2, 2]), wi = rnd([3, 2, 2]);
    const w = mx.add(mx.astype(wr, mx.complex64), mx.multiply(mx.astype(wi, mx.complex64), mx.array(mx.Complex(0, 1))));
    const y = mx.conv1d(x, w);
    expect(y.dtype).toBe(mx.complex64);
    const re = mx.conv1d(x, wr), im = mx.conv1d(x, wi);
    const yv = values(y), rv = values(re), iv = values(im);
    for (let i = 0; i < rv.length; i++) {
      expect(yv[2 * i]).toBeCloseTo(rv[i], 5);
      expect(yv[2 * i + 1]).toBeCloseTo(iv[i], 5);
    }
  });

  it('non-contiguous weights', () => {
    const x = rnd([2, 8, 8, 6]), wb = rnd([6, 3, 3, 5]);
    const w = mx.swapaxes(wb, 0, -1); // (5, 3, 3, 6) transposed view
    expectArrayClose(f64(mx.conv2d(x, w, 1, 1)), mx.conv2d(f64(x), mx.copy(f64(w)), 1, 1), 1e-5, 1e-5);
  });

  it('empty channels give zeros, empty batch gives an empty result', () => {
    const y = mx.conv1d(mx.zeros([2, 5, 0]), mx.zeros([3, 3, 0]));
    expect(y.shape).toEqual([2, 3, 3]);
    expect(values(y).every((v) => v === 0)).toBe(true);
    expect(mx.conv2d(mx.zeros([0, 5, 5, 2]), mx.zeros([3, 3, 3, 2])).shape).toEqual([0, 3, 3, 3]);
  });
});

describe('gradients vs finite differences (float64)', () => {
  const configs: [string, string, number[], number[], any][] = [
    ['conv1d stride/pad/dilation/groups', 'conv1d', [2, 9, 4], [4, 3, 2], { stride: 2, padding: 2, dilation: 2, groups: 2 }],
    ['conv2d asym stride', 'conv2d', [1, 6, 7, 3], [2, 3, 2, 3], { stride: [2, 1], padding: [1, 0] }],
    ['conv2d depthwise', 'conv2d', [1, 5, 5, 3], [3, 3, 3, 1], { padding: 1, groups: 3 }],
    ['conv3d', 'conv3d', [1, 4, 4, 3, 2], [2, 2, 3, 2, 2], { stride: [1, 2, 1], padding: 1 }],
    ['convTranspose2d', 'conv_transpose2d', [1, 3, 4, 2], [3, 3, 3, 2], { stride: 2, padding: 1, output_padding: 1 }],
    ['convTranspose1d groups', 'conv_transpose1d', [1, 5, 4], [4, 3, 2], { stride: 2, groups: 2, dilation: 2 }],
    ['conv_general flip/input dilation/neg pad', 'conv_general', [1, 7, 3], [2, 3, 3],
      { flip: true, input_dilation: 2, kernel_dilation: 2, stride: 2, padding: { lo: [3], hi: [-1] } }],
  ];
  for (const [name, op, xs, ws, a] of configs) {
    it(name, () => {
      const x = rnd(xs, mx.float64), w = rnd(ws, mx.float64);
      const y0 = call(op, x, w, a);
      const ct = rnd(y0.shape, mx.float64);
      const loss = (p: mx.array, q: mx.array) => mx.sum(mx.multiply(call(op, p, q, a), ct));
      const [, [gx, gw]] = mx.vjp((p, q) => call(op, p, q, a), [x, w], [ct]);
      const eps = 1e-6;
      for (const [k, arr, g] of [[0, x, gx], [1, w, gw]] as [number, mx.array, mx.array][]) {
        const base = values(arr), gv = values(g);
        expect(g.shape).toEqual(arr.shape);
        for (let t = 0; t < 6; t++) {
          const i = (t * 7919) % base.length;
          const plus = base.slice(), minus = base.slice();
          plus[i] += eps; minus[i] -= eps;
          const mk = (d: number[]) => mx.reshape(mx.array(new Float64Array(d), mx.float64), arr.shape);
          const args = (d: number[]) => (k === 0 ? [mk(d), w] : [x, mk(d)]) as [mx.array, mx.array];
          const fd = (values(loss(...args(plus)))[0] - values(loss(...args(minus)))[0]) / (2 * eps);
          expect(Math.abs(fd - gv[i])).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
        }
      }
    });
  }

  it('jvp is bilinear: conv(dx, w) + conv(x, dw)', () => {
    const x = rnd([1, 6, 3], mx.float64), w = rnd([2, 3, 3], mx.float64);
    const dx = rnd([1, 6, 3], mx.float64), dw = rnd([2, 3, 3], mx.float64);
    const [, [t]] = mx.jvp((p, q) => mx.conv1d(p, q, 1, 1), [x, w], [dx, dw]);
    expectArrayClose(t, mx.add(mx.conv1d(dx, w, 1, 1), mx.conv1d(x, dw, 1, 1)), 1e-12, 1e-12);
  });

  it('vjp through a conv chain', () => {
    const x = rnd([1, 8, 8, 2]), w1 = rnd([3, 3, 3, 2]), w2 = rnd([2, 3, 3, 3]);
    const chain = (p: mx.array, a: mx.array, b: mx.array) => mx.conv2d(mx.conv2d(p, a, 1, 1), b, 2, 1);
    const ct = rnd(chain(x, w1, w2).shape);
    const [, g] = mx.vjp(chain, [x, w1, w2], [ct]);
    const [, g64] = mx.vjp(chain, [f64(x), f64(w1), f64(w2)], [f64(ct)]);
    for (let i = 0; i < 3; i++) expectArrayClose(f64(g[i]), g64[i], 1e-4, 1e-4);
  });
});

describe('argument handling and typed errors', () => {
  const x = rnd([1, 8, 4]), w = rnd([2, 3, 4]);
  it('number | number[] parameters', () => {
    const x2 = rnd([1, 7, 9, 3]), w2 = rnd([2, 3, 3, 3]);
    expectArrayClose(mx.conv2d(x2, w2, 2, 1), mx.conv2d(x2, w2, [2, 2], [1, 1]), 0, 0);
    expect(mx.conv2d(x2, w2, [1, 2], [0, 1]).shape).toEqual([1, 5, 5, 2]);
    expect(mx.convGeneral(x2, w2, 1, [[1, 0], [0, 2]]).shape).toEqual([1, 6, 9, 2]);
  });
  it('integer inputs are rejected, integer weights promote', () => {
    expect(() => mx.conv1d(mx.astype(x, mx.int32), w)).toThrow(mx.DtypeError);
    expect(mx.conv1d(x, mx.astype(w, mx.int32)).dtype).toBe(mx.float32);
    expect(mx.conv1d(mx.astype(x, mx.float16), w).dtype).toBe(mx.float32);
    expect(() => mx.convolve(mx.array([1, 2, 3], mx.int32), mx.array([1, 2], mx.int32))).toThrow(mx.DtypeError);
  });
  it('mismatched channels / dims', () => {
    expect(() => mx.conv1d(x, rnd([2, 3, 3]))).toThrow(mx.ShapeError);
    expect(() => mx.conv1d(x, rnd([2, 3, 3]))).toThrow(/Expect the input channels/);
    expect(() => mx.conv2d(rnd([1, 4, 4, 4]), w)).toThrow(mx.ShapeError);
    expect(() => mx.conv1d(rnd([8, 4]), w)).toThrow(mx.ShapeError);
    expect(() => mx.conv1d(x.index(mx.Slice(), mx.Slice(0, 2)), w)).toThrow(/cannot be smaller/);
  });
  it('bad groups', () => {
    expect(() => mx.conv1d(x, w, 1, 0, 1, 3)).toThrow(mx.ShapeError);
    expect(() => mx.conv1d(x, rnd([3, 3, 2]), 1, 0, 1, 2)).toThrow(/output channels must be divisible/);
    expect(() => mx.conv1d(x, rnd([2, 3, 1]), 1, 0, 1, 2)).toThrow(/expected to have 2 input channels/);
    expect(() => mx.conv1d(x, w, 1, 0, 1, 0)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.conv1d(x, w, 1, 0, 1, -2)).toThrow(mx.InvalidArgumentError);
  });
  it('bad stride / dilation / parameter lengths', () => {
    expect(() => mx.conv1d(x, w, 0)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.conv1d(x, w, 1, 0, 0)).toThrow(/Kernel dilation sizes must be positive/);
    expect(() => mx.convGeneral(x, w, 1, 0, 1, 0)).toThrow(/Input dilation sizes must be positive/);
    expect(() => mx.conv2d(rnd([1, 5, 5, 4]), rnd([2, 3, 3, 4]), [1, 2, 3])).toThrow(mx.InvalidArgumentError);
    expect(() => mx.convGeneral(x, w, [1, 2])).toThrow(/Invalid strides/);
    expect(() => mx.convGeneral(x, w, 1, [[1, 1], [2]])).toThrow(/Invalid padding/);
  });
  it('negative padding crops like MLX and errors when nothing is left', () => {
    expect(mx.conv1d(x, w, 1, -1).shape).toEqual([1, 4, 2]);
    expect(() => mx.conv1d(x, w, 1, -3)).toThrow(mx.ShapeError);
    expect(() => mx.conv1d(x, w, 1, -5)).toThrow(mx.ShapeError);
  });
  it('convolve errors', () => {
    expect(() => mx.convolve(mx.zeros([3, 2]), mx.zeros([2]))).toThrow(/Inputs must be 1D/);
    expect(() => mx.convolve(mx.zeros([0]), mx.zeros([2]))).toThrow(/cannot be empty/);
    expect(() => mx.convolve(mx.zeros([3]), mx.zeros([2]), 'bad' as any)).toThrow(mx.InvalidArgumentError);
  });
  it('compile and vmap of a conv', () => {
    const f = mx.compile((p: mx.array, q: mx.array) => mx.conv1d(p, q, 1, 1));
    expectArrayClose(f(x, w), mx.conv1d(x, w, 1, 1), 1e-6, 1e-6);
  });
});
