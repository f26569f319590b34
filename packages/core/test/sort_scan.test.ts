import { describe, it, expect } from 'vitest';
import * as mx from '@mlx/core';
import { decode, expectArrayClose, loadFixture, values } from './helpers/fixtures.js';

const cases = loadFixture('sort_scan');

// Rebuilds the non-contiguous view that the oracle used, from the same base array.
function view(x: mx.array, name: string): mx.array {
  switch (name) {
    case 'contiguous': return x;
    case 'transposed': return mx.transpose(x, [2, 0, 1]);
    case 'stepped': return x.index(mx.Slice(null, null, 2), mx.Slice(null, null, -1), mx.Slice(1, null, 2));
    case 'broadcast': return mx.broadcastTo(x.index(mx.Slice(), mx.Slice(null, 1), mx.Slice()), x.shape);
  }
  throw new Error(name);
}

type V = number | [number, number];
// Rows along `axis` (null: the flattened array), each element a number or a complex [re, im].
function rows(a: mx.array, axis: number | null): V[][] {
  const m = axis === null ? mx.flatten(a) : mx.moveaxis(a, axis, -1);
  const n = m.shape.length ? m.shape[m.shape.length - 1] : 1;
  const flat = values(m);
  const cplx = a.dtype === mx.complex64;
  const els: V[] = cplx ? Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]] as [number, number]) : flat;
  const out: V[][] = [];
  for (let i = 0; i < els.length; i += n) out.push(els.slice(i, i + n));
  return out;
}
const isNan = (x: V) => (Array.isArray(x) ? Number.isNaN(x[0]) || Number.isNaN(x[1]) : Number.isNaN(x));
// MLX's order: NaNs last; complex lexicographic.
function less(a: V, b: V): boolean {
  if (isNan(a)) return false;
  if (isNan(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  return (a as number) < (b as number);
}
const same = (a: V, b: V) => !less(a, b) && !less(b, a);

// The partition property: the kth element is the sorted one, smaller-or-equal before, larger-or-equal after.
function checkPartition(part: V[][], sorted: V[][], kth: number) {
  expect(part.length).toBe(sorted.length);
  part.forEach((row, r) => {
    const n = row.length;
    const k = kth < 0 ? kth + n : kth;
    if (!same(row[k], sorted[r][k])) throw new Error(`row ${r}: kth element ${row[k]} != ${sorted[r][k]}`);
    for (let i = 0; i < n; i++) {
      if (i < k && less(row[k], row[i])) throw new Error(`row ${r}: element ${i} after kth`);
      if (i > k && less(row[i], row[k])) throw new Error(`row ${r}: element ${i} before kth`);
    }
    const resorted = [...row].sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
    resorted.forEach((x, i) => { if (!same(x, sorted[r][i])) throw new Error(`row ${r}: not a permutation`); });
  });
}

describe('sort and scan ops against MLX fixtures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const v = view(decode(c.inputs[0]), c.view);
      const { axis, kth, k, reverse, inclusive } = c.args;
      switch (c.op) {
        case 'sort': return expectArrayClose(mx.sort(v, axis), c.expected, 0, 0);
        case 'argsort': return expectArrayClose(mx.argsort(v, axis), c.expected, 0, 0);
        case 'topk': return expectArrayClose(mx.sort(mx.topk(v, k, axis), axis === null ? -1 : axis), c.expected, 0, 0);
        case 'partition': {
          const p = mx.partition(v, kth, axis);
          expect(p.shape).toEqual(axis === null ? [v.size] : v.shape);
          expect(p.dtype).toBe(v.dtype);
          return checkPartition(rows(p, axis), rows(decode(c.expected), axis), kth);
        }
        case 'argpartition': {
          const idx = mx.argpartition(v, kth, axis);
          expect(idx.dtype).toBe(mx.uint32);
          const src = rows(v, axis);
          const ir = rows(idx, axis) as number[][];
          ir.forEach((row) => expect([...row].sort((a, b) => a - b)).toEqual(row.map((_, i) => i)));
          return checkPartition(ir.map((row, r) => row.map((i) => src[r][i])), rows(decode(c.expected), axis), kth);
        }
        case 'cumsum': case 'cumprod': case 'cummax': case 'cummin': case 'logcumsumexp': {
          const out = (mx as any)[c.op](v, axis, reverse, inclusive) as mx.array;
          const half = c.expected.dtype === 'float16' || c.expected.dtype === 'bfloat16';
          if (half) return expectArrayClose(out, c.expected, 2e-2, 2e-2);
          // MLX's float64 logaddexp loses precision (~1e-8); ours is exact to float64.
          if (c.op === 'logcumsumexp' && c.expected.dtype === 'float64') return expectArrayClose(out, c.expected, 1e-6, 1e-6);
          return expectArrayClose(out, c.expected);
        }
      }
      throw new Error(`unknown op ${c.op}`);
    });
  }
});

