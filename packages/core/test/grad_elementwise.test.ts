// Transform rules of the elementwise and matmul primitives: vjp and jvp against central finite
// differences in float64, vmap against explicit loops, nested transforms, shapeless compile,
// customFunction and checkpoint. No reductions are used (their rules live elsewhere): losses are
// written as dot products through matmul.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

type Fn = (...xs: mx.array[]) => mx.array;

let seed = 20240611;
function rnd(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
}
const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const f64 = (data: ArrayLike<number>, shape: number[]) => mx.reshape(mx.array(Float64Array.from(data)), shape);
const vals = (a: mx.array): number[] => Array.from(mx.astype(a, mx.float64).toTypedArray() as Float64Array);
type Sampler = () => number;
const uni = (lo: number, hi: number): Sampler => () => lo + (hi - lo) * rnd();
const awayFromZero = (lo: number, hi: number): Sampler => () => (rnd() < 0.5 ? -1 : 1) * uni(lo, hi)();
const randArr = (shape: number[], s: Sampler = uni(-1, 1)) => f64(Array.from({ length: sizeOf(shape) }, s), shape);

function expectClose(got: number[], want: number[], tol = 1e-5) {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    if (Math.abs(g - want[i]) > tol * (1 + Math.abs(want[i]))) throw new Error(`index ${i}: got ${g}, want ${want[i]}\n got ${got}\nwant ${want}`);
  });
}

const EPS = 1e-6;
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

// d/dx_i <w, f(x)> by central differences, element by element.
function fdVjp(f: Fn, xs: mx.array[], i: number, w: number[]): number[] {
  const base = vals(xs[i]);
  return base.map((_, j) => {
    const at = (d: number) => {
      const v = base.slice();
      v[j] += d;
      const args = xs.slice();
      args[i] = f64(v, xs[i].shape);
      return dot(vals(f(...args)), w);
    };
    return (at(EPS) - at(-EPS)) / (2 * EPS);
  });
}

// vjp (random cotangent) and jvp (random tangents) of f against finite differences.
function checkGrads(f: Fn, xs: mx.array[], tol = 1e-5) {
  const y = f(...xs);
  const w = randArr(y.shape);
  const [, cots] = mx.vjp(f, xs, [w]);
  xs.forEach((x, i) => {
    expect(cots[i].shape).toEqual(x.shape);
    expectClose(vals(cots[i]), fdVjp(f, xs, i, vals(w)), tol);
  });
  const ts = xs.map((x) => randArr(x.shape));
  const [, [jv]] = mx.jvp(f, xs, ts);
  const shifted = (d: number) => vals(f(...xs.map((x, i) => mx.add(x, mx.multiply(ts[i], d)))));
  const plus = shifted(EPS), minus = shifted(-EPS);
  expect(jv.shape).toEqual(y.shape);
  expectClose(vals(jv), plus.map((p, k) => (p - minus[k]) / (2 * EPS)), tol);
}

// [name, fn, sampler for inputs]
const unaryOps: [string, Fn, Sampler][] = [
  ['abs', mx.abs, awayFromZero(0.2, 2)],
  ['negative', mx.negative, uni(-2, 2)],
  ['sqrt', mx.sqrt, uni(0.2, 3)],
  ['rsqrt', mx.rsqrt, uni(0.2, 3)],
  ['square', mx.square, uni(-2, 2)],
  ['reciprocal', mx.reciprocal, awayFromZero(0.4, 2)],
  ['exp', mx.exp, uni(-2, 2)],
  ['expm1', mx.expm1, uni(-2, 2)],
  ['log', mx.log, uni(0.2, 3)],
  ['log2', mx.log2, uni(0.2, 3)],
  ['log10', mx.log10, uni(0.2, 3)],
  ['log1p', mx.log1p, uni(-0.5, 2)],
  ['sin', mx.sin, uni(-3, 3)],
  ['cos', mx.cos, uni(-3, 3)],
  ['tan', mx.tan, uni(-1.2, 1.2)],
  ['arcsin', mx.arcsin, uni(-0.9, 0.9)],
  ['arccos', mx.arccos, uni(-0.9, 0.9)],
  ['arctan', mx.arctan, uni(-3, 3)],
  ['sinh', mx.sinh, uni(-2, 2)],
  ['cosh', mx.cosh, uni(-2, 2)],
  ['tanh', mx.tanh, uni(-2, 2)],
  ['arcsinh', mx.arcsinh, uni(-3, 3)],
  ['arccosh', mx.arccosh, uni(1.2, 3)],
  ['arctanh', mx.arctanh, uni(-0.9, 0.9)],
  ['sigmoid', mx.sigmoid, uni(-3, 3)],
  ['erf', mx.erf, uni(-2, 2)],
  ['erfinv', mx.erfinv, uni(-0.9, 0.9)],
  ['degrees', mx.degrees, uni(-2, 2)],
  ['radians', mx.radians, uni(-2, 2)],
  ['conjugate', mx.conjugate, uni(-2, 2)],
  ['real', mx.real, uni(-2, 2)],
  ['imag', mx.imag, uni(-2, 2)],
  // piecewise constant: zero gradient (sampled away from the jumps)
  ['sign', mx.sign, awayFromZero(0.2, 2)],
  ['floor', mx.floor, () => Math.floor(uni(-3, 3)()) + uni(0.2, 0.8)()],
  ['ceil', mx.ceil, () => Math.floor(uni(-3, 3)()) + uni(0.2, 0.8)()],
  ['round', (x) => mx.round(x), () => Math.floor(uni(-3, 3)()) + uni(0.1, 0.4)()],
  ['round(2)', (x) => mx.round(x, 2), () => Math.floor(uni(-300, 300)()) / 100 + uni(0.001, 0.004)()],
];

