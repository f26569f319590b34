import { describe, it, expect } from 'vitest';
import * as mx from '@mlx/core';
import { decode, expectArrayClose, loadFixture, values, type EncodedArray } from './helpers/fixtures.js';

const cases = loadFixture('fft');

// The oracle's gen(): an integer hash scaled by a power of two, exact in float64 in both languages.
function gen(shape: number[], seed: number, cplx: boolean): mx.array {
  const count = shape.reduce((a, b) => a * b, 1) * (cplx ? 2 : 1);
  const v = new Float32Array(count);
  for (let i = 0; i < count; i++) v[i] = ((i * 2654435761 + seed * 40503) % 4294967296) / 4294967296 - 0.5;
  return mx.reshape(mx.array(v, cplx ? mx.complex64 : mx.float32), shape);
}

// Max abs error relative to the largest expected magnitude (complex as re/im pairs).
function relErr(actual: mx.array, expected: EncodedArray | mx.array): number {
  const exp = expected instanceof mx.array ? expected : decode(expected);
  expect(actual.shape).toEqual(exp.shape);
  expect(actual.dtype.name).toBe(exp.dtype.name);
  const a = values(actual), e = values(exp);
  let scale = 1e-30, err = 0;
  for (let i = 0; i < e.length; i++) {
    scale = Math.max(scale, Math.abs(e[i]));
    err = Math.max(err, Math.abs(a[i] - e[i]));
  }
  return e.length ? err / scale : 0;
}

// float32 FFT error grows like eps * log(n).
const tolFor = (n: number) => 4e-7 * (1 + Math.log2(Math.max(n, 1)));

function view(x: mx.array, name: string | null | undefined): mx.array {
  switch (name) {
    case undefined: case null: return x;
    case 'transposed': return mx.transpose(x, [2, 0, 1]);
    case 'stepped': return x.index(mx.Slice(null, null, 2), mx.Slice(null, null, -1), mx.Slice(1, null, 2));
    case 'broadcast': return mx.broadcastTo(x.index(mx.Slice(), mx.Slice(null, 1), mx.Slice()), x.shape);
  }
  throw new Error(`unknown view ${name}`);
}

