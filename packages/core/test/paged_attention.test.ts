import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode, expectArrayClose, loadFixture } from './helpers/fixtures.js';

// Oracle: scripts/oracles/paged_attention.py (numpy, float64 softmax attention over the visible slots).
const cases = loadFixture('paged_attention');

function run(c: (typeof cases)[number], s?: typeof mx.cpu): mx.array {
  const [q, kp, vp, table, qseq, qend] = c.inputs.map(decode);
  return mx.pagedAttention(q, kp, vp, table, qseq, qend, c.args.scale, c.args.window, s);
}

function bits(a: mx.array): Uint32Array {
  return new Uint32Array((a.astype(mx.float32).toTypedArray() as Float32Array).slice().buffer);
}

describe('pagedAttention vs the numpy oracle', () => {
  for (const c of cases) it(c.name, () => expectArrayClose(run(c), c.expected, 2e-5, 2e-6));
});

// Row invariance and bit-equality with the CPU's SDPA are properties of the CPU kernel, so these run on the CPU
// even when the GPU is the default (the CUDA kernel's invariance: packages/serve/test/paged-attention-gpu.test.ts).
describe('pagedAttention row invariance', () => {
  let onCpu: { dispose(): void };
  beforeAll(() => { onCpu = mx.stream(mx.cpu); });
  afterAll(() => onCpu.dispose());
  it('each query gives bit-identical results alone, in its batch, and in a reordered batch', () => {
    for (const c of cases) {
      const [q, kp, vp, table, qseq, qend] = c.inputs.map(decode);
      const all = bits(run(c, mx.cpu));
      const n = q.shape[0];
      const per = all.length / n;
      // Every query alone.
      for (let i = 0; i < n; i++) {
        const idx = mx.array(Int32Array.of(i));
        const one = bits(mx.pagedAttention(mx.take(q, idx, 0), kp, vp, table, mx.take(qseq, idx, 0), mx.take(qend, idx, 0), c.args.scale, c.args.window, mx.cpu));
        expect(Array.from(one), `${c.name} query ${i}`).toEqual(Array.from(all.subarray(i * per, (i + 1) * per)));
      }
      // Reversed order (units form differently).
      const rev = mx.array(Int32Array.from({ length: n }, (_, i) => n - 1 - i));
      const r = bits(mx.pagedAttention(mx.take(q, rev, 0), kp, vp, table, mx.take(qseq, rev, 0), mx.take(qend, rev, 0), c.args.scale, c.args.window, mx.cpu));
      for (let i = 0; i < n; i++) {
        expect(Array.from(r.subarray((n - 1 - i) * per, (n - i) * per)), `${c.name} reversed ${i}`).toEqual(Array.from(all.subarray(i * per, (i + 1) * per)));
      }
    }
  });

  it('a lone query equals scaledDotProductAttention over its gathered keys bit for bit', () => {
    const c = cases[0];
    const [q, kp, vp, table, qseq, qend] = c.inputs.map(decode);
    const t = 1, end = (qend.toTypedArray() as Int32Array)[1];
    expect((qseq.toTypedArray() as Int32Array)[1]).toBe(t);
    const slots = mx.take(mx.take(table, mx.array(Int32Array.of(t)), 0).reshape([-1]), mx.arange(0, end, 1, mx.int32), 0);
    const k = mx.take(kp, slots, 0).transpose([1, 0, 2]).reshape([1, kp.shape[1], end, -1]);
    const v = mx.take(vp, slots, 0).transpose([1, 0, 2]).reshape([1, vp.shape[1], end, -1]);
    const qi = mx.take(q, mx.array(Int32Array.of(1)), 0).reshape([1, q.shape[1], 1, q.shape[2]]);
    const ref = mx.fast.scaledDotProductAttention(qi, k, v, c.args.scale).reshape([q.shape[1], -1]);
    const got = mx.pagedAttention(mx.take(q, mx.array(Int32Array.of(1)), 0), kp, vp, table, mx.array(Int32Array.of(t)), mx.array(Int32Array.of(end)), c.args.scale, 0, mx.cpu);
    expect(Array.from(bits(got))).toEqual(Array.from(bits(ref)));
  });
});

describe('pagedAttention errors', () => {
  const c = cases[0];
  const [q, kp, vp, table, qseq, qend] = c.inputs.map(decode);
  it('wrong dtypes and shapes throw typed errors', () => {
    expect(() => mx.pagedAttention(q.astype(mx.float16), kp, vp, table, qseq, qend, 0.1)).toThrow(mx.DtypeError);
    expect(() => mx.pagedAttention(q, kp, vp, table.astype(mx.float32), qseq, qend, 0.1)).toThrow(mx.DtypeError);
    expect(() => mx.pagedAttention(q.reshape([-1]), kp, vp, table, qseq, qend, 0.1)).toThrow(mx.ShapeError);
    expect(() => mx.pagedAttention(q, kp, vp, table, qseq, mx.array(Int32Array.of(1)), 0.1)).toThrow(mx.ShapeError);
    expect(() => mx.pagedAttention(q, kp.index(mx.Slice(), mx.Slice(0, 2)), vp, table, qseq, qend, 0.1)).toThrow(mx.ShapeError);
  });
  it('out-of-range ends and slots throw IndexError on evaluation and leave the process healthy', () => {
    const badEnd = mx.array(Int32Array.from({ length: q.shape[0] }, () => 10_000));
    expect(() => mx.eval(mx.pagedAttention(q, kp, vp, table, qseq, badEnd, 0.1))).toThrow(mx.IndexError);
    const badTable = mx.add(table, 1_000_000);
    expect(() => mx.eval(mx.pagedAttention(q, kp, vp, badTable, qseq, qend, 0.1))).toThrow(mx.IndexError);
    expectArrayClose(run(c), c.expected, 2e-5, 2e-6);
  });
});
