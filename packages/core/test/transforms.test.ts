import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

// Central finite differences in float64 as the gradient oracle.
function numericGrad(f: (x: mx.array) => mx.array, x: mx.array, eps = 1e-6): number[] {
  const base = Array.from(x.toTypedArray() as Float64Array);
  return base.map((_, i) => {
    const plus = base.slice(), minus = base.slice();
    plus[i] += eps; minus[i] -= eps;
    const fp = f(mx.reshape(mx.array(new Float64Array(plus)), x.shape)).item() as number;
    const fm = f(mx.reshape(mx.array(new Float64Array(minus)), x.shape)).item() as number;
    return (fp - fm) / (2 * eps);
  });
}

function expectGradMatches(f: (x: mx.array) => mx.array, shape: number[]) {
  const n = shape.reduce((a, b) => a * b, 1);
  const x = mx.reshape(mx.array(new Float64Array(n).map((_, i) => Math.sin(i + 1) * 0.9)), shape);
  const g = mx.grad(f)(x) as mx.array;
  expect(g.shape).toEqual(shape);
  const got = Array.from(g.toTypedArray() as Float64Array);
  const want = numericGrad(f, x);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
}

describe('grad through layout ops', () => {
  it('reshape, transpose, slice, concatenate, broadcast', () => {
    expectGradMatches((x) => mx.sum(mx.multiply(mx.transpose(mx.reshape(x, [3, 4])), mx.arange(12, mx.float64).reshape(4, 3))), [12]);
    expectGradMatches((x) => mx.sum(mx.square(x.index(mx.Slice(1, null, 2), mx.Slice(null, null, -1)))), [4, 3]);
    expectGradMatches((x) => mx.sum(mx.exp(mx.concatenate([x, mx.multiply(x, 2)], 0))), [2, 3]);
    expectGradMatches((x) => mx.sum(mx.multiply(mx.broadcastTo(x, [4, 3]), mx.arange(12, mx.float64).reshape(4, 3))), [1, 3]);
  });
  it('valueAndGrad with tree arguments and argnums', () => {
    const f = (p: { w: mx.array; b: mx.array }, x: mx.array) => mx.sum(mx.square(mx.add(mx.multiply(p.w, x), p.b)));
    const p = { w: mx.array([1, 2]), b: mx.array([0.5, -1]) };
    const x = mx.array([3, 4]);
    const [v, g] = mx.valueAndGrad(f)(p, x);
    // d/dw = 2(wx+b)x, d/db = 2(wx+b)
    expect((v as mx.array).item()).toBeCloseTo(3.5 ** 2 + 7 ** 2, 4);
    expect(g.w.tolist()).toEqual([21, 56]);
    expect(g.b.tolist()).toEqual([7, 14]);
    const [gp, gx] = mx.grad(f, [0, 1])(p, x);
    expect(gx.tolist()).toEqual([7, 28]);
    expect(gp.w.tolist()).toEqual([21, 56]);
  });
  it('grad of a non-scalar output is a typed error', () => {
    expect(() => mx.grad((x: mx.array) => mx.multiply(x, 2))(mx.array([1, 2]))).toThrow(mx.InvalidArgumentError);
  });
  it('vjp and jvp of a linear map agree (transpose relation)', () => {
    const A = mx.reshape(mx.arange(6, mx.float32), [2, 3]);
    const f = (x: mx.array) => mx.matmul(A, x);
    const x = mx.array([1, 2, 3]);
    const [, [jv]] = mx.jvp(f, [x], [mx.array([1, 0, 0])]);
    expect(jv.tolist()).toEqual([0, 3]);
    const [, [vj]] = mx.vjp(f, [x], [mx.array([1, 0])]);
    expect(vj.tolist()).toEqual([0, 1, 2]);
  });
  it('grad still works when the function evaluates inside', () => {
    const g = mx.grad((x: mx.array) => { const y = mx.sum(mx.square(x)); mx.eval(y); return y; })(mx.array([1, 2, 3]));
    expect(g.tolist()).toEqual([2, 4, 6]);
  });
});

