// Transform rules of reductions, softmax/logsumexp, sorts, scans and indexing: vjp and jvp
// against central finite differences in float64, vmap against an explicit loop.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

type Fn = (...xs: mx.array[]) => mx.array;

// ---- deterministic random inputs ----
let seed = 0x9e3779b9;
function uniform(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const fromData = (data: number[], shape: number[]) => mx.reshape(mx.array(new Float64Array(data)), shape);
/** Uniform in [lo, hi), float64. */
function rand(shape: number[], lo = -1, hi = 1): mx.array {
  return fromData(Array.from({ length: size(shape) }, () => lo + (hi - lo) * uniform()), shape);
}
/** Values at least 0.2 apart (no ties for max/min/sort, even under finite differences). */
function distinct(shape: number[]): mx.array {
  const n = size(shape);
  const v = Array.from({ length: n }, (_, i) => i * 0.25 - n * 0.125 + 0.05 * uniform());
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return fromData(v, shape);
}
const I = (v: number[] | number[][], dt = mx.int32) => mx.array(v, dt);
const vals = (a: mx.array): number[] => Array.from(mx.astype(a, mx.float64).toTypedArray() as Float64Array);

function expectClose(got: number[], want: number[], tol = 1e-6) {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    if (Math.abs(g - want[i]) > tol * (1 + Math.abs(want[i]))) {
      throw new Error(`element ${i}: got ${g}, want ${want[i]}\n got  ${got.map((x) => x.toFixed(6))}\n want ${want.map((x) => x.toFixed(6))}`);
    }
  });
}

const EPS = 1e-6;
/** J^T c for input `k`, by central differences. */
function numericVjp(f: Fn, xs: mx.array[], k: number, c: number[]): number[] {
  const base = vals(xs[k]);
  const at = (data: number[]) => {
    const args = xs.slice();
    args[k] = fromData(data, xs[k].shape);
    return vals(f(...args)).reduce((acc, v, i) => acc + v * c[i], 0);
  };
  return base.map((_, i) => {
    const p = base.slice(), m = base.slice();
    p[i] += EPS; m[i] -= EPS;
    return (at(p) - at(m)) / (2 * EPS);
  });
}
/** J t by central differences (every input moves along its tangent). */
function numericJvp(f: Fn, xs: mx.array[], ts: mx.array[]): number[] {
  const moved = (sgn: number) => f(...xs.map((x, i) => fromData(vals(x).map((v, j) => v + sgn * EPS * vals(ts[i])[j]), x.shape)));
  const p = vals(moved(1)), m = vals(moved(-1));
  return p.map((v, i) => (v - m[i]) / (2 * EPS));
}

/** vjp and jvp of f at xs (float64) against finite differences; `wrt` lists the inputs to check. */
function checkGrad(f: Fn, xs: mx.array[], wrt: number[] = xs.map((_, i) => i), tol = 1e-6, forward = true) {
  const out = f(...xs);
  const c = rand(out.shape);
  const [outs, grads] = mx.vjp(f, xs, [c]);
  expectClose(vals(outs[0]), vals(out), 1e-12);
  for (const k of wrt) {
    expect(grads[k].shape).toEqual(xs[k].shape);
    expectClose(vals(grads[k]), numericVjp(f, xs, k, vals(c)), tol);
  }
  if (!forward) return;
  const ts = xs.map((x, i) => (wrt.includes(i) ? rand(x.shape) : mx.zerosLike(x)));
  const [, [jt]] = mx.jvp(f, xs, ts);
  expect(jt.shape).toEqual(out.shape);
  expectClose(vals(jt), numericJvp(f, xs, ts), tol);
}

