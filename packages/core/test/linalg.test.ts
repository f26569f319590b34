import { describe, it, expect } from 'vitest';
import * as mx from '@mlx/core';
import { decode, loadFixture, values, type EncodedArray } from './helpers/fixtures.js';

const cases = loadFixture('linalg');
const L = mx.linalg;

// Max abs error relative to the largest expected magnitude.
function relErr(actual: mx.array, expected: EncodedArray | mx.array): number {
  const exp = expected instanceof mx.array ? expected : decode(expected);
  expect(actual.shape).toEqual(exp.shape);
  expect(actual.dtype.name).toBe(exp.dtype.name);
  const a = values(actual), e = values(exp);
  let scale = 1e-30, err = 0;
  for (let i = 0; i < e.length; i++) {
    if (!Number.isFinite(e[i])) { expect(a[i]).toBe(e[i]); continue; }
    scale = Math.max(scale, Math.abs(e[i]));
    err = Math.max(err, Math.abs(a[i] - e[i]));
  }
  return e.length ? err / scale : 0;
}

const tol = (dt: string, n = 8) => (dt === 'float64' ? 1e-10 : 2e-5) * Math.max(4, n);
const T = (x: mx.array) => mx.swapaxes(x, -1, -2);
const eye = (n: number, dt: mx.Dtype) => mx.eye(n, n, 0, dt);
const mm = (a: mx.array, b: mx.array) => mx.matmul(a, b);
function slice2(x: mx.array, r: number, c: number): mx.array {
  const lead = x.shape.slice(0, -2).map(() => mx.Slice());
  return x.index(...lead, mx.Slice(0, r), mx.Slice(0, c));
}
const shp2 = (x: mx.array) => x.shape.slice(-2) as [number, number];
const tril = (x: mx.array, k = 0) => mx.multiply(x, mx.tri(...shp2(x), k, x.dtype));
const triu = (x: mx.array, k = 0) => mx.subtract(x, tril(x, k - 1));
const diag = (x: mx.array) => {
  const k = Math.min(...shp2(x));
  return mx.sum(mx.multiply(slice2(x, k, k), eye(k, x.dtype)), -1);
};

function expectNear(actual: mx.array, expected: mx.array, t: number) {
  const r = relErr(actual, expected);
  expect(r).toBeLessThan(t);
}

