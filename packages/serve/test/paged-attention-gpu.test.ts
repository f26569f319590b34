// mx.pagedAttention on the GPU (backend/cuda/paged_attention.cu) against the CPU kernel of the same build, which
// core's paged-attention tests check against an independent reference. Runs on the GPU machine; skipped without CUDA.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
// The GPU tests' shared comparison (core's test helpers; no serve-specific variant needed).
import { relErr } from '../../core/test/helpers/gpu.js';

const hasGpu = mx.cuda.isAvailable();

let seed = 1000;
const normal = (shape: number[]) => mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed++), mx.cpu);

interface Case { seqs: number[][]; hq: number; hkv: number; d: number; window?: number; slots?: number }

/** Random pools, a random slot permutation per sequence, and for each sequence [start, start + count) queries. */
function build(c: Case) {
  const lens = c.seqs.map(([start, count]) => start + count);
  const L = Math.max(...lens);
  const S = c.slots ?? lens.reduce((a, b) => a + b, 0) + 7;
  const perm = Array.from({ length: S }, (_, i) => i).sort(() => Math.random() - 0.5);
  const table = new Int32Array(c.seqs.length * L);
  let used = 0;
  c.seqs.forEach((_, t) => { for (let j = 0; j < lens[t]; j++) table[t * L + j] = perm[used++]; });
  const qseq: number[] = [], qend: number[] = [];
  c.seqs.forEach(([start, count], t) => { for (let i = 0; i < count; i++) { qseq.push(t); qend.push(start + i + 1); } });
  return {
    q: normal([qseq.length, c.hq, c.d]), k: normal([S, c.hkv, c.d]), v: normal([S, c.hkv, c.d]),
    table: mx.array(table).reshape([c.seqs.length, L]), qseq: mx.array(Int32Array.from(qseq)), qend: mx.array(Int32Array.from(qend)),
  };
}

function both(c: Case) {
  const x = build(c);
  const scale = 1 / Math.sqrt(c.d);
  const run = (dev: mx.Device) => mx.pagedAttention(x.q, x.k, x.v, x.table, x.qseq, x.qend, scale, c.window ?? 0, dev);
  const cpu = run(mx.cpu), gpu = run(mx.gpu);
  mx.eval(cpu, gpu);
  return { cpu, gpu, x, scale };
}

describe.skipIf(!hasGpu)('pagedAttention on the GPU', () => {
  const cases: [string, Case][] = [
    ['decode rows, GQA 9/3, D 64 (SmolLM2)', { seqs: Array.from({ length: 32 }, (_, i) => [40 + 3 * i, 1]), hq: 9, hkv: 3, d: 64 }],
    ['decode rows, GQA 32/8, D 128', { seqs: [[0, 1], [1, 1], [127, 1], [300, 1]], hq: 32, hkv: 8, d: 128 }],
    ['prefill chunks and decode rows mixed, D 64', { seqs: [[5, 1], [0, 37], [16, 20], [80, 1]], hq: 4, hkv: 2, d: 64 }],
    ['MHA, D 32', { seqs: [[9, 3], [0, 1]], hq: 2, hkv: 2, d: 32 }],
    ['12 query heads per kv head (several blocks per head), D 256', { seqs: [[50, 2], [3, 1]], hq: 12, hkv: 1, d: 256 }],
    ['sliding window 16', { seqs: [[70, 4], [10, 1], [0, 30]], hq: 8, hkv: 2, d: 64, window: 16 }],
    ['head size 80 (not a multiple of 32)', { seqs: [[20, 2], [33, 1]], hq: 6, hkv: 3, d: 80 }],
  ];
  for (const [name, c] of cases) {
    it(`matches the CPU kernel: ${name}`, () => {
      const { cpu, gpu } = both(c);
      expect(gpu.shape).toEqual(cpu.shape);
      expect(relErr(gpu, cpu)).toBeLessThan(1e-5);
    });
  }

  it('reads strided queries and pools in place', () => {
    const c: Case = { seqs: [[30, 1], [12, 5]], hq: 4, hkv: 2, d: 64 };
    const x = build(c);
    // q as a transposed view of [Hq, N, D]; pools as slices of wider pools.
    const qT = mx.copy(mx.transpose(x.q, [1, 0, 2]), mx.cpu);
    const qView = mx.transpose(qT, [1, 0, 2]);
    const kWide = mx.concatenate([x.k, normal(x.k.shape)], 2, mx.cpu), vWide = mx.concatenate([normal(x.v.shape), x.v], 2, mx.cpu);
    const kView = kWide.index(mx.Slice(), mx.Slice(), mx.Slice(0, 64)), vView = vWide.index(mx.Slice(), mx.Slice(), mx.Slice(64, 128));
    const ref = mx.pagedAttention(x.q, x.k, x.v, x.table, x.qseq, x.qend, 0.125, 0, mx.cpu);
    const got = mx.pagedAttention(qView, kView, vView, x.table, x.qseq, x.qend, 0.125, 0, mx.gpu);
    expect(relErr(got, ref)).toBeLessThan(1e-5);
  });

  it('gives a query the same bits alone and in a batch', () => {
    const c: Case = { seqs: Array.from({ length: 24 }, (_, i) => [17 + 5 * i, 1]), hq: 9, hkv: 3, d: 64 };
    const { gpu, x, scale } = both(c);
    const all = gpu.toTypedArray() as Float32Array;
    const per = 9 * 64;
    for (const r of [0, 11, 23]) {
      const alone = mx.pagedAttention(x.q.index(mx.Slice(r, r + 1)), x.k, x.v, x.table, mx.array(Int32Array.of(r)), x.qend.index(mx.Slice(r, r + 1)), scale, 0, mx.gpu);
      expect(Array.from(alone.toTypedArray() as Float32Array)).toEqual(Array.from(all.subarray(r * per, (r + 1) * per)));
    }
  });

  it('raises an IndexError for a slot outside the pools and stays usable', () => {
    const c: Case = { seqs: [[10, 1]], hq: 2, hkv: 1, d: 32, slots: 20 };
    const x = build(c);
    const bad = mx.array(Int32Array.from({ length: 11 }, (_, j) => (j === 4 ? 999 : j))).reshape([1, 11]);
    expect(() => mx.eval(mx.pagedAttention(x.q, x.k, x.v, bad, x.qseq, x.qend, 1, 0, mx.gpu))).toThrow(mx.IndexError);
    const ok = mx.pagedAttention(x.q, x.k, x.v, x.table, x.qseq, x.qend, 1, 0, mx.gpu);
    expect(relErr(ok, mx.pagedAttention(x.q, x.k, x.v, x.table, x.qseq, x.qend, 1, 0, mx.cpu))).toBeLessThan(1e-5);
  });
});