/** vmap(f, inAxes, outAxis) against stacking f over the mapped axis by hand. */
function checkVmap(f: Fn, xs: mx.array[], inAxes: (number | null)[], outAxis = 0, exact = false) {
  const got = mx.vmap(f, inAxes, outAxis)(...xs) as mx.array;
  const k = inAxes.findIndex((a) => a !== null);
  const B = xs[k].shape[inAxes[k] as number];
  const outs: mx.array[] = [];
  for (let b = 0; b < B; b++) {
    outs.push(f(...xs.map((x, i) => (inAxes[i] === null ? x : mx.take(x, mx.array(b, mx.int32), inAxes[i] as number)))));
  }
  const want = mx.stack(outs, outAxis);
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toEqual(want.dtype);
  if (exact) expect(got.tolist()).toEqual(want.tolist());
  else if (got.dtype.name === 'complex64') {
    expectClose(vals(mx.real(got)), vals(mx.real(want)), 1e-5);
    expectClose(vals(mx.imag(got)), vals(mx.imag(want)), 1e-5);
  } else expectClose(vals(got), vals(want), 1e-6);
}

// Elementwise ops' own rules (Unary/Binary/Select) come from another branch; nested cases that
// need them (vmap of a gradient built from multiply/exp/...) run once they are present.
const hasElementwiseRules = (() => {
  try {
    mx.vmap((x: mx.array) => mx.multiply(mx.exp(x), x))(mx.ones([2, 2]));
    mx.grad((x: mx.array) => mx.sum(mx.multiply(x, x)))(mx.ones([2]));
    return true;
  } catch {
    return false;
  }
})();

const AXES: (number[] | undefined)[] = [undefined, [0], [1], [2], [0, 2], [-1], [1, 0]];

describe('Reduce: sum, prod, max, min, mean', () => {
  const ops: [string, (x: mx.array, ax: number[] | undefined, kd: boolean) => mx.array, () => mx.array][] = [
    ['sum', (x, ax, kd) => mx.sum(x, ax, kd), () => rand([3, 4, 2])],
    ['mean', (x, ax, kd) => mx.mean(x, ax, kd), () => rand([3, 4, 2])],
    ['prod', (x, ax, kd) => mx.prod(x, ax, kd), () => mx.multiply(rand([3, 4, 2], 0.5, 1.5), mx.sign(rand([3, 4, 2])))],
    ['max', (x, ax, kd) => mx.max(x, ax, kd), () => distinct([3, 4, 2])],
    ['min', (x, ax, kd) => mx.min(x, ax, kd), () => distinct([3, 4, 2])],
  ];
  for (const [name, op, make] of ops) {
    it(`${name}: vjp/jvp vs finite differences over axes and keepdims`, () => {
      for (const ax of AXES) for (const kd of [false, true]) checkGrad((x) => op(x, ax, kd), [make()]);
    });
    it(`${name}: vmap over every input axis and out axis`, () => {
      const x = make();
      for (const inAx of [0, 1, 2]) for (const ax of [undefined, [0], [1], [0, 1], [-1]]) {
        checkVmap((y) => op(y, ax, false), [x], [inAx]);
        checkVmap((y) => op(y, ax, true), [x], [inAx], ax?.length === 1 ? 1 : 0);
      }
    });
  }
  it('prod with zeros (one and two in a reduction) has the exact gradient', () => {
    const x = fromData([0, 2, 3, -1.5, 0, 0, 4, 0.5, 2, 0.25, 0, 3], [3, 4]);
    for (const ax of [undefined, [0], [1]]) checkGrad((y) => mx.prod(y, ax), [x]);
    const [, [g]] = mx.vjp((y) => mx.prod(y, 1), [x], [mx.ones([3], mx.float64)]);
    expectClose(vals(g), [-9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.5, 0], 0);
  });
  it('max/min split the cotangent between ties (MLX rule)', () => {
    const [, [g]] = mx.vjp((y) => mx.max(y), [mx.array([1, 3, 3, 2])], [mx.array(1)]);
    expect(g.tolist()).toEqual([0, 0.5, 0.5, 0]);
    const [, [t]] = mx.jvp((y) => mx.min(y, 1), [mx.array([[1, 1, 2]])], [mx.array([[2, 4, 8]])]);
    expect(t.tolist()).toEqual([3]);
  });
  it('all/any have a zero gradient and a boolean zero tangent; vmap works', () => {
    const x = rand([3, 4]);
    const [, [g]] = mx.vjp((y) => mx.all(y, 1), [x], [mx.ones([3], mx.bool)]);
    expect(g.tolist()).toEqual(mx.zeros([3, 4], mx.float64).tolist());
    const [, [t]] = mx.jvp((y) => mx.any(y, 0, true), [x], [x]);
    expect(t.dtype).toEqual(mx.bool);
    expect(t.tolist()).toEqual([[false, false, false, false]]);
    const b = mx.greater(x, 0);
    checkVmap((y) => mx.all(y, 0), [b], [1], 0, true);
    checkVmap((y) => mx.any(y), [b], [0], 0, true);
  });
  it('integer sums keep their widened dtype under vmap', () => {
    const x = mx.array([[1, 2, 3], [4, 5, 6]], mx.int8);
    checkVmap((y) => mx.sum(y), [x], [1], 0, true);
    checkVmap((y) => mx.mean(y), [x], [0], 0);
  });
});

