// GGUF Q5_0 / Q6_K repacked from @mlx/core's 8-bit affine form to 5 / 6 bits (loaders/narrow.ts): the values
// s·q + b stay identical to the reference `gguf` package's dequantization (fixture of @mlx/core's GGUF tests).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { narrowGgufTensors, packLevels } from '../src/loaders/narrow.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../core/test/fixtures/gguf');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const reference = (name: string) => {
  const e = expected.tensors[name].expected;
  const b = Buffer.from(e.data, 'base64');
  return mx.reshape(mx.array(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))), e.shape);
};

describe('narrowGgufTensors', () => {
  it('packs levels as a little-endian bit stream', () => {
    const levels = Array.from({ length: 32 }, (_, i) => (i * 7 + 3) % 32);
    const packed = new Uint8Array(packLevels(Uint8Array.from(levels), 5).buffer);
    expect(packed.length).toBe(20);
    let bitsValue = 0n;
    for (let i = packed.length - 1; i >= 0; i--) bitsValue = (bitsValue << 8n) | BigInt(packed[i]);
    for (const [k, v] of levels.entries()) expect(Number((bitsValue >> BigInt(5 * k)) & 31n)).toBe(v);
  });

  it.each([['q5_0', 'Q5_0', 5, 32, mx.float16], ['q6_k', 'Q6_K', 6, 16, mx.float32]] as const)(
    '%s (%s) → %i bits, groups of %i, exact values', (q, type, bits, gs, sdt) => {
      const [arrays] = mx.loadGguf(join(dir, 'types.gguf'), { kQuantsAsAffine: true });
      const base = `blk.${q}`;
      narrowGgufTensors(arrays, (b) => (b === base ? type : undefined));
      const w = arrays[`${base}.weight`], s = arrays[`${base}.scales`], b = arrays[`${base}.biases`];
      const want = reference(`${base}.weight`);
      const K = want.shape[want.ndim - 1];
      expect(w.shape[w.ndim - 1]).toBe((K * bits) / 32);
      expect(s.dtype).toBe(sdt);
      const got = mx.dequantize(w, s.astype(mx.float32), b.astype(mx.float32), gs, bits);
      expect(mx.max(mx.abs(mx.subtract(got, mx.reshape(want, got.shape)))).item()).toBe(0);
      const x = mx.random.normal([1, K], null, 0, 1, mx.random.key(5));
      const y = mx.quantizedMatmul(x, w, s, b, true, gs, bits);
      const ref = mx.matmul(x, mx.transpose(mx.reshape(want, got.shape)));
      expect((mx.max(mx.abs(mx.subtract(y, ref))).item() as number) / (mx.max(mx.abs(ref)).item() as number)).toBeLessThan(1e-5);
    });
});