const F = mx.fft as any;
const zeros = (shape: number[]) => mx.reshape(mx.array(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);

function run(op: string, x: mx.array, args: any): mx.array {
  const norm = args.norm ?? 'backward';
  switch (op) {
    case 'fft': case 'ifft': case 'rfft': case 'irfft':
      return F[op](x, args.n, args.axis ?? -1, norm);
    case 'fft2': case 'ifft2': case 'rfft2': case 'irfft2':
    case 'fftn': case 'ifftn': case 'rfftn': case 'irfftn':
      return F[op](x, args.s, 'axes' in args ? args.axes : undefined, norm);
    case 'fftshift': case 'ifftshift':
      return F[op](x, args.axes);
  }
  throw new Error(`unknown op ${op}`);
}

describe('fft against numpy (float64 reference) and MLX', () => {
  for (const c of cases.filter((c) => c.gen)) {
    it(c.name, () => {
      const x = gen(c.gen.shape, c.gen.seed, c.gen.complex);
      const out = run(c.op, x, c.args);
      const err = relErr(out, c.expected);
      // Comparable to MLX (pocketfft) on the same input, and within an eps*log(n) bound.
      expect(err).toBeLessThanOrEqual(Math.max(3 * c.mlx_err, tolFor(c.args.n)));
    });
  }
});

describe('fft against MLX fixtures', () => {
  for (const c of cases.filter((c) => !c.gen && c.op !== 'vjp')) {
    it(c.name, () => {
      const x = view(decode(c.inputs[0]), c.view);
      const out = run(c.op, x, c.args ?? {});
      const n = x.size;
      expect(relErr(out, c.expected)).toBeLessThanOrEqual(tolFor(n));
    });
  }
});

describe('fft gradients match MLX', () => {
  const fns: Record<string, (a: mx.array) => mx.array> = {
    fft: (a) => mx.fft.fft(a),
    ifft: (a) => mx.fft.ifft(a),
    'fft n=8': (a) => mx.fft.fft(a, 8),
    'fft2 ortho': (a) => mx.fft.fft2(a, undefined, undefined, 'ortho'),
    rfft: (a) => mx.fft.rfft(a),
    'rfft odd': (a) => mx.fft.rfft(a),
    irfft: (a) => mx.fft.irfft(a),
    'irfft odd': (a) => mx.fft.irfft(a, 9),
    rfftn: (a) => mx.fft.rfftn(a),
    irfftn: (a) => mx.fft.irfftn(a),
    'irfftn forward': (a) => mx.fft.irfftn(a, undefined, undefined, 'forward'),
  };
  for (const c of cases.filter((c) => c.op === 'vjp')) {
    it(c.name, () => {
      const [x, cot] = c.inputs.map(decode);
      const f = fns[c.fn];
      const [, g] = mx.vjp(f, [x], [cot]);
      expect(relErr(g[0], c.expected)).toBeLessThan(1e-5);
      const [, t] = mx.jvp(f, [x], [x]);
      if (c.jvp) expect(relErr(t[0], c.jvp)).toBeLessThan(1e-5);
      expect(relErr(t[0], f(x))).toBeLessThan(1e-6);  // linear: jvp(f)(x; x) == f(x)
    });
  }
  it('vmap over a batch axis equals the batched transform', () => {
    const x = gen([5, 3, 12], 3, false);
    const v = mx.vmap((a: mx.array) => mx.fft.rfft(a), 1)(x);
    expectArrayClose(v, mx.fft.rfft(mx.transpose(x, [1, 0, 2])), 1e-5, 1e-6);
    const w = mx.vmap((a: mx.array) => mx.fft.irfft(a, 11), 0)(mx.fft.rfft(x, 11));
    expectArrayClose(w, mx.fft.irfft(mx.fft.rfft(x, 11), 11), 1e-5, 1e-6);
  });
});

describe('fft round trips and properties', () => {
  it('irfft(rfft(x)) == x and ifft(fft(x)) == x for many lengths', () => {
    for (const n of [1, 2, 3, 4, 6, 9, 11, 13, 17, 31, 49, 53, 64, 97, 210, 243, 257, 400, 509, 625, 1031]) {
      const x = gen([3, n], n, false);
      expect(relErr(mx.fft.irfft(mx.fft.rfft(x), n), x)).toBeLessThan(tolFor(n));
      const z = gen([2, n], n + 1, true);
      expect(relErr(mx.fft.ifft(mx.fft.fft(z)), z)).toBeLessThan(tolFor(n));
    }
  });
  it('a long single line and a large batch (threaded) agree with per-row transforms', () => {
    const x = gen([300, 400], 5, false);
    const all = mx.fft.rfft(x);
    expect(all.shape).toEqual([300, 201]);
    for (const r of [0, 17, 299]) {
      const row = mx.fft.rfft(x.index(r));
      expect(relErr(all.index(r), row)).toBeLessThan(1e-6);
    }
    const big = gen([1 << 16], 9, true);
    expect(relErr(mx.fft.ifft(mx.fft.fft(big)), big)).toBeLessThan(tolFor(1 << 16));
  });
  it('accepts a plain JS array and keeps MLX dtypes', () => {
    const y = mx.fft.fft([1, 2, 3, 4]);
    expect(y.dtype).toBe(mx.complex64);
    expect(mx.fft.irfft([1, 2, 3]).dtype).toBe(mx.float32);
    expect(mx.fft.irfft([1, 2, 3]).shape).toEqual([4]);
  });
});

describe('fft errors are typed', () => {
  const x = zeros([4, 5]);
  it('bad axes', () => {
    expect(() => mx.fft.fft(x, undefined, 2)).toThrow(mx.IndexError);
    expect(() => mx.fft.fft(x, undefined, -3)).toThrow(mx.IndexError);
    expect(() => mx.fft.fftn(x, undefined, [0, 0])).toThrow(mx.InvalidArgumentError);
    expect(() => mx.fft.fftn(x, [2, 2, 2], [0, 1])).toThrow(mx.InvalidArgumentError);
    expect(() => mx.fft.fftn(x, [2, 2])).toThrow(/axes` should not be `None`/);
    expect(() => mx.fft.fft2(zeros([4]))).toThrow(mx.IndexError);
    expect(() => mx.fft.fftshift(x, [2])).toThrow(mx.IndexError);
  });
  it('n <= 0 and empty axes', () => {
    expect(() => mx.fft.fft(x, 0)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.fft.rfft(x, -4)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.fft.irfft(zeros([3, 1]))).toThrow(/Invalid FFT output size/);
    expect(() => mx.fft.fft(zeros([4, 0]))).toThrow(mx.InvalidArgumentError);
  });
  it('scalars, bad norm and bad argument types', () => {
    expect(() => mx.fft.fft(mx.array(1))).toThrow(mx.ShapeError);
    expect(() => mx.fft.fft(x, undefined, -1, 'bad' as any)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.fft.fft(x, 2.5)).toThrow(mx.InvalidArgumentError);
  });
});