describe('linalg matches numpy / MLX (fixtures)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const ins = c.inputs.map(decode);
      const a = ins[0];
      const dt = a.dtype.name;
      const n = a.shape.length ? a.shape[a.shape.length - 1] : 1;
      const t = tol(dt, n);
      const exp: any = c.expected;
      switch (c.op) {
        case 'inv': expect(relErr(L.inv(a), exp)).toBeLessThan(t); break;
        case 'triInv': expect(relErr(L.triInv(a, c.args.upper), exp)).toBeLessThan(t); break;
        case 'cholesky': expect(relErr(L.cholesky(a, c.args.upper), exp)).toBeLessThan(t); break;
        case 'choleskyInv': expect(relErr(L.choleskyInv(a), exp)).toBeLessThan(t); break;
        case 'solve': expect(relErr(L.solve(a, ins[1]), exp)).toBeLessThan(t); break;
        case 'solveTriangular': expect(relErr(L.solveTriangular(a, ins[1], c.args.upper), exp)).toBeLessThan(t); break;
        case 'det': expect(relErr(L.det(a), exp)).toBeLessThan(t); break;
        case 'slogdet': {
          const [s, ld] = L.slogdet(a);
          expect(relErr(s, exp[0])).toBe(0);
          expect(relErr(ld, exp[1])).toBeLessThan(t);
          break;
        }
        case 'pinv': expect(relErr(L.pinv(a), exp)).toBeLessThan(t * 10); break;
        case 'cross': expect(relErr(L.cross(a, ins[1], c.args.axis), exp)).toBeLessThan(1e-6); break;
        case 'norm': {
          const ord = c.args.ord === 'inf' ? Infinity : c.args.ord === '-inf' ? -Infinity : c.args.ord;
          expect(relErr(L.norm(a, ord, c.args.axis, c.args.keepdims), exp)).toBeLessThan(dt === 'float16' ? 1e-3 : 1e-5);
          break;
        }
        case 'luFactor': {
          const [lu, piv] = L.luFactor(a);
          expect(relErr(lu, exp[0])).toBeLessThan(t);
          expect(values(piv)).toEqual(values(decode(exp[1])));
          expect(piv.dtype).toBe(mx.uint32);
          break;
        }
        case 'lu': {
          const [p, l, u] = L.lu(a);
          expect(values(p)).toEqual(values(decode(exp[0])));
          expect(relErr(l, exp[1])).toBeLessThan(t);
          expect(relErr(u, exp[2])).toBeLessThan(t);
          // A = L[P] @ U
          expectNear(mm(mx.takeAlongAxis(l, mx.expandDims(mx.astype(p, mx.int32), -1), -2), u), a, t);
          break;
        }
        case 'eigh': {
          const [w, v] = L.eigh(a, c.args.UPLO);
          expect(relErr(w, exp)).toBeLessThan(t);
          expect(relErr(L.eigvalsh(a, c.args.UPLO), exp)).toBeLessThan(t);
          const sym = c.args.UPLO === 'U'
            ? mx.add(triu(a), T(triu(a, 1))) : mx.add(tril(a), T(tril(a, -1)));
          expectNear(mm(sym, v), mx.multiply(v, mx.expandDims(w, -2)), t * 4);
          expectNear(mm(T(v), v), mx.broadcastTo(eye(n, a.dtype), v.shape), t);
          break;
        }
        case 'svd': {
          const s = L.svd(a, false);
          expect(relErr(s, exp)).toBeLessThan(t);
          const [u, s2, vt] = L.svd(a);
          expect(relErr(s2, exp)).toBeLessThan(t);
          const [m, nn] = a.shape.slice(-2), k = Math.min(m, nn);
          expect(u.shape.slice(-2)).toEqual([m, m]);
          expect(vt.shape.slice(-2)).toEqual([nn, nn]);
          expectNear(mm(mx.multiply(slice2(u, m, k), mx.expandDims(s2, -2)), slice2(vt, k, nn)), a, t * 4);
          expectNear(mm(T(u), u), mx.broadcastTo(eye(m, a.dtype), u.shape), t);
          expectNear(mm(vt, T(vt)), mx.broadcastTo(eye(nn, a.dtype), vt.shape), t);
          break;
        }
        case 'qr': {
          const [q, r] = L.qr(a);
          const [m, nn] = a.shape.slice(-2), k = Math.min(m, nn);
          expect(q.shape.slice(-2)).toEqual([m, k]);
          expect(r.shape.slice(-2)).toEqual([k, nn]);
          expectNear(mm(q, r), a, t * 4);
          expectNear(mm(T(q), q), mx.broadcastTo(eye(k, a.dtype), [...a.shape.slice(0, -2), k, k]), t);
          expect(relErr(r, triu(r))).toBe(0);
          expect(relErr(mx.abs(diag(r)), exp)).toBeLessThan(t);
          break;
        }
        case 'eig': {
          const [w, v] = L.eig(a);
          expect(w.dtype).toBe(mx.complex64);
          const key = (x: number[]) => {
            const p: [number, number][] = [];
            for (let i = 0; i < x.length; i += 2) p.push([x[i], x[i + 1]]);
            return p;
          };
          // Compare sorted eigenvalues per matrix (order is not unique).
          const got = key(values(w)), want = key(values(decode(exp)));
          for (let b = 0; b < got.length; b += n) {
            const srt = (z: [number, number][]) => z.slice(b, b + n).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
            const g = srt(got), e = srt(want);
            for (let i = 0; i < n; i++) {
              expect(Math.abs(g[i][0] - e[i][0])).toBeLessThan(1e-4 * (1 + Math.abs(e[i][0])));
              expect(Math.abs(g[i][1] - e[i][1])).toBeLessThan(1e-4 * (1 + Math.abs(e[i][1])));
            }
          }
          const ac = mx.astype(a, mx.complex64);
          const lhs = mm(ac, v), rhs = mx.multiply(v, mx.expandDims(w, -2));
          expect(relErr(lhs, rhs)).toBeLessThan(1e-4);
          expect(relErr(L.eigvals(a), w)).toBe(0);
          break;
        }
        default: throw new Error(`unknown op ${c.op}`);
      }
    });
  }
});

const rand = (shape: number[], seed: number) => mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed));
const wellConditioned = (n: number, seed: number, batch: number[] = []) =>
  mx.add(rand([...batch, n, n], seed), mx.multiply(eye(n, mx.float32), n + 2));