describe('vmap', () => {
  it('matches a loop over the mapped axis for layout ops', () => {
    const x = mx.reshape(mx.arange(24, mx.float32), [4, 2, 3]);
    const f = (a: mx.array) => mx.concatenate([mx.transpose(a), a.index(mx.Slice(), mx.Slice(null, null, -1)).T], 0);
    const batched = mx.vmap(f)(x);
    const looped = mx.stack([0, 1, 2, 3].map((i) => f(x.index(i))));
    expect(batched.tolist()).toEqual(looped.tolist());
    const onAxis1 = mx.vmap(f, 1, 2)(mx.swapaxes(x, 0, 1));
    expect(onAxis1.tolist()).toEqual(mx.moveaxis(looped, 0, 2).tolist());
  });
  it('broadcasts unmapped inputs and rejects mismatched sizes', () => {
    const f = (a: mx.array, b: mx.array) => mx.reshape(mx.broadcastTo(a, [2, 3]), [6]);
    const out = mx.vmap(f, [0, null])(mx.reshape(mx.arange(9, mx.float32), [3, 3]), mx.array([1]));
    expect(out.shape).toEqual([3, 6]);
    expect(() => mx.vmap((a: mx.array, b: mx.array) => mx.concatenate([a, b]))(mx.ones([2, 3]), mx.ones([3, 3]))).toThrow(mx.ShapeError);
  });
});

describe('compile', () => {
  // Random elementwise graphs (with broadcasting and constants) compiled vs eager.
  const unary = [mx.exp, mx.sin, mx.tanh, mx.sigmoid, mx.square, mx.abs, mx.negative];
  const binary = [mx.add, mx.subtract, mx.multiply, mx.maximum, mx.minimum];
  function randomGraph(seed: number) {
    let s = seed;
    const rnd = (n: number) => ((s = (s * 1103515245 + 12345) >>> 0) % n);
    const plan = Array.from({ length: 12 }, () => ({ u: rnd(2) === 0, f: rnd(7), a: rnd(4), b: rnd(4), c: rnd(3) }));
    return (x: mx.array, y: mx.array) => {
      const vals = [x, y];
      for (const p of plan) {
        const a = vals[vals.length - 1 - (p.a % vals.length)];
        if (p.u) vals.push(unary[p.f % unary.length](mx.multiply(a, 0.5)));
        else {
          const b = p.c === 0 ? 0.25 : vals[vals.length - 1 - (p.b % vals.length)];
          vals.push(binary[p.f % binary.length](a, b));
        }
      }
      return [vals[vals.length - 1], vals[vals.length - 3]];
    };
  }
  it('matches eager on random graphs with broadcasting and constants', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const f = randomGraph(seed);
      const x = mx.random.uniform(-1, 1, [17, 33]);
      const y = mx.random.uniform(-1, 1, [33]);
      const want = f(x, y);
      const got = mx.compile(f)(x, y);
      for (let k = 0; k < 2; k++) expect(mx.allclose(got[k], want[k], 1e-5, 1e-6).item()).toBe(true);
    }
  });
  it('reuses the trace per signature and retraces for new shapes', () => {
    let traces = 0;
    const f = mx.compile((x: mx.array) => { traces++; return mx.exp(mx.add(x, 1)); });
    f(mx.ones([4])); f(mx.ones([4])); expect(traces).toBe(1);
    f(mx.ones([5])); expect(traces).toBe(2);
    let sTraces = 0;
    const g = mx.compile((x: mx.array) => { sTraces++; return mx.multiply(mx.sin(x), 2); }, true);
    expect(g(mx.ones([3])).shape).toEqual([3]);
    const out = g(mx.ones([2, 5]));
    expect(out.shape).toEqual([2, 5]);
    expect(sTraces).toBe(2);  // rank changed; same rank with new sizes reuses the program:
    g(mx.ones([7, 1]));
    expect(sTraces).toBe(2);
    expect(mx.allclose(g(mx.full([7, 1], 0.3)), mx.multiply(mx.sin(mx.full([7, 1], 0.3)), 2)).item()).toBe(true);
  });
  it('constant arguments are part of the cache key; disableCompile falls back to eager', () => {
    const f = mx.compile((x: mx.array, k: number) => mx.multiply(x, k));
    expect(f(mx.array([1, 2]), 2).tolist()).toEqual([2, 4]);
    expect(f(mx.array([1, 2]), 3).tolist()).toEqual([3, 6]);
    mx.disableCompile();
    try { expect(f(mx.array([1]), 5).tolist()).toEqual([5]); } finally { mx.enableCompile(); }
  });
  it('a function returning non-arrays is a typed error', () => {
    expect(() => mx.compile(() => 3 as any)(mx.ones([1]))).toThrow(mx.InvalidArgumentError);
  });
});