describe('Variance (var/std)', () => {
  it('vjp/jvp vs finite differences (ddof, axes, keepdims)', () => {
    for (const ax of AXES) for (const ddof of [0, 1]) for (const kd of [false, true]) {
      checkGrad((x) => mx.variance(x, ax, kd, ddof), [rand([3, 4, 2])]);
      checkGrad((x) => mx.std(x, ax, kd, ddof), [rand([3, 4, 2])]);
    }
  });
  it('vmap', () => {
    const x = rand([3, 4, 2]);
    for (const inAx of [0, 1, 2]) for (const ax of [undefined, [0], [1, 0]]) {
      checkVmap((y) => mx.variance(y, ax), [x], [inAx]);
      checkVmap((y) => mx.std(y, ax, true, 1), [x], [inAx]);
    }
  });
});

describe('ArgReduce', () => {
  it('zero gradient, zero uint32 tangent', () => {
    const x = distinct([3, 4]);
    const [, [g]] = mx.vjp((y) => mx.argmax(y, 1), [x], [mx.zeros([3], mx.uint32)]);
    expect(g.tolist()).toEqual(mx.zeros([3, 4], mx.float64).tolist());
    const [, [t]] = mx.jvp((y) => mx.argmin(y, 0, true), [x], [x]);
    expect(t.dtype).toEqual(mx.uint32);
    expect(t.tolist()).toEqual([[0, 0, 0, 0]]);
  });
  it('vmap over every axis, keepdims and flattened', () => {
    const x = distinct([3, 4, 5]);
    for (const inAx of [0, 1, 2]) {
      for (const ax of [0, 1, -1]) {
        checkVmap((y) => mx.argmax(y, ax), [x], [inAx], 0, true);
        checkVmap((y) => mx.argmin(y, ax, true), [x], [inAx], 1, true);
      }
      checkVmap((y) => mx.argmax(y), [x], [inAx], 0, true);
    }
  });
});

describe('Softmax and LogSumExp', () => {
  it('softmax vjp/jvp over one or several axes', () => {
    for (const ax of [[-1], [0], [1], [0, 2], undefined]) checkGrad((x) => mx.softmax(x, ax), [rand([3, 4, 2], -2, 2)]);
    checkGrad((x) => mx.softmax(x, -1, true), [rand([5, 3])]);
  });
  it('logsumexp vjp/jvp over axes and keepdims (large offsets stay stable)', () => {
    for (const ax of AXES) for (const kd of [false, true]) checkGrad((x) => mx.logsumexp(x, ax, kd), [rand([3, 4, 2], -3, 3)]);
    checkGrad((x) => mx.logsumexp(x, 1), [mx.add(rand([2, 5]), 500)]);
  });
  it('vmap (batch axis on, before and after the reduced axis)', () => {
    const x = rand([3, 4, 5]);
    for (const inAx of [0, 1, 2]) {
      checkVmap((y) => mx.softmax(y, -1), [x], [inAx]);
      checkVmap((y) => mx.softmax(y, 0), [x], [inAx], 1);
      checkVmap((y) => mx.softmax(y), [x], [inAx]);
      checkVmap((y) => mx.logsumexp(y, -1), [x], [inAx]);
      checkVmap((y) => mx.logsumexp(y, [0], true), [x], [inAx], 1);
      checkVmap((y) => mx.logsumexp(y), [x], [inAx]);
    }
  });
});

