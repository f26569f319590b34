import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode as decodeRaw, expectArrayClose, loadFixture, type EncodedArray } from './helpers/fixtures.js';

const cases = loadFixture('binary');
// The shared decoder has no complex64 path; build those from Complex values.
function decode(e: EncodedArray): mx.array {
  if (e.dtype !== 'complex64') return decodeRaw(e);
  const b = Buffer.from(e.data, 'base64');
  const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const vals = Array.from({ length: f.length / 2 }, (_, i) => mx.Complex(f[2 * i], f[2 * i + 1]));
  return mx.reshape(mx.array(vals as any, mx.complex64), e.shape);
}
const zeros = (shape: number[]) => mx.reshape(mx.array(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);

const OPS: Record<string, (...a: any[]) => any> = {
  add: mx.add, subtract: mx.subtract, multiply: mx.multiply, divide: mx.divide, floor_divide: mx.floorDivide,
  remainder: mx.remainder, divmod: mx.divmod, power: mx.power, maximum: mx.maximum, minimum: mx.minimum,
  arctan2: mx.arctan2, logaddexp: mx.logaddexp, equal: mx.equal, not_equal: mx.notEqual, less: mx.less,
  less_equal: mx.lessEqual, greater: mx.greater, greater_equal: mx.greaterEqual, logical_and: mx.logicalAnd,
  logical_or: mx.logicalOr, bitwise_and: mx.bitwiseAnd, bitwise_or: mx.bitwiseOr, bitwise_xor: mx.bitwiseXor,
  left_shift: mx.leftShift, right_shift: mx.rightShift, where: mx.where, array_equal: mx.arrayEqual,
};

// Transcendental ops may differ from MLX's own approximations by an ulp or two.
const LOOSE = new Set(['power', 'arctan2', 'logaddexp']);
const tol = (op: string, dtype: string): [number?, number?] => {
  if (!LOOSE.has(op)) return [undefined, undefined];
  if (dtype === 'float16') return [4e-3, 1e-3];
  if (dtype === 'float32' || dtype === 'complex64') return [2e-5, 1e-6];
  if (dtype === 'float64') return [1e-6, 1e-9];  // MLX evaluates these in float precision
  return [undefined, undefined];
};

function view(x: mx.array, v: string | null | undefined): mx.array {
  if (!v) return x;
  if (v === 'T') return mx.transpose(x);
  if (v === 'step') return x.index('...', mx.Slice(null, null, 2));
  if (v === 'neg') return x.index('...', mx.Slice(null, null, -1));
  if (v.startsWith('bcast:')) return mx.broadcastTo(x, v.slice(6).split(',').map(Number));
  throw new Error(`unknown view ${v}`);
}

// Repeats an encoded pattern's elements to fill `shape` (large periodic fixtures).
function tile(e: EncodedArray, shape: number[]): EncodedArray {
  const bytes = Buffer.from(e.data, 'base64');
  const count = e.shape.reduce((a, b) => a * b, 1);
  const item = bytes.length / count;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = Buffer.alloc(n * item);
  for (let off = 0; off < out.length; off += bytes.length) bytes.copy(out, off, 0, Math.min(bytes.length, out.length - off));
  return { shape, dtype: e.dtype, data: out.toString('base64') };
}

function check(c: any, run: () => any) {
  if (c.expected && c.expected.error) {
    expect(run).toThrow(mx.MlxError);
    return;
  }
  const out = run();
  const [r, a] = tol(c.op, Array.isArray(c.expected) ? c.expected[0].dtype : c.expected.dtype);
  if (Array.isArray(c.expected)) {
    expect(out.length).toBe(c.expected.length);
    c.expected.forEach((e: EncodedArray, i: number) => expectArrayClose(out[i], decode(e), r, a));
  } else {
    expectArrayClose(out, decode(c.expected), r, a);
  }
}

function runCase(c: any): any {
  const ins = c.inputs.map((e: EncodedArray) => decode(e));
  const args = c.args ?? {};
  if (c.scalar) {
    const x = ins[0];
    return () => (c.scalar.pos === 0 ? OPS[c.op](c.scalar.value, x) : OPS[c.op](x, c.scalar.value));
  }
  if (c.tile) {
    const [sa, sb] = c.tile;
    const a = decode(tile(c.inputs[0], sa)), b = decode(tile(c.inputs[1], sb));
    c = { ...c, expected: tile(c.expected, c.tile[2]) };
    return { c, run: () => OPS[c.op](a, b) };
  }
  const vs = ins.map((x: mx.array, i: number) => view(x, c.views?.[i]));
  switch (c.op) {
    case 'clip':
      if (args.none === 2) return () => mx.clip(vs[0], vs[1], null);
      if (args.none === 1) return () => mx.clip(vs[0], null, vs[1]);
      return () => mx.clip(vs[0], vs[1], vs[2]);
    case 'clip_scalar': return () => mx.clip(vs[0], args.lo, args.hi);
    case 'where_scalar': return () => mx.where(vs[0], args.x ?? vs[1], args.y ?? vs[1]);
    case 'isclose': return () => mx.isclose(vs[0], vs[1], args.rtol, args.atol, args.equalNan);
    case 'allclose': return () => mx.allclose(vs[0], vs[1], args.rtol, args.atol, args.equalNan);
    case 'array_equal': return () => mx.arrayEqual(vs[0], vs[1], args.equalNan);
    default: return () => OPS[c.op](...vs);
  }
}

function runGroup(filter: (c: any) => boolean) {
  const sel = cases.filter(filter);
  expect(sel.length).toBeGreaterThan(0);
  for (const c of sel) {
    mx.tidy(() => {
      let r = runCase(c), cc = c;
      if (typeof r !== 'function') { cc = r.c; r = r.run; }
      try {
        check(cc, r);
      } catch (e: any) {
        e.message = `${c.name}: ${e.message}`;
        throw e;
      }
    });
  }
}

describe('binary ops against MLX', () => {
  it('promotes every dtype pair (add, equal, bitwise_and)', () => runGroup((c) => c.name.startsWith('promote ')));
  it('rejects bitwise ops on floating types with DtypeError', () => {
    for (const dt of [mx.float32, mx.float16, mx.complex64, mx.float64]) {
      expect(() => mx.bitwiseAnd(mx.array([1, 2], dt), mx.array([1, 2], mx.int32))).toThrow(mx.DtypeError);
      expect(() => mx.leftShift(mx.array([1, 2], mx.int32), mx.array([1, 2], dt))).toThrow(mx.DtypeError);
    }
  });
  it('computes every op on random shapes with views and broadcasting',
    () => runGroup((c) => !!c.views && !['where', 'clip'].includes(c.op)));
  it('handles large arrays (SIMD, threads, scalar-vector, row broadcast)', () => runGroup((c) => !!c.tile));
  it('matches MLX on division edges, nan and inf', () => runGroup((c) => c.name.endsWith(' edges')));
  it('where', () => runGroup((c) => c.op === 'where' || c.op === 'where_scalar'));
  it('clip', () => runGroup((c) => c.op === 'clip' || c.op === 'clip_scalar'));
  it('isclose / allclose / arrayEqual', () => runGroup((c) => ['isclose', 'allclose', 'array_equal'].includes(c.op)));
  it('weakly types JS scalars like Python scalars', () => runGroup((c) => !!c.scalar));
});

describe('binary ops: API behaviour', () => {
  it('two JS scalars give float32 (bool with bool stays bool)', () => {
    expect(mx.add(1, 2).dtype).toBe(mx.float32);
    expect(mx.add(1, 2).item()).toBe(3);
    expect(mx.multiply(1.5, 2).item()).toBe(3);
    expect(mx.logicalAnd(true, false).dtype).toBe(mx.bool);
    expect(mx.less(1, 2).item()).toBe(true);
  });
  it('throws ShapeError for shapes that do not broadcast', () => {
    expect(() => mx.add(mx.array([1, 2]), mx.array([1, 2, 3]))).toThrow(mx.ShapeError);
    expect(() => mx.where(mx.array([true, false]), mx.array([1, 2, 3]), 0)).toThrow(mx.ShapeError);
    expect(() => mx.divmod(zeros([2, 3]), zeros([3, 2]))).toThrow(mx.ShapeError);
    expect(() => mx.isclose(zeros([4]), zeros([5]))).toThrow(mx.ShapeError);
  });
  it('throws typed errors for unsupported dtypes and arguments', () => {
    const c = mx.array([1, 2], mx.complex64);
    expect(() => mx.remainder(c, c)).toThrow(mx.DtypeError);
    expect(() => mx.arctan2(c, c)).toThrow(mx.DtypeError);
    expect(() => mx.divmod(c, c)).toThrow(mx.DtypeError);
    expect(() => mx.clip(mx.array([1]), null, null)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.add(mx.array([1], mx.uint8), -1)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.add(mx.array([1], mx.int8), 300)).toThrow(mx.InvalidArgumentError);
  });
  it('divmod returns [quotient, remainder]', () => {
    const [q, r] = mx.divmod(mx.array([7, -7], mx.int32), 2);
    expect(q.tolist()).toEqual([3, -4]);
    expect(r.tolist()).toEqual([1, 1]);
  });
  it('power is an array method', () => {
    expect(mx.array([1, 2, 3]).power(2).tolist()).toEqual([1, 4, 9]);
  });
  it('never traps on integer division edge cases', () => {
    const a = mx.array([-2147483648, 5, -5], mx.int32), b = mx.array([-1, 0, 0], mx.int32);
    expect(mx.floorDivide(a, b).tolist()).toEqual([-2147483648, 0, 0]);
    expect(mx.remainder(a, b).tolist()).toEqual([0, 5, -5]);
  });
  it('writes into donated temporaries and keeps layouts correct', () => {
    const x = mx.reshape(mx.array(Array.from({ length: 24 }, (_, i) => i)), [2, 3, 4]);
    const y = mx.add(mx.multiply(x, 2), 1);  // the multiply result is donated to the add
    expect(y.tolist()).toEqual(x.tolist().map((p: any) => p.map((r: any) => r.map((v: number) => 2 * v + 1))));
    const t = mx.transpose(x);  // column-major dense: output keeps the layout
    const z = mx.subtract(t, mx.transpose(mx.multiply(x, 1)));
    expect(z.shape).toEqual([4, 3, 2]);
    expect(mx.arrayEqual(z, zeros([4, 3, 2])).item()).toBe(true);
    expect(x.tolist()[1][2][3]).toBe(23);  // the input survived
  });
  it('handles empty arrays', () => {
    expect(mx.add(zeros([0, 3]), zeros([3])).shape).toEqual([0, 3]);
    expect(mx.where(zeros([0]), 1, 2).shape).toEqual([0]);
    expect(mx.allclose(zeros([0]), zeros([0])).item()).toBe(true);
    expect(mx.arrayEqual(zeros([0]), zeros([0, 1])).item()).toBe(false);
  });
});
