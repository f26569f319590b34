// GPU kernels for gather/scatter with device-resident indices, scans, sorts and random bits
// (run on the GPU machine; skipped without CUDA). Each result is compared with the CPU backend of
// the same build (checked against NumPy/MLX fixtures by the other test files): integer and index
// outputs bit for bit, floats within float32 tolerances. The counters prove no CPU fallback ran.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { relErr, same } from './helpers/gpu.js';

const hasGpu = mx.cuda.isAvailable();

const rand = (shape: number[], seed: number, dtype: mx.Dtype = mx.float32) =>
  mx.astype(mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed), mx.cpu), dtype, mx.cpu);
const randInt = (lo: number, hi: number, shape: number[], seed: number, dtype: mx.Dtype = mx.int32) =>
  mx.astype(mx.random.randint(lo, hi, shape, mx.int32, mx.random.key(seed), mx.cpu), dtype, mx.cpu);
// A copy that lives on the device only (as indices produced by GPU ops do).
const onDevice = (a: mx.array) => { const d = mx.add(a, mx.zeros([], a.dtype, mx.cpu), mx.gpu); mx.eval(d); return d; };

// a.at(indices)[op](v), or a copy of `a` with a[indices] = v for 'set', on the default device.
function update(a: mx.array, indices: mx.Index[], op: 'set' | 'add' | 'multiply' | 'maximum' | 'minimum', v: mx.array): mx.array {
  if (op !== 'set') return a.at(...indices)[op](v);
  const c = mx.reshape(a, a.shape);
  return mx.indexPut_(c, indices, v);
}
const fallbacks = (prefixes: string[]) =>
  Object.entries(mx.cuda.counters()).filter(([k, v]) => v > 0 && prefixes.some((p) => k.startsWith('fallback:' + p)));

