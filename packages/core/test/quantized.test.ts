import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode, dtypeByName, expectArrayClose, loadFixture, values, type EncodedArray } from './helpers/fixtures.js';

const cases = loadFixture('quantized');
const byOp = (op: string) => cases.filter((c) => c.op === op);

/** Bytes of an evaluated array equal the fixture's bytes exactly (bit-exact, signed zeros included). */
function expectBytes(a: mx.array, e: EncodedArray) {
  expect(a.shape).toEqual(e.shape);
  expect(a.dtype.name).toBe(e.dtype);
  const ta = mx.add(a, mx.zerosLike(a)).toTypedArray() as any;
  const got = Buffer.from(ta.buffer, ta.byteOffset, ta.byteLength);
  const want = Buffer.from(e.data, 'base64');
  if (!got.equals(want)) {
    const g = values(a), w = values(decode(e));
    const i = g.findIndex((v, k) => v !== w[k]);
    throw new Error(`bytes differ (first value mismatch at ${i}: got ${g[i]}, want ${w[i]})`);
  }
}

const tol: Record<string, [number, number]> = { float32: [2e-4, 2e-4], float16: [1e-2, 1e-2], bfloat16: [5e-2, 5e-2] };
const close = (a: mx.array, e: EncodedArray) => {
  const [r, t] = tol[e.dtype];
  expectArrayClose(a, e, r, t);
};

// A non-contiguous view with the same values (transposed twice around a materialized copy).
const strided = (x: mx.array) => mx.swapaxes(mx.add(mx.swapaxes(x, -1, -2), 0), -1, -2);

describe('quantize / dequantize (bit-exact vs MLX)', () => {
  for (const c of byOp('quantize')) {
    it(c.name, () => {
      const w = decode(c.inputs[0]);
      const [q, s, b] = mx.quantize(w, c.args.groupSize, c.args.bits);
      expectBytes(q, c.expected[0]);
      expectBytes(s, c.expected[1]);
      expectBytes(b, c.expected[2]);
      if (c.expected[3]) expectBytes(mx.dequantize(q, s, b, c.args.groupSize, c.args.bits), c.expected[3]);
    });
  }
  it('quantize of a non-contiguous view equals quantize of its copy', () => {
    const w = mx.random.normal([64, 96]);
    const v = mx.swapaxes(w, 0, 1).index(mx.Slice(null, null, -1));
    const [q1, s1, b1] = mx.quantize(v, 32, 4);
    const [q2, s2, b2] = mx.quantize(mx.add(v, 0), 32, 4);
    for (const [x, y] of [[q1, q2], [s1, s2], [b1, b2]]) expect(values(x)).toEqual(values(y));
  });
  it('defaults are group size 64, 4 bits', () => {
    const [q, s] = mx.quantize(mx.random.normal([2, 128]));
    expect(q.shape).toEqual([2, 16]);
    expect(s.shape).toEqual([2, 2]);
    expect(q.dtype).toBe(mx.uint32);
  });
  for (const c of byOp('dequantize')) {
    it(c.name, () => {
      const [q, s, b] = c.inputs.map(decode);
      const dt = c.args.dtype ? dtypeByName(c.args.dtype) : undefined;
      expectBytes(mx.dequantize(q, s, b, c.args.groupSize, c.args.bits, 'affine', dt), c.expected[0]);
    });
  }
});