describe('sort family', () => {
  it('sort and partition: vjp/jvp route through the permutation', () => {
    const x = distinct([4, 5]);
    for (const ax of [0, 1, -1, null]) checkGrad((y) => mx.sort(y, ax), [x]);
    for (const [kth, ax] of [[2, 1], [0, 0], [3, -1], [7, null]] as [number, number | null][]) {
      checkGrad((y) => mx.partition(y, kth, ax), [x]);
    }
    checkGrad((y) => mx.topk(y, 2, 1), [x]);
  });
  it('argsort/argpartition: zero gradient', () => {
    const x = distinct([4, 5]);
    const [, [g]] = mx.vjp((y) => mx.argsort(y, 0), [x], [mx.zeros([4, 5], mx.uint32)]);
    expect(g.tolist()).toEqual(mx.zeros([4, 5], mx.float64).tolist());
    const [, [g2]] = mx.vjp((y) => mx.argpartition(y, 1), [x], [mx.zeros([4, 5], mx.uint32)]);
    expect(g2.tolist()).toEqual(mx.zeros([4, 5], mx.float64).tolist());
  });
  it('vmap of sort, argsort, partition, argpartition', () => {
    const x = distinct([3, 4, 5]);
    for (const inAx of [0, 1, 2]) for (const ax of [0, 1, -1]) {
      checkVmap((y) => mx.sort(y, ax), [x], [inAx], 0, true);
      checkVmap((y) => mx.argsort(y, ax), [x], [inAx], 1, true);
      checkVmap((y) => mx.partition(y, 1, ax), [x], [inAx], 0, true);
      checkVmap((y) => mx.argpartition(y, 2, ax), [x], [inAx], 0, true);
    }
  });
});

describe('scans', () => {
  const scans: [string, typeof mx.cumsum, (s: number[]) => mx.array][] = [
    ['cumsum', mx.cumsum, (s) => rand(s)],
    ['cumprod', mx.cumprod, (s) => mx.multiply(rand(s, 0.5, 1.5), mx.sign(rand(s)))],
    ['cummax', mx.cummax, distinct],
    ['cummin', mx.cummin, distinct],
    ['logcumsumexp', mx.logcumsumexp, (s) => rand(s, -3, 3)],
  ];
  for (const [name, op, make] of scans) {
    it(`${name}: vjp/jvp for every axis, direction and inclusivity`, () => {
      for (const ax of [0, 1, -1, null]) for (const reverse of [false, true]) for (const inclusive of [true, false]) {
        checkGrad((x) => op(x, ax, reverse, inclusive), [make([3, 5])]);
      }
    });
    it(`${name}: vmap`, () => {
      const x = make([3, 4, 5]);
      for (const inAx of [0, 1, 2]) for (const ax of [0, -1]) for (const reverse of [false, true]) {
        checkVmap((y) => op(y, ax, reverse, !reverse), [x], [inAx], inAx === 2 ? 1 : 0);
      }
    });
  }
  it('cumprod with zeros: exact gradient and tangent', () => {
    const x = fromData([2, 0, 3, 0.5, 0, 4, -1, 0, 1.5, 2, 0.25, 3], [2, 6]);
    for (const reverse of [false, true]) for (const inclusive of [true, false]) {
      checkGrad((y) => mx.cumprod(y, 1, reverse, inclusive), [x]);
    }
    const [, [g]] = mx.vjp((y) => mx.cumprod(y), [mx.array([2, 0, 3, 4])], [mx.array([1, 1, 1, 1])]);
    expect(g.tolist()).toEqual([1, 2 + 6 + 24, 0, 0]);
  });
  it('logcumsumexp with very negative inputs and large spreads stays finite', () => {
    checkGrad((y) => mx.logcumsumexp(y, 0), [fromData([-300, 2, -250, 400, 1], [5])]);
  });
});