describe.skipIf(!hasGpu)('gpu kernels: indexing, scan, sort, random', () => {
  it('gathers with device-resident indices (take, multi-axis index, takeAlongAxis) like the CPU', () => {
    mx.cuda.resetCounters();
    for (const dt of [mx.float32, mx.bfloat16, mx.float16, mx.int8, mx.int64, mx.bool]) {
      const emb = mx.astype(mx.multiply(rand([300, 24], 1), 20, mx.cpu), dt, mx.cpu);
      const ids = randInt(-300, 300, [5, 7], 2);
      for (const idt of [mx.int32, mx.int64, mx.int16]) {
        const d = onDevice(mx.astype(ids, idt, mx.cpu));
        same(mx.take(emb, d, 0, mx.gpu), mx.take(emb, ids, 0, mx.cpu));
      }
      const uids = onDevice(randInt(0, 24, [9], 3, mx.uint32));
      const st = mx.transpose(emb, [1, 0], mx.cpu);  // strided source
      same(mx.take(st, uids, 0, mx.gpu), mx.take(st, uids, 0, mx.cpu));
      same(mx.take(emb, uids, 1, mx.gpu), mx.take(emb, uids, 1, mx.cpu));
    }
    const x = rand([5, 6, 7], 4);
    const i0 = randInt(0, 5, [3, 4], 5), i1 = randInt(-7, 7, [4], 6);
    let g: mx.array;
    {
      using _g = mx.stream(mx.gpu);
      g = mx.index(x, onDevice(i0), mx.Slice(), onDevice(i1));
      mx.eval(g);
    }
    let c: mx.array;
    {
      using _c = mx.stream(mx.cpu);
      c = mx.index(x, i0, mx.Slice(), i1);
    }
    same(g, c);
    // takeAlongAxis over each axis, with indices produced on the GPU (argsort) and strided values.
    const v = rand([6, 50, 9], 7);
    for (const axis of [0, 1, 2, -1]) {
      const order = mx.argsort(v, axis, mx.gpu);
      same(mx.takeAlongAxis(v, order, axis, mx.gpu), mx.takeAlongAxis(v, mx.argsort(v, axis, mx.cpu), axis, mx.cpu));
      const vt = mx.transpose(v, [2, 0, 1], mx.cpu);
      const it = randInt(-vt.shape.at(axis)!, vt.shape.at(axis)!, [9, 6, 50].map((s, k) => (k === (axis + 3) % 3 ? 4 : s)), 8);
      same(mx.takeAlongAxis(vt, onDevice(it), axis, mx.gpu), mx.takeAlongAxis(vt, it, axis, mx.cpu));
    }
    expect(fallbacks(['Gather'])).toEqual([]);
  });

  it('raises IndexError at eval for an out-of-range device-resident index, and stays usable', () => {
    const emb = rand([10, 4], 9);
    expect(() => mx.eval(mx.take(emb, onDevice(mx.array([3, 10], mx.int32)), 0, mx.gpu))).toThrow(mx.IndexError);
    expect(() => mx.eval(mx.takeAlongAxis(emb, onDevice(mx.array([[0], [-11]], mx.int32)), 0, mx.gpu))).toThrow(mx.IndexError);
    expect(() => mx.eval(mx.putAlongAxis(emb, onDevice(mx.array([[4]], mx.int32)), 1, 1, mx.gpu))).toThrow(mx.IndexError);
    const ok = mx.take(emb, onDevice(mx.array([9, -10], mx.int32)), 0, mx.gpu);
    same(ok, mx.take(emb, mx.array([9, 0], mx.int32), 0, mx.cpu));
  });

  it('scatters (set/add/multiply/maximum/minimum) with repeated indices like the CPU', () => {
    mx.cuda.resetCounters();
    const idx = mx.array([3, 0, 3, 7, 0, 3, 1], mx.int32);  // repeats: the last set wins
    for (const dt of [mx.float32, mx.float16, mx.bfloat16, mx.int32, mx.int8, mx.uint16, mx.int64, mx.float64]) {
      const base = mx.astype(mx.multiply(rand([8, 5], 10), 4, mx.cpu), dt, mx.cpu);
      const upd = mx.astype(mx.multiply(rand([7, 5], 11), 4, mx.cpu), dt, mx.cpu);
      const di = onDevice(idx);
      for (const op of ['set', 'add', 'multiply', 'maximum', 'minimum'] as const) {
        let gg: mx.array;
        { using _s = mx.stream(mx.gpu); gg = update(base, [di], op, upd); mx.eval(gg); }
        let cc: mx.array;
        { using _s = mx.stream(mx.cpu); cc = update(base, [idx], op, upd); mx.eval(cc); }
        if (op === 'set' || op === 'maximum' || op === 'minimum' || dt === mx.int32 || dt === mx.int8 || dt === mx.uint16 || dt === mx.int64)
          same(gg, cc);
        else expect(relErr(gg, cc)).toBeLessThan(dt === mx.float32 || dt === mx.float64 ? 1e-6 : 1e-2);
      }
    }
    // KV-cache style: rows of a [heads, T, dim] cache written at device-resident positions.
    const cache = rand([4, 16, 8], 12), rows = rand([4, 3, 8], 13), pos = mx.array([5, 6, 7], mx.int32);
    let gk: mx.array;
    { using _s = mx.stream(mx.gpu); gk = update(cache, [mx.Slice(), onDevice(pos)], 'set', rows); mx.eval(gk); }
    let ck: mx.array;
    { using _s = mx.stream(mx.cpu); ck = update(cache, [mx.Slice(), pos], 'set', rows); }
    same(gk, ck);
    // putAlongAxis (set keeps the last repeat along the axis) and its sum form through the gradient.
    const a = rand([6, 10], 14), ia = randInt(0, 10, [6, 12], 15), va = rand([6, 12], 16);
    same(mx.putAlongAxis(a, onDevice(ia), va, 1, mx.gpu), mx.putAlongAxis(a, ia, va, 1, mx.cpu));
    const ib = randInt(-6, 6, [9, 10], 17), vb = rand([9, 10], 18);
    same(mx.putAlongAxis(a, onDevice(ib), vb, 0, mx.gpu), mx.putAlongAxis(a, ib, vb, 0, mx.cpu));
    const f = (t: mx.array) => mx.sum(mx.multiply(mx.takeAlongAxis(t, ia, 1), va));
    let gg: mx.array;
    { using _s = mx.stream(mx.gpu); gg = mx.grad(f)(a); mx.eval(gg); }
    let gc: mx.array;
    { using _s = mx.stream(mx.cpu); gc = mx.grad(f)(a); }
    expect(relErr(gg, gc)).toBeLessThan(1e-6);
    expect(fallbacks(['Scatter'])).toEqual([]);
  });

  it('scans (cumsum/cumprod/cummax/cummin/logcumsumexp) over axes, directions and dtypes', () => {
    mx.cuda.resetCounters();
    const x = rand([5, 40, 6], 20);
    const xi = randInt(-50, 50, [5, 40, 6], 21);
    const ops = [mx.cumsum, mx.cumprod, mx.cummax, mx.cummin, mx.logcumsumexp] as const;
    for (const axis of [0, 1, 2]) {
      for (const reverse of [false, true]) {
        for (const inclusive of [true, false]) {
          for (const op of ops) {
            const src = op === mx.cumprod ? mx.add(mx.multiply(x, 0.05, mx.cpu), 1, mx.cpu) : x;
            expect(relErr(op(src, axis, reverse, inclusive, mx.gpu), op(src, axis, reverse, inclusive, mx.cpu))).toBeLessThan(1e-5);
            if (op !== mx.logcumsumexp) same(op(xi, axis, reverse, inclusive, mx.gpu), op(xi, axis, reverse, inclusive, mx.cpu));
          }
          const h = mx.astype(x, mx.float16, mx.cpu);
          same(mx.cumsum(h, axis, reverse, inclusive, mx.gpu), mx.cumsum(h, axis, reverse, inclusive, mx.cpu));
          same(mx.cummax(mx.astype(xi, mx.int8, mx.cpu), axis, reverse, inclusive, mx.gpu),
            mx.cummax(mx.astype(xi, mx.int8, mx.cpu), axis, reverse, inclusive, mx.cpu));
        }
      }
    }
    // Strided input, bool cumsum, long rows (chunked) and few long columns (transposed).
    const t = mx.transpose(x, [2, 0, 1], mx.cpu);
    expect(relErr(mx.cumsum(t, 1, false, true, mx.gpu), mx.cumsum(t, 1, false, true, mx.cpu))).toBeLessThan(1e-5);
    const b = mx.greater(x, 0, mx.cpu);
    same(mx.cumsum(b, 1, false, true, mx.gpu), mx.cumsum(b, 1, false, true, mx.cpu));
    const long = randInt(-1000, 1000, [2, 300000], 22);
    for (const reverse of [false, true]) {
      same(mx.cumsum(long, 1, reverse, false, mx.gpu), mx.cumsum(long, 1, reverse, false, mx.cpu));
      same(mx.cummin(long, 1, reverse, true, mx.gpu), mx.cummin(long, 1, reverse, true, mx.cpu));
      const lf = mx.astype(long, mx.float32, mx.cpu);
      expect(relErr(mx.cumsum(lf, 1, reverse, true, mx.gpu), mx.cumsum(lf, 1, reverse, true, mx.cpu))).toBeLessThan(1e-6);
      const cols = mx.reshape(long, [20000, 30], mx.cpu);
      same(mx.cumsum(cols, 0, reverse, true, mx.gpu), mx.cumsum(cols, 0, reverse, true, mx.cpu));
    }
    expect(fallbacks(['Cum'])).toEqual([]);
  });

  it('sorts and argsorts bit-exactly (NaNs, ties, dtypes, axes, short and long rows); topk and partition', () => {
    mx.cuda.resetCounters();
    const special = mx.array([NaN, -0, 0, 1, 1, -Infinity, Infinity, NaN, -1, 0], mx.float32);
    same(mx.sort(special, -1, mx.gpu), mx.sort(special, -1, mx.cpu));
    same(mx.argsort(special, -1, mx.gpu), mx.argsort(special, -1, mx.cpu));
    for (const n of [1, 7, 1000, 4096, 5000, 70000]) {
      const v = mx.round(mx.multiply(rand([3, n], 30 + n), 50, mx.cpu), 0, mx.cpu);  // many ties
      for (const dt of [mx.float32, mx.float16, mx.bfloat16, mx.int32, mx.int8, mx.uint16, mx.int64, mx.float64]) {
        const a = mx.astype(v, dt, mx.cpu);
        same(mx.sort(a, -1, mx.gpu), mx.sort(a, -1, mx.cpu));
        same(mx.argsort(a, -1, mx.gpu), mx.argsort(a, -1, mx.cpu));
      }
    }
    const m = rand([33, 20, 5], 40);
    for (const axis of [0, 1, 2]) {
      same(mx.sort(m, axis, mx.gpu), mx.sort(m, axis, mx.cpu));
      same(mx.argsort(m, axis, mx.gpu), mx.argsort(m, axis, mx.cpu));
    }
    const mt = mx.transpose(m, [1, 2, 0], mx.cpu);
    same(mx.argsort(mt, 1, mx.gpu), mx.argsort(mt, 1, mx.cpu));
    const bools = mx.greater(m, 0, mx.cpu);
    same(mx.argsort(bools, -1, mx.gpu), mx.argsort(bools, -1, mx.cpu));
    // topk (sampling over a vocabulary) and partition: the same sets; partition's kth is in place.
    const logits = rand([2, 50000], 41);
    const kg = mx.sort(mx.topk(logits, 40, -1, mx.gpu), -1, mx.cpu), kc = mx.sort(mx.topk(logits, 40, -1, mx.cpu), -1, mx.cpu);
    same(kg, kc);
    const p = mx.partition(m, 7, 1, mx.gpu), ap = mx.argpartition(m, 7, 1, mx.gpu);
    const sorted = mx.sort(m, 1, mx.cpu);
    same(mx.index(p, mx.Slice(), 7), mx.index(sorted, mx.Slice(), 7));
    same(mx.takeAlongAxis(m, ap, 1, mx.cpu), p);
    expect(fallbacks(['Sort', 'ArgSort', 'Partition', 'ArgPartition'])).toEqual([]);
  });

  it('random bits match the CPU bit for bit (widths, odd byte counts, split keys)', () => {
    mx.cuda.resetCounters();
    for (const seed of [0, 7, 123456789]) {
      const k = mx.random.key(seed);
      for (const width of [1, 2, 4]) {
        for (const shape of [[1], [3], [5, 7], [1001], [2, 4097]]) {
          same(mx.random.bits(shape, width, k, mx.gpu), mx.random.bits(shape, width, k, mx.cpu));
        }
      }
      same(mx.random.split(k, 5, mx.gpu), mx.random.split(k, 5, mx.cpu));
    }
    const u = mx.random.uniform([1000], mx.float32, mx.random.key(3), mx.gpu);
    same(u, mx.random.uniform([1000], mx.float32, mx.random.key(3), mx.cpu));
    expect(fallbacks(['RandomBits'])).toEqual([]);
  });
});