describe('quantizedMatmul vs MLX', () => {
  for (const c of byOp('quantizedMatmul')) {
    it(c.name, () => {
      const [x, q, s, b] = c.inputs.map(decode);
      const { groupSize, bits, transpose } = c.args;
      close(mx.quantizedMatmul(x, q, s, b, transpose, groupSize, bits), c.expected[0]);
      if (x.ndim >= 2) close(mx.quantizedMatmul(strided(x), strided(q), s, strided(b), transpose, groupSize, bits), c.expected[0]);
    });
  }
  for (const isa of ['matches dequantize + matmul (large, threaded)']) {
    it(isa, () => {
      for (const bits of [4, 8, 3]) {
        const w = mx.random.normal([300, 1024]);
        const [q, s, b] = mx.quantize(w, 64, bits);
        const wd = mx.dequantize(q, s, b, 64, bits);
        for (const M of [1, 3, 33]) {
          const x = mx.random.normal([M, 1024]);
          expectArrayClose(mx.quantizedMatmul(x, q, s, b, true, 64, bits), mx.matmul(x, mx.transpose(wd)), 1e-3, 1e-3);
          const xt = mx.random.normal([M, 300]);
          expectArrayClose(mx.quantizedMatmul(xt, q, s, b, false, 64, bits), mx.matmul(xt, wd), 1e-3, 1e-3);
        }
      }
    });
  }
  // Rows beyond the qmv limit take the panel path (decode a panel of W once, multiply it with every row).
  // Oracle: dequantize (bit-exact vs MLX above) and the float64 matmul kernel.
  function checkQmm(x: mx.array, q: mx.array, s: mx.array, b: mx.array, gs: number, bits: number, transpose: boolean) {
    const got = mx.quantizedMatmul(x, q, s, b, transpose, gs, bits);
    const wd = mx.dequantize(q, s, b, gs, bits).astype(mx.float64);
    const ref = mx.matmul(x.astype(mx.float64), transpose ? mx.transpose(wd) : wd);
    expect(got.shape).toEqual(ref.shape);
    expect(got.dtype.name).toBe(x.dtype.name);
    const g = values(got.astype(mx.float64)), r = values(ref);
    let scale = 1, err = 0;
    for (const v of r) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < r.length; i++) err = Math.max(err, Math.abs(g[i] - r[i]));
    const tol = x.dtype.name === 'float32' ? 2e-5 : x.dtype.name === 'float16' ? 2e-3 : 1e-2;
    expect(err).toBeLessThanOrEqual(tol * scale);
  }
  it('many rows (9..80): every bit width, group size and scale dtype vs dequantize + float64 matmul', () => {
    let i = 0;
    const rows = [9, 13, 24, 32, 33, 40, 80];
    for (const bits of [2, 3, 4, 5, 6, 8])
      for (const gs of [32, 64, 128])
        for (const dt of [mx.float32, mx.float16, mx.bfloat16]) {
          mx.tidy(() => {
            const M = rows[i++ % rows.length], N = 40 + (i % 3) * 17, K = 256;
            const [q, s, b] = mx.quantize(mx.random.normal([N, K]).astype(dt), gs, bits);
            checkQmm(mx.random.normal([M, K]).astype(dt), q, s, b, gs, bits, true);
            return undefined;
          });
        }
  });
  it('many rows: strided x, batched x, group size 16, and prefill-sized M with threads', () => {
    // quantize() takes groups of 32 and up; GGUF's 16-element groups are built by splitting each group in two.
    const [q, s32, b32] = mx.quantize(mx.random.normal([96, 128]), 32, 4);
    // Halves get different scales so a kernel that used 32-element groups would fail.
    const s = mx.multiply(mx.repeat(s32, 2, -1), mx.array([1, 1.25, 1, 1.25, 1, 1.25, 1, 1.25]));
    const b = mx.repeat(b32, 2, -1);
    const xt = mx.transpose(mx.random.normal([128, 20]));  // column-major x
    checkQmm(xt, q, s, b, 16, 4, true);
    checkQmm(mx.random.normal([2, 11, 128]), q, s, b, 16, 4, true);
    const [q8, s8, b8] = mx.quantize(mx.random.normal([300, 576]), 32, 8);
    checkQmm(mx.random.normal([200, 576]), q8, s8, b8, 32, 8, true);
    const [q4, s4, b4] = mx.quantize(mx.random.normal([300, 576]).astype(mx.bfloat16), 64, 4);
    checkQmm(mx.random.normal([130, 576]).astype(mx.bfloat16), q4, s4, b4, 64, 4, true);
  });
  it('vjp w.r.t. x matches MLX', () => {
    const c = byOp('qmmVjp')[0];
    const [x, q, s, b, ct] = c.inputs.map(decode);
    const [, [g]] = mx.vjp((xx: mx.array) => mx.quantizedMatmul(xx, q, s, b, true, 64, 4), [x], [ct]);
    close(g, c.expected[0]);
  });
  it('vmap over x equals a loop', () => {
    const [q, s, b] = mx.quantize(mx.random.normal([16, 64]), 32, 4);
    const xs = mx.random.normal([3, 2, 64]);
    const f = mx.vmap((x: mx.array) => mx.quantizedMatmul(x, q, s, b, true, 32, 4));
    const out = f(xs) as mx.array;
    for (let i = 0; i < 3; i++) expectArrayClose(out.index(i), mx.quantizedMatmul(xs.index(i), q, s, b, true, 32, 4), 1e-5, 1e-5);
  });
  it('empty rows give an empty result', () => {
    const [q, s, b] = mx.quantize(mx.random.normal([8, 64]), 64, 4);
    expect(mx.quantizedMatmul(mx.zeros([0, 64]), q, s, b).shape).toEqual([0, 8]);
  });
});