describe('linalg views, batches and transforms', () => {
  it('non-contiguous inputs (transposed, negative steps, broadcast)', () => {
    const a = wellConditioned(6, 1);
    expectNear(L.inv(T(a)), T(L.inv(a)), 1e-4);
    const rev = a.index(mx.Slice(null, null, -1), mx.Slice(null, null, -1));
    expectNear(L.inv(rev), L.inv(mx.copy(rev)), 1e-6);
    const big = wellConditioned(8, 2);
    const stepped = big.index(mx.Slice(null, null, 2), mx.Slice(null, null, 2));
    expectNear(L.svd(stepped, false), L.svd(mx.copy(stepped), false), 1e-6);
    const bc = mx.broadcastTo(a, [3, 6, 6]);
    const inv = L.inv(bc);
    expect(inv.shape).toEqual([3, 6, 6]);
    expectNear(inv, mx.broadcastTo(L.inv(a), [3, 6, 6]), 1e-6);
    const s = mx.add(mm(a, T(a)), eye(6, mx.float32));
    expectNear(L.eigvalsh(T(s)), L.eigvalsh(s), 1e-4);
    expectNear(L.cholesky(mx.broadcastTo(s, [2, 6, 6])), mx.broadcastTo(L.cholesky(s), [2, 6, 6]), 1e-6);
  });

  it('solve broadcasts batch dims and accepts vectors', () => {
    const a = wellConditioned(4, 3, [2]);
    const b = rand([3, 1, 4, 5], 4);
    const x = L.solve(a, b);
    expect(x.shape).toEqual([3, 2, 4, 5]);
    expectNear(mm(a, x), mx.broadcastTo(b, [3, 2, 4, 5]), 1e-4);
    const v = rand([4], 5);
    const y = L.solve(a, v);
    expect(y.shape).toEqual([2, 4]);
    expect(L.solve(mx.astype(a, mx.float64), v).dtype).toBe(mx.float64);
  });

  it('empty batches and 0 x 0 matrices', () => {
    expect(L.inv(mx.zeros([0, 3, 3])).shape).toEqual([0, 3, 3]);
    const [u, s, vt] = L.svd(mx.zeros([0, 3, 2]));
    expect([u.shape, s.shape, vt.shape]).toEqual([[0, 3, 3], [0, 2], [0, 2, 2]]);
    expect(L.eigvalsh(mx.zeros([2, 0, 0])).shape).toEqual([2, 0]);
    expect(L.qr(mx.zeros([0, 4, 2]))[0].shape).toEqual([0, 4, 2]);
    expect(values(L.norm(mx.zeros([0])))).toEqual([0]);
  });

  it('rank-deficient SVD still returns orthogonal factors', () => {
    const a = mx.zeros([5, 3]);
    const [u, s, vt] = L.svd(a);
    expect(values(s)).toEqual([0, 0, 0]);
    expectNear(mm(T(u), u), eye(5, mx.float32), 1e-6);
    expectNear(mm(vt, T(vt)), eye(3, mx.float32), 1e-6);
  });

  it('inverse vjp / jvp match -A^-T G A^-T', () => {
    const a = wellConditioned(4, 6);
    const g = rand([4, 4], 7);
    const [, [ga]] = mx.vjp((x: mx.array) => L.inv(x), [a], [g]);
    const ai = L.inv(a);
    expectNear(ga, mx.negative(mm(mm(T(ai), g), T(ai))), 1e-5);
    const [, [ta]] = mx.jvp((x: mx.array) => L.inv(x), [a], [g]);
    expectNear(ta, mx.negative(mm(mm(ai, g), ai)), 1e-5);
    // Finite difference of sum(inv(A)) along G.
    // Finite difference of <W, inv(A)> along G in float64.
    const a64 = mx.astype(a, mx.float64), d = mx.astype(g, mx.float64), wt = mx.astype(rand([4, 4], 9), mx.float64);
    const f = (x: mx.array) => values(mx.multiply(wt, L.inv(x))).reduce((p, q) => p + q, 0);
    const [, [gr]] = mx.vjp((x: mx.array) => L.inv(x), [a64], [wt]);
    const h = 1e-6;
    const fd = (f(mx.add(a64, mx.multiply(d, h))) - f(mx.subtract(a64, mx.multiply(d, h)))) / (2 * h);
    const an = values(mx.multiply(gr, d)).reduce((p, q) => p + q, 0);
    expect(Math.abs(an - fd)).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
  });

  it('vmap over a batch axis equals the batched op', () => {
    const a = wellConditioned(3, 8, [4]);
    const moved = mx.moveaxis(a, 0, 2);
    expectNear(mx.vmap((x: mx.array) => L.inv(x), 2)(moved), L.inv(a), 1e-6);
    const sym = mx.add(a, T(a));
    expectNear(mx.vmap((x: mx.array) => L.eigvalsh(x))(sym), L.eigvalsh(sym), 1e-6);
    expectNear(mx.vmap((x: mx.array) => L.det(x))(a), L.det(a), 1e-6);
  });

  it('lu of a singular matrix and det / slogdet of singular input', () => {
    const s = mx.array([[1, 2], [2, 4]]);
    const [p, l, u] = L.lu(s);
    expectNear(mm(mx.take(l, mx.astype(p, mx.int32), 0), u), s, 1e-6);
    expect(values(L.det(s))).toEqual([0]);
    const [sg, ld] = L.slogdet(s);
    expect(values(sg)).toEqual([0]);
    expect(values(ld)).toEqual([-Infinity]);
    expect(L.det(mx.array([[1, 2], [3, 4]], mx.int32)).dtype).toBe(mx.float32);
  });
});