describe('indexing', () => {
  it('take / gather: vjp accumulates repeated indices; jvp gathers', () => {
    const x = rand([5, 3]);
    checkGrad((y) => mx.take(y, I([[0, 4], [2, 2]]), 0), [x]);
    checkGrad((y) => mx.take(y, I([1, 1, 0]), 1), [x]);
    checkGrad((y) => mx.take(y, I([14, 0, 14])), [x]);
    checkGrad((y) => y.index(I([3, 1, 3]), mx.Slice(null, null, 2)), [x]);
  });
  it('takeAlongAxis / putAlongAxis', () => {
    const x = rand([4, 3]);
    const idx = I([[0, 3, 1], [3, 3, 0]]);
    checkGrad((y) => mx.takeAlongAxis(y, idx, 0), [x]);
    checkGrad((y) => mx.takeAlongAxis(y, I([[2], [0], [1], [1]]), 1), [x]);
    checkGrad((y, v) => mx.putAlongAxis(y, I([[0, 3, 1]]), v, 0), [x, rand([1, 3])]);
    checkGrad((y, v) => mx.putAlongAxis(y, I([[1], [0], [2], [2]]), v, 1), [x, rand([4, 1])]);
  });
  it('scatter updates: set, add (broadcast update needs sum), max/min', () => {
    const x = distinct([4, 3]);
    checkGrad((y, u) => y.at(I([2, 0, 2])).add(u), [x, rand([3, 3])]);
    checkGrad((y, u) => y.at(I([1, 3])).add(u), [x, rand([3])]); // update broadcast over the rows
    checkGrad((y, u) => y.at(I([1, 3]), mx.Slice(0, 2)).add(u), [x, rand([1])]);
    checkGrad((y, u) => { const z = mx.reshape(y, [4, 3]); z.indexPut_([I([0, 2]), mx.Slice()], u); return z; }, [x, rand([3])]);
    // max/min scatters: vjp only (MLX has no jvp for them either)
    checkGrad((y, u) => y.at(I([0, 1, 3])).maximum(u), [x, fromData([5, -5, 0.33, -5, 5, 0.41, 0.07, -5, 5], [3, 3])], [0, 1], 1e-6, false);
    checkGrad((y, u) => y.at(I([2])).minimum(u), [x, fromData([-7, 0.13, 7], [3])], [0, 1], 1e-6, false);
  });
  it('masked scatter: gradients for the array and the values', () => {
    const x = rand([3, 4]);
    const mask = mx.array([[true, false, true, false], [false, false, false, true], [true, true, false, false]]);
    checkGrad((y, v) => { const z = mx.reshape(y, [3, 4]); z.indexPut_(mask, v); return z; }, [x, rand([5])]);
    checkGrad((y, v) => { const z = mx.reshape(y, [3, 4]); z.indexPut_(mx.array([false, true, true]), v); return z; }, [x, rand([2, 4])]);
    checkGrad((y, v) => { const z = mx.reshape(y, [3, 4]); z.indexPut_(mask, v); return z; }, [x, rand([])]);
  });
  it('vmap of take / gather (source, indices or both mapped)', () => {
    const x = rand([3, 5, 5]);
    const idx = I([[0, 4, 2], [1, 1, 3], [2, 0, 0]]);
    checkVmap((y) => mx.take(y, I([0, 3, 3]), 1), [x], [0]);
    checkVmap((y) => mx.take(y, I([0, 2]), 0), [x], [2], 1);
    checkVmap((y) => mx.take(y, I([[4, 0], [1, 1]])), [x], [1]);
    checkVmap((y, i) => mx.take(y, i, 1), [x, idx], [null, 0]);
    checkVmap((y, i) => mx.take(y, i, 1), [x, idx], [0, 1]);
    checkVmap((y, i) => mx.take(y, i, 0), [x, idx], [0, 0], 1);
    checkVmap((y, i) => mx.take(y, i, 0), [rand([5, 3, 5]), idx], [1, 0]);
    checkVmap((y, i) => y.index(i, mx.Slice(1, 3)), [x, idx], [0, 1]);
    checkVmap((y, i) => y.index(mx.Slice(), i), [x, idx], [0, 0]);
  });
  it('vmap of takeAlongAxis / putAlongAxis', () => {
    const x = rand([3, 4, 5]);
    const idx = I([[[0, 3, 1, 1, 2]], [[3, 2, 1, 0, 0]], [[1, 1, 1, 2, 3]]]); // [3, 1, 5]
    checkVmap((y) => mx.takeAlongAxis(y, I([[2, 0, 1, 1, 3]]), 0), [x], [0]);
    checkVmap((y) => mx.takeAlongAxis(y, I([[2], [0], [1]]), 1), [x], [1]);
    checkVmap((y, i) => mx.takeAlongAxis(y, i, 0), [x, idx], [0, 0]);
    checkVmap((y, i) => mx.takeAlongAxis(y, i, 0), [rand([4, 5]), idx], [null, 0], 2);
    checkVmap((y, v) => mx.putAlongAxis(y, I([[2, 0, 1, 1, 3]]), v, 0), [x, rand([3, 1, 5])], [0, 0]);
    checkVmap((y, i, v) => mx.putAlongAxis(y, i, v, 0), [x, idx, rand([1, 5])], [0, 0, null]);
    checkVmap((y, i) => mx.putAlongAxis(y, i, mx.array(7, mx.float64), 0), [rand([4, 5]), idx], [null, 0]);
  });
  it('vmap of scatter updates (array, indices, updates mapped in every combination)', () => {
    const x = rand([3, 4, 2]);
    const idx = I([[0, 3, 3], [1, 1, 2], [2, 0, 1]]);
    const u = rand([3, 3, 2]);
    checkVmap((y) => y.at(I([1, 1])).add(mx.array([1, 2], mx.float64)), [x], [0]);
    checkVmap((y) => y.at(I([1, 1])).add(mx.array([1, 2, 3, 4], mx.float64)), [x], [2], 1);
    checkVmap((y, w) => y.at(I([1, 3])).add(w), [x, rand([2, 3, 2])], [0, 1]);
    checkVmap((y, w) => y.at(I([1, 3, 1])).add(w), [rand([4, 2]), u], [null, 0]);
    checkVmap((y, i) => y.at(i).add(1), [x, idx], [0, 0]);
    checkVmap((y, i, w) => y.at(i).add(w), [rand([4, 2]), idx, u], [null, 0, 0]);
    checkVmap((y, i, w) => y.at(i).maximum(w), [x, idx, u], [0, 1, 0], 1);
    checkVmap((y, i, w) => { const z = mx.reshape(y, y.shape); z.indexPut_([i, mx.Slice(0, 1)], w); return z; },
      [x, idx, rand([3, 1])], [0, 0, null]);
  });
  it('vmap of masked scatter', () => {
    const x = rand([3, 4, 2]);
    const put = (y: mx.array, mk: mx.array, v: mx.array) => { const z = mx.reshape(y, y.shape); z.indexPut_(mk, v); return z; };
    const masks = mx.array([[true, false, true, true], [false, false, false, false], [true, true, true, true]]);
    checkVmap((y, mk) => put(y, mk, mx.array(5, mx.float64)), [x, masks], [0, 0]);
    checkVmap((y, v) => put(y, mx.array([true, false, true, false]), v), [x, rand([3, 2, 2])], [0, 0]);
    checkVmap((y, mk, v) => put(y, mk, v), [x, masks, rand([3, 4, 2])], [0, 0, 0]);
    checkVmap((y, v) => put(y, mx.array([true, false, true, true]), v), [rand([4, 2]), rand([3, 3, 2])], [null, 0], 1);
  });
});