describe.skipIf(!hasGpu)('gpu addmm with a bias row (cuBLASLt bias epilogue)', () => {
  it('matches the CPU for float32/bfloat16/float16, alpha ≠ 1 and transposed weights; other c take the copy path', () => {
    mx.cuda.resetCounters();
    for (const dt of [mx.float32, mx.bfloat16, mx.float16]) {
      for (const [M, K, N] of [[300, 64, 96], [1040, 768, 2304], [7, 40, 24]]) {
        const a = rand([M, K], M, dt), w = rand([N, K], N, dt), bias = rand([N], K, dt);
        for (const alpha of [1, 0.5]) {
          const gpu = mx.addmm(bias, a, mx.transpose(w), alpha, 1, mx.gpu);
          const cpu = mx.addmm(bias, a, mx.transpose(w), alpha, 1, mx.cpu);
          expect(relErr(gpu, cpu), `${dt} ${M}x${K}x${N} alpha ${alpha}`).toBeLessThan(dt === mx.float32 ? 1e-5 : 1e-2);
        }
      }
    }
    expect(mx.cuda.counters().gemm_bias_epilogue).toBe(18);
    // beta ≠ 1 and a full c matrix keep the copy-then-accumulate path
    const a = rand([64, 32], 1), b = rand([32, 48], 2), bias = rand([48], 3), full = rand([64, 48], 4);
    expect(relErr(mx.addmm(bias, a, b, 1, 2, mx.gpu), mx.addmm(bias, a, b, 1, 2, mx.cpu))).toBeLessThan(1e-5);
    expect(relErr(mx.addmm(full, a, b, 1, 1, mx.gpu), mx.addmm(full, a, b, 1, 1, mx.cpu))).toBeLessThan(1e-5);
    expect(mx.cuda.counters().gemm_bias_epilogue).toBe(18);
  });
});