describe('unary vjp/jvp vs finite differences (float64)', () => {
  for (const [name, f, s] of unaryOps) {
    it(name, () => {
      checkGrads(f, [randArr([2, 3], s)]);
      checkGrads((x) => f(mx.transpose(x)), [randArr([3, 2], s)]);  // non-contiguous input
    });
  }
  it('predicates and bitwise ops have zero gradients (bool / int outputs)', () => {
    const x = randArr([4], uni(-2, 2));
    for (const f of [mx.isnan, mx.isinf, mx.isfinite, mx.isposinf, mx.isneginf, mx.logicalNot]) {
      const [, [g]] = mx.vjp(f, [x], [mx.zeros([4], mx.bool)]);
      expect(vals(g)).toEqual([0, 0, 0, 0]);
      const [, [t]] = mx.jvp(f, [x], [mx.ones([4], mx.float64)]);
      expect(t.dtype).toBe(mx.bool);
      expect(vals(t)).toEqual([0, 0, 0, 0]);
    }
    const k = mx.array([1, 2, 3], mx.int32);
    const [, [g]] = mx.vjp(mx.bitwiseInvert, [k], [mx.array([1, 1, 1], mx.int32)]);
    expect(g.tolist()).toEqual([0, 0, 0]);
  });
  it('nanToNum (float32): identity gradient, none to replaced values', () => {
    const x = mx.array(new Float32Array([1, NaN, Infinity, -Infinity, -2]));
    const [, [g]] = mx.vjp((a) => mx.nanToNum(a), [x], [mx.full([5], 3)]);
    expect(vals(g)).toEqual([3, 0, 0, 0, 3]);
    const [, [t]] = mx.jvp((a) => mx.nanToNum(a, 0, 5), [x], [mx.full([5], 2)]);
    expect(vals(t)).toEqual([2, 0, 0, 0, 2]);
    checkVmap((a) => mx.nanToNum(a, 1), [mx.reshape(mx.concatenate([x, x, x, x]), [5, 4])], [1]);
  });
  it('stopGradient is identity forward and blocks gradients through whole subgraphs', () => {
    const x = mx.array(new Float64Array([0.5, 1.5]));
    expect(vals(mx.stopGradient(mx.exp(x)))).toEqual(vals(mx.exp(x)));
    // y = x * stop(x^2): dy/dx = stop(x^2) only
    const [, [g]] = mx.vjp((a) => mx.multiply(a, mx.stopGradient(mx.square(a))), [x], [mx.ones([2], mx.float64)]);
    expectClose(vals(g), [0.25, 2.25]);
    const [, [t]] = mx.jvp((a) => mx.add(mx.stopGradient(mx.sin(a)), a), [x], [mx.ones([2], mx.float64)]);
    expectClose(vals(t), [1, 1]);
    const gs = mx.grad((a: mx.array) => mx.stopGradient(mx.square(a)))(mx.array(3, mx.float64));
    expect(gs.item()).toBe(0);
  });
});

describe('complex gradients (MLX conventions)', () => {
  const i = mx.array(new Float32Array([0, 1]), mx.complex64);  // the imaginary unit
  const x = mx.array([0.3, -1.2, 2.0]);
  const ones = mx.ones([3]);
  const grad = (f: Fn) => vals(mx.vjp(f, [x], [ones])[1][0]);
  it('real/imag/exp/multiply through complex64', () => {
    expectClose(grad((a) => mx.real(mx.exp(mx.multiply(a, i)))), vals(mx.negative(mx.sin(x))), 1e-5);
    expectClose(grad((a) => mx.imag(mx.exp(mx.multiply(a, i)))), vals(mx.cos(x)), 1e-5);
  });
  it('abs of complex and conjugate', () => {
    const z = (a: mx.array) => mx.add(a, mx.multiply(i, 2));
    expectClose(grad((a) => mx.abs(z(a))), vals(mx.divide(x, mx.sqrt(mx.add(mx.square(x), 4)))), 1e-5);
    expectClose(grad((a) => mx.real(mx.conjugate(mx.multiply(z(a), z(a))))), vals(mx.multiply(x, 2)), 1e-5);
  });
});