describe('sorting semantics', () => {
  it('orders NaN last, keeps ties stable and treats -0 like 0', () => {
    const a = mx.array([3, 1, NaN, 2, 1, -Infinity, Infinity, -0, 0, NaN]);
    expect(mx.argsort(a).tolist()).toEqual([5, 7, 8, 1, 4, 3, 0, 6, 2, 9]);
    const s = mx.sort(a).tolist() as number[];
    expect(s.slice(0, 8)).toEqual([-Infinity, -0, 0, 1, 1, 2, 3, Infinity]);
    expect(Number.isNaN(s[8]) && Number.isNaN(s[9])).toBe(true);
  });
  it('axis null flattens; topk returns the k largest; k = n returns the input', () => {
    const m = mx.array([[5, 1, 3], [9, 7, 2]]);
    expect(mx.sort(m, null).tolist()).toEqual([1, 2, 3, 5, 7, 9]);
    expect(mx.argsort(m, null).tolist()).toEqual([1, 5, 2, 0, 4, 3]);
    expect((mx.topk(m, 2, null).tolist() as number[]).sort((a, b) => a - b)).toEqual([7, 9]);
    expect(mx.topk(m, 3).tolist()).toEqual(m.tolist());
    expect(mx.topk(m, 0).shape).toEqual([2, 0]);
    expect(mx.sort(m, 0).tolist()).toEqual([[5, 1, 2], [9, 7, 3]]);
  });
  it('handles empty arrays', () => {
    expect(mx.sort(mx.reshape(mx.array([]), [0, 3])).shape).toEqual([0, 3]);
    expect(mx.argsort(mx.reshape(mx.array([]), [3, 0]), 0).shape).toEqual([3, 0]);
    expect(mx.sort(mx.reshape(mx.array([]), [3, 0]), null).shape).toEqual([0]);
    expect(mx.cumsum(mx.reshape(mx.array([]), [0, 3]), 0).shape).toEqual([0, 3]);
    expect(() => mx.partition(mx.reshape(mx.array([]), [3, 0]), 0)).toThrow(mx.InvalidArgumentError);
  });
  it('throws typed errors for bad axes, kth and k', () => {
    const m = mx.array([[5, 1, 3], [9, 7, 2]]);
    expect(() => mx.sort(m, 2)).toThrow(mx.ShapeError);
    expect(() => mx.argsort(m, -3)).toThrow(mx.ShapeError);
    expect(() => mx.sort(mx.array(1))).toThrow(mx.ShapeError);
    expect(() => mx.partition(m, 3)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.argpartition(m, -4)).toThrow(mx.InvalidArgumentError);
    expect(mx.partition(m, -3).tolist()).toEqual([[1, 3, 5], [2, 7, 9]]);
    expect(() => mx.topk(m, 4)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.topk(m, -1)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.cumsum(m, 2)).toThrow(mx.ShapeError);
    expect(() => mx.cumsum(mx.array(1), 0)).toThrow(mx.ShapeError);
    expect(mx.cumsum(mx.array(3)).tolist()).toEqual([3]);
  });
});

