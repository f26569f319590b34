// The exact affine forms of GGUF Q4_K / Q5_0 / Q6_K (loadGguf's kQuantsAsAffine) against the reference `gguf`
// package's dequantization (the fixture of @mlx/core's GGUF tests), and the quantized matmul on them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../core/test/fixtures/gguf');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const decode = (e: { data: string; dtype: string; shape: number[] }) => {
  const b = Buffer.from(e.data, 'base64');
  const f = e.dtype === 'float32' ? new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) : null;
  if (!f) throw new Error(`fixture dtype ${e.dtype}`);
  return mx.reshape(mx.array(f), e.shape);
};

describe('GGUF K-quants as affine', () => {
  it.each([['q4_k', 4, 32], ['q5_0', 8, 32], ['q6_k', 8, 16]] as const)('%s → %i bits, groups of %i, exact values', (q, bits, gs) => {
    const [arrays] = mx.loadGguf(join(dir, 'types.gguf'), { kQuantsAsAffine: true });
    const base = `blk.${q}`;
    const w = arrays[`${base}.weight`], s = arrays[`${base}.scales`], b = arrays[`${base}.biases`];
    expect(w.dtype).toBe(mx.uint32);
    const want = decode(expected.tensors[`${base}.weight`].expected);
    const K = want.shape[want.ndim - 1];
    expect(w.shape[w.ndim - 1]).toBe((K * bits) / 32);
    expect(s.shape[s.ndim - 1]).toBe(K / gs);
    const got = mx.dequantize(w, s, b, gs, bits);
    expect(mx.max(mx.abs(mx.subtract(got, mx.reshape(want, got.shape)))).item()).toBe(0);
    // the matrix-vector kernel on the packed form equals a dense product with the reference values
    const x = mx.random.normal([1, K], null, 0, 1, mx.random.key(3));
    const y = mx.quantizedMatmul(x, w, s, b, true, gs, bits);
    const ref = mx.matmul(x, mx.transpose(mx.reshape(want, got.shape)));
    const rel = (mx.max(mx.abs(mx.subtract(y, ref))).item() as number) / (mx.max(mx.abs(ref)).item() as number);
    expect(rel).toBeLessThan(1e-5);
  });
});