const pos = uni(0.5, 2);
// [name, fn, samplers for a and b]
const binaryOps: [string, Fn, Sampler, Sampler][] = [
  ['add', mx.add, uni(-2, 2), uni(-2, 2)],
  ['subtract', mx.subtract, uni(-2, 2), uni(-2, 2)],
  ['multiply', mx.multiply, uni(-2, 2), uni(-2, 2)],
  ['divide', mx.divide, uni(-2, 2), awayFromZero(0.5, 2)],
  ['power', mx.power, pos, uni(-2, 2)],
  ['arctan2', mx.arctan2, uni(-2, 2), awayFromZero(0.3, 2)],
  ['logaddexp', mx.logaddexp, uni(-2, 2), uni(-2, 2)],
  ['remainder', mx.remainder, () => Math.floor(uni(-4, 4)()) * 1.5 + uni(0.2, 1.2)(), () => 1.5],
  ['maximum', mx.maximum, uni(-2, 2), uni(-2, 2)],
  ['minimum', mx.minimum, uni(-2, 2), uni(-2, 2)],
  ['floorDivide', mx.floorDivide, () => Math.floor(uni(-4, 4)()) * 1.5 + uni(0.2, 1.2)(), () => 1.5],
];

describe('binary vjp/jvp vs finite differences (float64)', () => {
  for (const [name, f, sa, sb] of binaryOps) {
    it(`${name}: same shape, broadcast, scalar and transposed operands`, () => {
      checkGrads(f, [randArr([2, 3], sa), randArr([2, 3], sb)]);
      checkGrads(f, [randArr([3, 1], sa), randArr([4], sb)]);
      checkGrads(f, [randArr([2, 3], sa), randArr([], sb)]);
      checkGrads((a, b) => f(mx.transpose(a), b), [randArr([3, 2], sa), randArr([2, 3], sb)]);
    });
  }
  it('power with a Python-scalar exponent and at zero base (0 * log 0 -> 0)', () => {
    checkGrads((a) => mx.power(a, 3), [randArr([5], uni(-2, 2))]);
    const [, [, gb]] = mx.vjp(mx.power, [mx.array(new Float64Array([0, 2])), mx.array(new Float64Array([1, 1]))], [mx.ones([2], mx.float64)]);
    expectClose(vals(gb), [0, 2 * Math.log(2)]);
  });
  it('maximum/minimum ties send the gradient to the second operand (MLX)', () => {
    const a = mx.array(new Float64Array([1, 2, 3])), b = mx.array(new Float64Array([1, 0, 3]));
    const c = mx.ones([3], mx.float64);
    const [, [ga, gb]] = mx.vjp(mx.maximum, [a, b], [c]);
    expect(vals(ga)).toEqual([0, 1, 0]);
    expect(vals(gb)).toEqual([1, 0, 1]);
    const [, [ma, mb]] = mx.vjp(mx.minimum, [a, b], [c]);
    expect(vals(ma)).toEqual([0, 0, 0]);
    expect(vals(mb)).toEqual([1, 1, 1]);
  });
  it('comparisons, logical, bitwise, divmod and isclose have zero gradients', () => {
    const a = randArr([2, 3]), b = randArr([2, 3]);
    for (const f of [mx.equal, mx.notEqual, mx.less, mx.lessEqual, mx.greater, mx.greaterEqual, mx.logicalAnd, mx.logicalOr,
      (p: mx.array, q: mx.array) => mx.isclose(p, q)] as Fn[]) {
      const [, gs] = mx.vjp(f, [a, b], [mx.ones([2, 3], mx.bool)]);
      for (const g of gs) expect(vals(g)).toEqual(new Array(6).fill(0));
      const [, [t]] = mx.jvp(f, [a, b], [mx.ones([2, 3], mx.float64), mx.ones([2, 3], mx.float64)]);
      expect(t.dtype).toBe(mx.bool);
    }
    const k = mx.array([[1, 2], [3, 4]], mx.int32);
    for (const f of [mx.bitwiseAnd, mx.bitwiseOr, mx.bitwiseXor, mx.leftShift, mx.rightShift] as Fn[]) {
      const [, [g]] = mx.vjp(f, [k, k], [mx.ones([2, 2], mx.int32)]);
      expect(g.tolist()).toEqual([[0, 0], [0, 0]]);
    }
    const [, gd] = mx.vjp((p, q) => mx.divmod(p, q) as any, [a, mx.add(b, 3)], [mx.ones([2, 3], mx.float64), mx.ones([2, 3], mx.float64)]);
    for (const g of gd) expect(vals(g)).toEqual(new Array(6).fill(0));
    const [, td] = mx.jvp((p, q) => mx.divmod(p, q) as any, [a, mx.add(b, 3)], [a, b]);
    expect(td.length).toBe(2);
  });
});