describe('FFT and random bits (existing rules, verified)', () => {
  it('fft / rfft / irfft: jvp is the transform of the tangent; vmap matches a loop', () => {
    const x = mx.astype(rand([3, 8]), mx.float32);
    const t = mx.astype(rand([3, 8]), mx.float32);
    const [, [j]] = mx.jvp((y) => mx.fft.rfft(y), [x], [t]);
    const want = mx.fft.rfft(t);
    expectClose(vals(mx.real(j)), vals(mx.real(want)), 1e-5);
    expectClose(vals(mx.imag(j)), vals(mx.imag(want)), 1e-5);
    for (const inAx of [0, 1]) {
      checkVmap((y) => mx.fft.fft(y), [x], [inAx]);
      checkVmap((y) => mx.fft.rfft(y), [x], [inAx], 1);
      checkVmap((y) => mx.fft.irfft(mx.fft.rfft(y)), [x], [inAx]);
    }
  });
  it('random bits under vmap: one key per batch entry', () => {
    const keys = mx.random.split(mx.random.key(7), 3);
    const f = (k: mx.array) => mx.random.bits([2, 3], 4, k);
    checkVmap(f, [keys], [0], 0, true);
    checkVmap(f, [mx.transpose(keys)], [1], 2, true);
  });
});