describe('gatherMM / gatherQMM vs MLX', () => {
  for (const c of byOp('gatherMM')) {
    it(c.name, () => {
      const ins = c.inputs.map(decode);
      const out = c.args.lhs === false ? mx.gatherMM(ins[0], ins[1], null, ins[2]) : mx.gatherMM(ins[0], ins[1], ins[2], ins[3]);
      close(out, c.expected[0]);
    });
  }
  for (const c of byOp('gatherQMM')) {
    it(c.name, () => {
      const ins = c.inputs.map(decode);
      const { groupSize, bits, transpose } = c.args;
      const out = c.args.lhs === false
        ? mx.gatherQMM(ins[0], ins[1], ins[2], ins[3], null, ins[4], transpose, groupSize, bits)
        : mx.gatherQMM(ins[0], ins[1], ins[2], ins[3], ins[4], ins[5], transpose, groupSize, bits);
      close(out, c.expected[0]);
    });
  }
  it('gatherMM gradients scatter-add back into the gathered items', () => {
    const a = mx.random.normal([3, 2, 4]), bm = mx.random.normal([2, 4, 5]);
    const L = [2, 0, 2], R = [1, 1, 0];
    const li = mx.array(new Uint32Array(L)), ri = mx.array(new Uint32Array(R));
    const ct = mx.random.normal([3, 2, 5]);
    const [, [ga, gb]] = mx.vjp((x: mx.array, y: mx.array) => mx.gatherMM(x, y, li, ri), [a, bm], [ct]);
    const ra: mx.array[] = [0, 1, 2].map(() => mx.zeros([2, 4]));
    const rb: mx.array[] = [0, 1].map(() => mx.zeros([4, 5]));
    for (let i = 0; i < 3; i++) {
      ra[L[i]] = mx.add(ra[L[i]], mx.matmul(ct.index(i), mx.transpose(bm.index(R[i]))));
      rb[R[i]] = mx.add(rb[R[i]], mx.matmul(mx.transpose(a.index(L[i])), ct.index(i)));
    }
    expectArrayClose(ga, mx.stack(ra), 1e-5, 1e-5);
    expectArrayClose(gb, mx.stack(rb), 1e-5, 1e-5);
  });
});

describe('typed errors', () => {
  const w = mx.random.normal([8, 64]);
  const [q, s, b] = mx.quantize(w, 64, 4);
  it('quantize', () => {
    expect(() => mx.quantize(mx.random.normal([8, 48]), 32, 4)).toThrow(mx.ShapeError);
    expect(() => mx.quantize(w, 64, 7)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.quantize(w, 16, 4)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.quantize(mx.random.normal([64]), 64, 4)).toThrow(mx.ShapeError);
    expect(() => mx.quantize(mx.astype(w, mx.int32), 64, 4)).toThrow(mx.DtypeError);
    expect(() => mx.quantize(w, 64, 4, 'nope')).toThrow(mx.InvalidArgumentError);
  });
  it('dequantize', () => {
    expect(() => mx.dequantize(q, s, null, 64, 4)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.dequantize(q, s, b, 32, 4)).toThrow(mx.ShapeError);
    expect(() => mx.dequantize(mx.astype(q, mx.int32), s, b, 64, 4)).toThrow(mx.DtypeError);
  });
  it('quantizedMatmul', () => {
    const x = mx.random.normal([3, 64]);
    expect(() => mx.quantizedMatmul(mx.random.normal([3, 32]), q, s, b, true, 64, 4)).toThrow(mx.ShapeError);
    expect(() => mx.quantizedMatmul(x, mx.astype(q, mx.int32), s, b, true, 64, 4)).toThrow(mx.DtypeError);
    expect(() => mx.quantizedMatmul(x, q, s, b, true, 64, 3)).toThrow(mx.ShapeError);
    expect(() => mx.quantizedMatmul(x, q, s, b, true, 64, 7)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.quantizedMatmul(mx.astype(x, mx.int32), q, s, mx.astype(b, mx.int32), true, 64, 4)).toThrow(mx.DtypeError);
    expect(() => mx.quantizedMatmul(x, q, s, b, true, 64, 4, 'mxfp4')).toThrow(mx.NotImplementedError);
  });
  it('gather ops', () => {
    const a = mx.random.normal([4, 3, 5]), bm = mx.random.normal([6, 5, 7]);
    expect(() => mx.gatherMM(a, bm, mx.array([0, 1]), null)).toThrow(mx.DtypeError);
    expect(() => mx.gatherMM(mx.astype(a, mx.int32), mx.astype(bm, mx.int32), mx.array(new Int32Array([0])), null)).toThrow(mx.DtypeError);
    expect(() => mx.gatherMM(a, bm, null, mx.array(new Int32Array([9]))).toTypedArray()).toThrow(mx.IndexError);
    expect(() => mx.gatherQMM(mx.random.normal([64]), q, s, b, null, mx.array(new Int32Array([0])))).toThrow(mx.ShapeError);
  });
});