describe('ternary and matmul vjp/jvp vs finite differences (float64)', () => {
  const cond = mx.array([[true, false, true], [false, false, true]]);
  it('where: gradients go to the chosen branch; broadcast condition and operands', () => {
    checkGrads((x, y) => mx.where(cond, x, y), [randArr([2, 3]), randArr([2, 3])]);
    checkGrads((x, y) => mx.where(mx.array([true, false, true]), x, y), [randArr([2, 1]), randArr([3])]);
    checkGrads((x) => mx.where(cond, x, 0.5), [randArr([2, 3])]);
  });
  it('clip with scalar and array bounds', () => {
    const s = () => { const v = uni(-2, 2)(); return Math.abs(Math.abs(v) - 1) < 0.1 ? 0.3 : v; };
    checkGrads((x) => mx.clip(x, -1, 1), [randArr([3, 4], s)]);
    checkGrads((x, lo, hi) => mx.clip(x, lo, hi), [randArr([2, 3], s), randArr([3], uni(-1.6, -1.3)), randArr([2, 1], uni(1.3, 1.6))]);
  });
  it('matmul: matrices, vectors, batched and broadcast batches, transposed views', () => {
    checkGrads(mx.matmul, [randArr([3, 4]), randArr([4, 2])]);
    checkGrads(mx.matmul, [randArr([4]), randArr([4, 2])]);
    checkGrads(mx.matmul, [randArr([3, 4]), randArr([4])]);
    checkGrads(mx.matmul, [randArr([4]), randArr([4])]);
    checkGrads(mx.matmul, [randArr([2, 3, 4]), randArr([4, 2])]);
    checkGrads(mx.matmul, [randArr([2, 1, 2, 3]), randArr([3, 3, 2])]);
    checkGrads((a, b) => mx.matmul(mx.transpose(a), b), [randArr([4, 3]), randArr([4, 2])]);
  });
  it('addmm with alpha/beta, broadcast c and vector operands', () => {
    checkGrads((c, a, b) => mx.addmm(c, a, b, 0.7, -1.3), [randArr([3, 2]), randArr([3, 4]), randArr([4, 2])]);
    checkGrads((c, a, b) => mx.addmm(c, a, b), [randArr([2]), randArr([2, 3, 4]), randArr([4, 2])]);
    checkGrads((c, a, b) => mx.addmm(c, a, b, 2, 0.5), [randArr([2]), randArr([4]), randArr([4, 2])]);
  });
  it('float32 matmul gradient matches the float64 one', () => {
    const a = randArr([5, 7]), b = randArr([7, 3]), c = randArr([5, 3]);
    const [, g64] = mx.vjp(mx.matmul, [a, b], [c]);
    const [, g32] = mx.vjp(mx.matmul, [mx.astype(a, mx.float32), mx.astype(b, mx.float32)], [mx.astype(c, mx.float32)]);
    expect(g32[0].dtype).toBe(mx.float32);
    expectClose(vals(g32[0]), vals(g64[0]), 1e-5);
    expectClose(vals(g32[1]), vals(g64[1]), 1e-5);
  });
});

// ---- vmap vs an explicit loop ----

const take = (x: mx.array, ax: number | null, i: number) => (ax === null ? x : mx.moveaxis(x, ax, 0).index(i));
function loop(f: Fn, xs: mx.array[], inAxes: (number | null)[], outAxis: number): mx.array {
  const k = inAxes.findIndex((a) => a !== null);
  const n = xs[k].shape.at(inAxes[k]!)!;
  const outs = Array.from({ length: n }, (_, i) => f(...xs.map((x, j) => take(x, inAxes[j], i))));
  return mx.stack(outs, outAxis);
}
function expectSame(a: mx.array, b: mx.array) {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  if (mx.issubdtype(a.dtype, mx.inexact)) expect(mx.allclose(a, b, 1e-5, 1e-6, true).item()).toBe(true);
  else expect(a.tolist()).toEqual(b.tolist());
}
function checkVmap(f: Fn, xs: mx.array[], inAxes: (number | null)[], outAxis = 0) {
  expectSame(mx.vmap(f, inAxes, outAxis)(...xs), loop(f, xs, inAxes, outAxis));
}