// Deterministic pseudo-random numbers (tests must not depend on Math.random).
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('large inputs take the parallel paths', () => {
  const n = 300_000;
  const rnd = lcg(5);
  const f = Float32Array.from({ length: n }, () => Math.round((rnd() - 0.5) * 2000) / 8);  // many ties
  f[17] = NaN; f[123] = Infinity; f[4000] = -Infinity; f[77] = -0;
  const x = mx.array(f);
  const ref = Float32Array.from(f).sort();

  it('sort of a long float32 row matches a reference sort', () => {
    const s = mx.sort(x).toTypedArray() as Float32Array;
    for (let i = 0; i < n; i++) if (!(s[i] === ref[i] || (Number.isNaN(s[i]) && Number.isNaN(ref[i])))) throw new Error(`at ${i}`);
  });
  it('argsort of a long row is stable', () => {
    const idx = mx.argsort(x).toTypedArray() as Uint32Array;
    for (let i = 1; i < n; i++) {
      const a = f[idx[i - 1]], b = f[idx[i]];
      if (Number.isNaN(a)) throw new Error('NaN not last');
      if (a > b || (a === b && idx[i - 1] > idx[i])) throw new Error(`unstable at ${i}`);
    }
  });
  it('sorts long rows of other dtypes (int32, float64, uint8, float16)', () => {
    for (const dt of [mx.int32, mx.float64, mx.uint8, mx.float16, mx.int64]) {
      const s = values(mx.sort(mx.astype(mx.array(f.map((v) => (Number.isFinite(v) ? Math.abs(v) % 200 : 3))), dt)));
      for (let i = 1; i < n; i++) if (s[i - 1] > s[i]) throw new Error(`${dt.name} at ${i}`);
    }
  });
  it('sorts rows of 1M+ (radix / vector paths): int32, uint32, float32 with signed zeros', () => {
    const m = (1 << 20) + 3;
    const r = lcg(11);
    const i32 = Int32Array.from({ length: m }, () => Math.floor((r() - 0.5) * 2 ** 32));
    const u32 = Uint32Array.from({ length: m }, () => Math.floor(r() * 2 ** 32));
    const f32 = Float32Array.from({ length: m }, () => Math.round((r() - 0.5) * 64) / 4);
    f32[5] = 0; f32[9] = -0; f32[11] = NaN;
    for (const [src, dt] of [[i32, mx.int32], [u32, mx.uint32], [f32, mx.float32]] as const) {
      const s = mx.sort(mx.array(src, dt)).toTypedArray();
      const ref = (src.slice() as Int32Array).sort();
      for (let i = 0; i < m; i++) if (!(s[i] === ref[i] || (Number.isNaN(s[i]) && Number.isNaN(ref[i])))) throw new Error(`${dt.name} at ${i}`);
    }
    // ±0 compare equal: they form one contiguous run. (The two-thread AVX-512 path also orders -0 before +0;
    // the single-thread path keeps their input order, as MLX's stable sort does.)
    const s = mx.sort(mx.array(f32)).toTypedArray() as Float32Array;
    const first = s.indexOf(0), last = s.lastIndexOf(0);
    expect(last).toBeGreaterThan(first);
    for (let i = first; i <= last; i++) expect(s[i] === 0).toBe(true);
  });
  it('sorts a long non-last axis and many short rows', () => {
    const m = mx.reshape(mx.astype(x, mx.int32), [1000, 300]);
    const s0 = rows(mx.sort(m, 0), 0) as number[][];
    const r0 = rows(m, 0) as number[][];
    s0.forEach((row, r) => expect(row).toEqual([...r0[r]].sort((a, b) => a - b)));
    const s1 = rows(mx.sort(m, 1), 1) as number[][];
    const r1 = rows(m, 1) as number[][];
    s1.forEach((row, r) => expect(row).toEqual([...r1[r]].sort((a, b) => a - b)));
  });
  it('cumsum/cummax of a long row match a float64 reference', () => {
    const g = Float32Array.from({ length: n }, () => rnd() - 0.5);
    const a = mx.array(g);
    for (const [rev, inc] of [[false, true], [true, false]]) {
      const c = mx.cumsum(a, 0, rev, inc).toTypedArray() as Float32Array;
      let acc = 0;
      for (let j = 0; j < n; j++) {
        const i = rev ? n - 1 - j : j;
        if (inc) acc += g[i];
        if (Math.abs(c[i] - acc) > 1e-2) throw new Error(`cumsum rev=${rev} at ${i}: ${c[i]} vs ${acc}`);
        if (!inc) acc += g[i];
      }
    }
    const m = mx.cummax(a).toTypedArray() as Float32Array;
    let mx0 = -Infinity;
    for (let i = 0; i < n; i++) { mx0 = Math.max(mx0, g[i]); if (m[i] !== mx0) throw new Error(`cummax at ${i}`); }
  });
  it('scans down an outer axis with wide rows', () => {
    const w = 2500, h = 7;
    const g = Float32Array.from({ length: w * h }, () => Math.round(rnd() * 10));
    const c = mx.cumsum(mx.reshape(mx.array(g), [h, w]), 0, true, false).toTypedArray() as Float32Array;
    for (let j = 0; j < w; j++) {
      let acc = 0;
      for (let i = h - 1; i >= 0; i--) { if (c[i * w + j] !== acc) throw new Error(`at ${i},${j}`); acc += g[i * w + j]; }
    }
  });
});

describe('transforms', () => {
  it('vjp of cumsum is a reverse cumsum; jvp is a cumsum', () => {
    const x = mx.array([1, 2, 3, 4]);
    const [, [g]] = mx.vjp((a) => mx.cumsum(a, 0), [x], [mx.array([1, 0, 2, 1])]);
    expect(g.tolist()).toEqual([4, 3, 3, 1]);
    const [, [gx]] = mx.vjp((a) => mx.cumsum(a, 0, true, false), [x], [mx.array([1, 0, 2, 1])]);
    expect(gx.tolist()).toEqual([0, 1, 1, 3]);
    const [, [t]] = mx.jvp((a) => mx.cumsum(a, 0), [x], [mx.array([1, 1, 0, 1])]);
    expect(t.tolist()).toEqual([1, 2, 2, 3]);
  });
  it('vmap of sort, argsort, partition and scans shifts the axis', () => {
    const x = mx.reshape(mx.array([5, 1, 4, 2, 8, 0, 3, 3, 9, 7, 6, 1]), [2, 3, 2]);
    for (const inAxis of [0, 1, 2]) {
      const xs = mx.split(x, x.shape[inAxis], inAxis).map((p) => mx.squeeze(p, inAxis));
      const fns: ((a: mx.array) => mx.array)[] = [
        (a) => mx.sort(a, 0), (a) => mx.argsort(a, -1), (a) => mx.cumsum(a, 1, true), (a) => mx.cummax(a, 0),
        (a) => mx.sort(mx.partition(a, 1, 0), 0), (a) => mx.logcumsumexp(a, -1, false, false),
      ];
      for (const fn of fns) {
        const batched = mx.vmap(fn, inAxis, 0)(x);
        expect(batched.tolist()).toEqual(xs.map((p) => fn(p).tolist()));
      }
    }
  });
});