describe('nested transforms', () => {
  it('grad of vmap (logsumexp rows, sorted rows, cumprod columns)', () => {
    const x = rand([3, 4]);
    const cases: ((y: mx.array) => mx.array)[] = [
      (y) => mx.sum(mx.vmap((r: mx.array) => mx.logsumexp(r))(y)),
      (y) => mx.sum(mx.take(mx.vmap((r: mx.array) => mx.sort(r))(y), I([0, 5, 11, 5]))),
      (y) => mx.max(mx.vmap((r: mx.array) => mx.cumprod(r), 1, 1)(y)),
      (y) => mx.sum(mx.vmap((r: mx.array) => mx.variance(r), 1)(y)),
    ];
    for (const f of cases) checkGrad(f, [x]);
  });
  it('vmap of grad built from non-elementwise rules (sort, take, cumsum, scatter)', () => {
    const X = distinct([3, 6]);
    const g1 = mx.grad((y: mx.array) => mx.sum(mx.take(mx.sort(y), I([0, 4, 4]))));
    checkVmap(g1, [X], [0]);
    checkVmap(g1, [distinct([6, 3])], [1], 1);
    const g2 = mx.grad((y: mx.array) => mx.sum(mx.takeAlongAxis(mx.cumsum(y), I([5, 1]), 0)));
    checkVmap(g2, [X], [0]);
    const g3 = mx.grad((y: mx.array) => mx.sum(mx.partition(y, 2).index(mx.Slice(0, 3))));
    checkVmap(g3, [X], [1]);
  });
  it.runIf(hasElementwiseRules)('vmap of grad of reductions built from elementwise ops', () => {
    const X = distinct([3, 5]);
    for (const f of [
      (y: mx.array) => mx.logsumexp(y),
      (y: mx.array) => mx.max(y),
      (y: mx.array) => mx.variance(y),
      (y: mx.array) => mx.prod(y),
      (y: mx.array) => mx.max(mx.cummax(y)),
      (y: mx.array) => mx.sum(mx.logcumsumexp(y)),
    ]) {
      checkVmap(mx.grad(f), [X], [0]);
      checkVmap(mx.grad(f), [X], [1], 1);
    }
  });
  it.runIf(hasElementwiseRules)('grad of grad through softmax and logsumexp', () => {
    const x = rand([4]);
    const h = (y: mx.array) => mx.sum(mx.grad((z: mx.array) => mx.logsumexp(z))(y));
    checkGrad((y) => mx.grad((z: mx.array) => mx.logsumexp(z))(y), [x], [0], 1e-5);
    expect(Math.abs(mx.grad(h)(x).sum().item() as number)).toBeLessThan(1e-9);
  });
});

describe('shapeless compile: output shapes of these primitives', () => {
  it('replays on new shapes', () => {
    // (ops that add Reshape/Transpose nodes are left out: those primitives have no output_shapes yet)
    const f = (x: mx.array) => [mx.sum(x, 1, true), mx.mean(x, 0, true), mx.min(x, 1, true), mx.variance(x, 0, true, 1),
      mx.argmax(x, 1, true), mx.softmax(x, -1), mx.sort(x, 1), mx.partition(x, 1, 0), mx.cumsum(x, 0), mx.cummax(x, 1, true),
      mx.takeAlongAxis(x, I([[0], [1]]), 1), mx.putAlongAxis(x, I([[0], [1]]), mx.array([[1], [2]]), 1),
      mx.slice(x, I([1]), [0], [1, 2])];
    const cf = mx.compile(f, true);
    for (const shape of [[2, 3], [2, 5], [2, 2]]) {
      const x = mx.astype(rand(shape), mx.float32);
      const got = cf(x) as mx.array[];
      const want = f(x);
      got.forEach((g, i) => {
        expect(g.shape).toEqual(want[i].shape);
        expectClose(vals(g), vals(want[i]), 1e-6);
      });
    }
  });
});