describe('vmap matches a loop over the mapped axis', () => {
  it('every unary op, mapped on axes 0, 1, -1, with out axes 0 and 2', () => {
    const x = mx.astype(randArr([3, 4, 5], uni(0.2, 0.9)), mx.float32);
    for (const [, f] of unaryOps) {
      checkVmap(f, [x], [0]);
      checkVmap(f, [x], [1], 2);
      checkVmap(f, [x], [-1], 1);
    }
    for (const f of [mx.isnan, mx.isfinite, mx.logicalNot] as Fn[]) checkVmap(f, [x], [1]);
    checkVmap(mx.bitwiseInvert, [mx.array([[1, 2], [3, 4]], mx.int32)], [1]);
  });
  const axesMixes: [(number | null)[], number][] = [[[0, 0], 0], [[1, 0], 1], [[-1, null], 0], [[null, 2], 2], [[2, 1], 0]];
  it('every binary op with in_axes mixes (0, 1, -1, null) and out axes', () => {
    const a = mx.astype(randArr([3, 3, 3], uni(0.5, 2)), mx.float32);
    const b = mx.astype(randArr([3, 3, 3], uni(0.5, 2)), mx.float32);
    const fs: Fn[] = [mx.add, mx.subtract, mx.multiply, mx.divide, mx.power, mx.arctan2, mx.logaddexp, mx.remainder,
      mx.maximum, mx.minimum, mx.floorDivide, mx.equal, mx.notEqual, mx.less, mx.lessEqual, mx.greater, mx.greaterEqual,
      mx.logicalAnd, mx.logicalOr, (p, q) => mx.isclose(p, q, 0.1), (p, q) => mx.divmod(p, q)[1]];
    for (const f of fs) {
      for (const [ia, oa] of axesMixes) {
        // an unmapped operand has no batch axis
        const xs = [ia[0] === null ? a.index(0) : a, ia[1] === null ? b.index(0) : b];
        checkVmap(f, xs, ia, oa);
      }
    }
    const k = mx.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], mx.int32), l = mx.array([[1, 0, 2], [2, 1, 0], [0, 1, 1]], mx.int32);
    for (const f of [mx.bitwiseAnd, mx.bitwiseOr, mx.bitwiseXor, mx.leftShift, mx.rightShift] as Fn[]) {
      checkVmap(f, [k, l], [0, 1]);
      checkVmap(f, [k, l.index(0)], [1, null], 1);
    }
  });
  it('broadcasting inside the mapped function and Python scalars', () => {
    const a = mx.astype(randArr([4, 3, 1]), mx.float32), b = mx.astype(randArr([5, 4]), mx.float32);
    checkVmap((p, q) => mx.multiply(mx.add(p, q), 2), [a, b], [0, 1]);
    checkVmap((p, q) => mx.subtract(p, q), [a, b.index(0)], [0, null], 1);
  });
  it('where, clip, allclose and divmod (two outputs)', () => {
    const c = mx.greater(randArr([4, 4]), 0), x = mx.astype(randArr([4, 4]), mx.float32), y = mx.astype(randArr([4, 4]), mx.float32);
    checkVmap((p, q, r) => mx.where(p, q, r), [c, x, y], [0, 0, 1]);
    checkVmap((p, q, r) => mx.where(p, q, r), [c, x.index(0), y], [1, null, 0], 1);
    checkVmap((p, q, r) => mx.where(p, q, r), [c.index(0), x, y.index(0)], [null, 0, null]);
    checkVmap((p, lo) => mx.clip(p, lo, 0.5), [x, y], [0, 1]);
    checkVmap((p, q) => mx.allclose(p, q, 0.5), [x, mx.transpose(y)], [1, 1]);
    const [q, r] = mx.vmap((p: mx.array, s: mx.array) => mx.divmod(p, s), [0, null], [0, 1])(x, mx.array([1.5, 2, 2.5, 3]));
    const [lq, lr] = [0, 1].map((k) => loop((p) => mx.divmod(p, mx.array([1.5, 2, 2.5, 3]))[k], [x], [0], k));
    expectSame(q, lq);
    expectSame(r, lr);
  });
  it('matmul and addmm with every operand mapped or not', () => {
    const A = mx.astype(randArr([3, 2, 4]), mx.float32), Bm = mx.astype(randArr([4, 3, 5]), mx.float32);
    const C = mx.astype(randArr([2, 5, 3]), mx.float32), B1 = mx.astype(randArr([4, 5]), mx.float32);
    const C1 = mx.astype(randArr([5]), mx.float32);
    checkVmap(mx.matmul, [A, Bm], [0, 1]);
    checkVmap(mx.matmul, [A, B1], [0, null], 2);
    checkVmap(mx.matmul, [A.index(0), Bm], [null, 1]);
    checkVmap(mx.matmul, [A, mx.astype(randArr([4, 3]), mx.float32)], [0, 1]);  // matrix @ vector per example
    checkVmap((c, a, b) => mx.addmm(c, a, b, 0.5, 2), [C, A, Bm], [2, 0, 1]);
    checkVmap((c, a, b) => mx.addmm(c, a, b), [C, A.index(0), B1], [2, null, null], 1);
    checkVmap((c, a, b) => mx.addmm(c, a, b), [C1, A, B1], [null, 0, null]);
  });
  it('an output that does not depend on the mapped input is broadcast', () => {
    const out = mx.vmap((p: mx.array, q: mx.array) => [mx.add(p, 1), mx.exp(q)], [0, null])(mx.ones([3, 2]), mx.zeros([2]));
    expect(out[1].shape).toEqual([3, 2]);
  });
});