describe('linalg typed errors', () => {
  const sq = mx.array([[1, 2], [3, 4]]);
  const sing = mx.array([[1, 2], [2, 4]]);
  // Singular input is found while factorizing: the error comes from eval, as in MLX.
  it('singular input', () => {
    expect(() => mx.eval(L.inv(sing))).toThrow(mx.InvalidArgumentError);
    expect(() => mx.eval(L.inv(mx.broadcastTo(sing, [3, 2, 2])))).toThrow(/singular/);
    expect(() => mx.eval(L.solve(sing, mx.ones([2])))).toThrow(mx.InvalidArgumentError);
    expect(() => mx.eval(L.triInv(mx.array([[0, 1], [0, 1]]), true))).toThrow(mx.InvalidArgumentError);
    expect(() => mx.eval(L.solveTriangular(mx.array([[0, 1], [0, 1]]), mx.ones([2]), true))).toThrow(mx.InvalidArgumentError);
    expect(() => mx.eval(L.cholesky(mx.array([[1, 2], [2, 1]])))).toThrow(/positive definite/);
  });
  it('non-square input', () => {
    const r = mx.ones([2, 3]);
    for (const f of [L.inv, L.triInv, L.cholesky, L.choleskyInv, L.eigvalsh, L.eigvals, L.det]) {
      expect(() => f(r)).toThrow(mx.ShapeError);
    }
    expect(() => L.eigh(r)).toThrow(mx.ShapeError);
    expect(() => L.eig(r)).toThrow(mx.ShapeError);
    expect(() => L.solve(r, mx.ones([2]))).toThrow(mx.ShapeError);
    expect(() => L.solve(sq, mx.ones([3]))).toThrow(mx.ShapeError);
    expect(() => L.solve(sq, mx.ones([2, 2, 3, 1]))).toThrow(mx.ShapeError);
    expect(() => L.inv(mx.ones([3]))).toThrow(mx.ShapeError);
    expect(() => L.qr(mx.ones([3]))).toThrow(mx.ShapeError);
  });
  it('unsupported dtypes', () => {
    const i = mx.array([[1, 2], [3, 4]], mx.int32);
    for (const f of [L.inv, L.cholesky, L.qr, L.svd, L.eigh, L.eigvalsh, L.lu, L.luFactor, L.pinv, L.eig])
      expect(() => f(i)).toThrow(mx.DtypeError);
    expect(() => L.inv(mx.astype(sq, mx.float16))).toThrow(mx.DtypeError);
    expect(() => L.solve(i, mx.array([1, 2], mx.int32))).toThrow(mx.DtypeError);
    expect(() => L.norm(mx.astype(sq, mx.float16), 'nuc')).toThrow(mx.DtypeError);
  });
  it('bad arguments', () => {
    expect(() => L.norm(mx.ones([3, 3]), 3)).toThrow(/Invalid ord/);
    expect(() => L.norm(mx.ones([3]), 'fro')).toThrow(mx.InvalidArgumentError);
    expect(() => L.norm(mx.ones([3, 3, 3]), 2)).toThrow(/too many axes/);
    expect(() => L.norm(mx.ones([3, 3]), null, [0, 2])).toThrow(mx.IndexError);
    expect(() => L.norm(mx.ones([3, 3]), null, [1, 1])).toThrow(mx.InvalidArgumentError);
    expect(() => L.cross(mx.ones([4]), mx.ones([4]))).toThrow(mx.ShapeError);
    expect(() => L.eigh(sq, 'X' as any)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.grad((x: mx.array) => mx.sum(L.cholesky(x)))(mx.eye(2))).toThrow();
  });
});