// ---- nested transforms ----

describe('nested transforms', () => {
  const s = (v: number) => mx.array(v, mx.float64);
  it('grad of grad (and third order) of scalar elementwise functions', () => {
    const f = (x: mx.array) => mx.multiply(mx.sin(x), mx.exp(x));
    const x = 0.7;
    const d1 = Math.exp(x) * (Math.sin(x) + Math.cos(x)), d2 = 2 * Math.exp(x) * Math.cos(x);
    const d3 = 2 * Math.exp(x) * (Math.cos(x) - Math.sin(x));
    expect(mx.grad(f)(s(x)).item()).toBeCloseTo(d1, 10);
    expect(mx.grad(mx.grad(f))(s(x)).item()).toBeCloseTo(d2, 10);
    expect(mx.grad(mx.grad(mx.grad(f)))(s(x)).item()).toBeCloseTo(d3, 10);
    for (const [g, want] of [[mx.tanh, (v: number) => -2 * Math.tanh(v) / Math.cosh(v) ** 2], [mx.sigmoid, (v: number) => {
      const e = 1 / (1 + Math.exp(-v)); return e * (1 - e) * (1 - 2 * e);
    }], [(v: mx.array) => mx.power(v, 3), (v: number) => 6 * v], [(v: mx.array) => mx.divide(1, v), (v: number) => 2 / v ** 3]] as const) {
      expect(mx.grad(mx.grad(g as any))(s(0.8)).item()).toBeCloseTo(want(0.8), 9);
    }
    // mixed partial of a two-argument function: d/dy d/dx (x * y^2) = 2y
    const h = (a: mx.array, b: mx.array) => mx.multiply(a, mx.square(b));
    expect(mx.grad((a: mx.array, b: mx.array) => mx.grad(h)(a, b), 1)(s(1.5), s(-2)).item()).toBeCloseTo(-4, 12);
  });
  it('vmap of grad gives per-example derivatives', () => {
    const xs = randArr([6], uni(-2, 2));
    const g = mx.vmap(mx.grad((x: mx.array) => mx.multiply(mx.sin(x), x)))(xs);
    expectClose(vals(g), vals(xs).map((v) => Math.sin(v) + v * Math.cos(v)), 1e-12);
    const w = randArr([3]);
    const gw = mx.vmap(mx.grad((x: mx.array, v: mx.array) => mx.matmul(mx.tanh(x), v)), [0, null])(randArr([4, 3]), w);
    expect(gw.shape).toEqual([4, 3]);
  });
  it('grad of vmap equals the gradient of the unbatched function', () => {
    const X = randArr([4, 3]), w = randArr([12]);
    const loss = (x: mx.array) => mx.matmul(mx.reshape(mx.vmap((r: mx.array) => mx.multiply(mx.exp(r), mx.sin(r)))(x), [12]), w);
    const g = mx.grad(loss)(X);
    const want = vals(X).map((v, i) => vals(w)[i] * Math.exp(v) * (Math.sin(v) + Math.cos(v)));
    expectClose(vals(g), want, 1e-12);
  });
  it('jvp of vjp (forward-over-reverse Hessian-vector product)', () => {
    const A = randArr([3, 3]);
    const f = (x: mx.array) => mx.tanh(mx.matmul(A, x));
    const x = randArr([3]), v = randArr([3]), c = randArr([3]);
    const vjpFn = (p: mx.array) => mx.vjp(f, [p], [c])[1][0];
    const [, [hv]] = mx.jvp(vjpFn, [x], [v]);
    const fd = vals(mx.subtract(vjpFn(mx.add(x, mx.multiply(v, EPS))), vjpFn(mx.subtract(x, mx.multiply(v, EPS))))).map((d) => d / (2 * EPS));
    expectClose(vals(hv), fd, 1e-6);
  });
  it('vmap of vmap and vmap of jvp', () => {
    const X = mx.astype(randArr([2, 3, 4]), mx.float32);
    const vv = mx.vmap(mx.vmap((r: mx.array) => mx.sin(r), 1, 0), 0, 2)(X);
    expect(vv.shape).toEqual([4, 3, 2]);
    expectSame(vv, mx.transpose(mx.sin(X), [2, 1, 0]));
    const jv = mx.vmap((p: mx.array) => mx.jvp(mx.exp, [p], [mx.onesLike(p)])[1][0])(X);
    expectSame(jv, mx.exp(X));
  });
});

// ---- shapeless compile ----

describe('shapeless compile of elementwise and matmul graphs', () => {
  it('float64 elementwise graph (not fused) replays for new sizes of the same rank', () => {
    let traces = 0;
    const fn = (x: mx.array, y: mx.array) => mx.where(mx.greater(x, y), mx.power(mx.abs(x), y), mx.arctan2(x, y));
    const g = mx.compile((x: mx.array, y: mx.array) => { traces++; return fn(x, y); }, true);
    for (const n of [3, 7, 1]) {
      const x = randArr([n, 2], uni(-2, 2)), y = randArr([n, 2], uni(0.5, 2));
      expectSame(g(x, y), fn(x, y));
    }
    expect(traces).toBe(1);
    const d = mx.compile((x: mx.array, y: mx.array) => mx.divmod(x, y), true);
    for (const n of [5, 2]) {
      const x = randArr([n], uni(1, 9)), y = mx.full([n], 2, mx.float64);
      const [q, r] = d(x, y), [eq, er] = mx.divmod(x, y);
      expectSame(q, eq);
      expectSame(r, er);
    }
  });
  it('matmul chains and float32 fused epilogues', () => {
    const W = mx.astype(randArr([4, 3]), mx.float32), b = mx.astype(randArr([3]), mx.float32);
    const fn = (x: mx.array, w: mx.array, bias: mx.array) => mx.tanh(mx.add(mx.matmul(x, w), bias));
    const g = mx.compile(fn, true);
    for (const n of [2, 5, 9]) {
      const x = mx.astype(randArr([n, 4]), mx.float32);
      expectSame(g(x, W, b), fn(x, W, b));
    }
    const mm = (a: mx.array, b2: mx.array, c: mx.array) => mx.sin(mx.addmm(c, mx.exp(a), b2, 0.5, 2));
    const h = mx.compile(mm, true);
    for (const n of [2, 3, 6]) {
      const a = randArr([n, 3]), b2 = randArr([3, n + 1]), c = randArr([n, n + 1]);
      expectSame(h(a, b2, c), mm(a, b2, c));
    }
    const bm = mx.compile((a: mx.array, b2: mx.array) => mx.matmul(a, b2), true);
    for (const n of [1, 4]) {
      const a = randArr([2, n, 3]), b2 = randArr([2, 3, 2]);
      expectSame(bm(a, b2), mx.matmul(a, b2));
    }
  });
  it('compiled gradient of an elementwise + matmul loss', () => {
    const w = randArr([3]);
    const loss = (x: mx.array) => mx.matmul(mx.sigmoid(x), w);
    const g = mx.compile(mx.grad(loss));
    const x = randArr([3]);
    expectClose(vals(g(x)), vals(mx.grad(loss)(x)), 1e-12);
  });
});

// ---- customFunction and checkpoint ----

describe('customFunction', () => {
  it('the custom vjp is used by grad and vjp', () => {
    let calls = 0;
    const f = mx.customFunction((x: mx.array) => mx.sin(x)).vjp((primals, cot, out) => {
      calls++;
      expect(primals.length).toBe(1);
      expectClose(vals(out), vals(mx.sin(primals[0])));
      return [mx.multiply(cot, 10)];
    });
    const x = mx.array(new Float64Array([0.1, 0.2]));
    expectClose(vals(f(x)), vals(mx.sin(x)));
    const [, [g]] = mx.vjp(f, [x], [mx.ones([2], mx.float64)]);
    expect(vals(g)).toEqual([10, 10]);
    expect(mx.grad((a: mx.array) => mx.multiply(f(a), 2))(mx.array(0.3, mx.float64)).item()).toBe(20);
    expect(calls).toBe(2);
  });
  it('jvp and vmap rules are used; missing rules fall back to transforming fn', () => {
    let vm = 0;
    const f = mx.customFunction((x: mx.array, y: mx.array) => mx.multiply(x, y))
      .jvp((primals, tangents) => mx.add(tangents[0], tangents[1]))
      .vmap((inputs, axes) => { vm++; expect(axes).toEqual([0, null]); return [mx.multiply(inputs[0], inputs[1]), 0]; });
    const x = mx.array(new Float64Array([1, 2])), y = mx.array(new Float64Array([3, 4]));
    const [, [t]] = mx.jvp(f, [x, y], [mx.ones([2], mx.float64), mx.ones([2], mx.float64)]);
    expect(vals(t)).toEqual([2, 2]);  // the rule, not y + x
    const [, [t1]] = mx.jvp((a: mx.array) => f(a, y), [x], [mx.ones([2], mx.float64)]);
    expect(vals(t1)).toEqual([1, 1]);  // tangent of y filled with zeros
    const [, [gx, gy]] = mx.vjp(f, [x, y], [mx.ones([2], mx.float64)]);  // default vjp: d(xy)
    expect(vals(gx)).toEqual([3, 4]);
    expect(vals(gy)).toEqual([1, 2]);
    const out = mx.vmap(f, [0, null])(mx.reshape(mx.arange(6, mx.float64), [3, 2]), y);
    expect(out.tolist()).toEqual([[0, 4], [6, 12], [12, 20]]);
    expect(vm).toBe(1);
    const g = mx.customFunction((a: mx.array) => mx.exp(a)).vjp((_p, c) => [c]);
    expectSame(mx.vmap(g)(mx.ones([2, 2])), mx.exp(mx.ones([2, 2])));  // default vmap
  });
  it('multiple outputs, tree arguments and null cotangents', () => {
    const f = mx.customFunction((p: { a: mx.array; b: mx.array }, s: mx.array) => [mx.add(p.a, s), mx.multiply(p.b, s)])
      .vjp((primals, cots, outs) => {
        expect(outs.length).toBe(2);
        return [{ a: cots[0], b: null }, mx.multiply(cots[1], 3)];
      });
    const p = { a: mx.array(new Float64Array([1, 2])), b: mx.array(new Float64Array([3, 4])) };
    const s = mx.array(new Float64Array([5, 6]));
    const [, g] = mx.vjp((a, b, c) => f({ a, b }, c), [p.a, p.b, s], [mx.full([2], 2, mx.float64), mx.ones([2], mx.float64)]);
    expect(vals(g[0])).toEqual([2, 2]);
    expect(vals(g[1])).toEqual([0, 0]);
    expect(vals(g[2])).toEqual([3, 3]);
  });
  it('rule errors are typed and propagate', () => {
    const bad = mx.customFunction((x: mx.array) => mx.sin(x)).vjp(() => [mx.ones([7])]);
    expect(() => mx.grad((x: mx.array) => bad(x))(mx.array(1))).toThrow(mx.ShapeError);
    const wrongCount = mx.customFunction((x: mx.array) => mx.sin(x)).vjp(() => [mx.ones([]), mx.ones([])]);
    expect(() => mx.grad((x: mx.array) => wrongCount(x))(mx.array(1))).toThrow(mx.InvalidArgumentError);
    const throws = mx.customFunction((x: mx.array) => mx.sin(x)).vjp(() => { throw new RangeError('boom'); });
    expect(() => mx.grad((x: mx.array) => throws(x))(mx.array(1))).toThrow('boom');
  });
  it('forward eval never calls the rules and works inside compile', () => {
    const f = mx.customFunction((x: mx.array) => mx.exp(x)).vjp(() => { throw new Error('must not run'); });
    const y = f(mx.array([0, 1]));
    mx.eval(y);
    expectSame(y, mx.exp(mx.array([0, 1])));
    expectSame(mx.compile(f)(mx.array([0, 1])), mx.exp(mx.array([0, 1])));
    expectSame(mx.compile(f, true)(mx.array([0, 1, 2])), mx.exp(mx.array([0, 1, 2])));
  });
});

describe('checkpoint', () => {
  it('gives the same gradients and recomputes the function in the backward pass', () => {
    let runs = 0;
    const W = randArr([3, 3]), v = randArr([3]);
    const block = (x: mx.array) => { runs++; return mx.tanh(mx.matmul(W, mx.sin(x))); };
    const loss = (b: (x: mx.array) => mx.array) => (x: mx.array) => mx.matmul(b(b(x)), v);
    const ck = mx.checkpoint(block);
    const x = randArr([3]);
    const want = mx.grad(loss(block))(x);
    runs = 0;
    const got = mx.grad(loss(ck))(x);
    expectClose(vals(got), vals(want), 1e-12);
    expect(runs).toBe(4);  // 2 forward + 2 recomputed in the vjp
    expectClose(vals(ck(x)), vals(block(x)), 1e-15);
    const [, [jv]] = mx.jvp(ck, [x], [v]);
    const [, [jw]] = mx.jvp(block, [x], [v]);
    expectClose(vals(jv), vals(jw), 1e-12);
    const g2 = mx.grad(mx.grad((a: mx.array) => mx.checkpoint((b: mx.array) => mx.multiply(mx.sin(b), b))(a)));
    expect(g2(mx.array(0.5, mx.float64)).item()).toBeCloseTo(2 * Math.cos(0.5) - 0.5 * Math.sin(0.5), 10);
  });
});
