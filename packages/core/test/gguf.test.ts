import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode, expectArrayClose } from './helpers/fixtures.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'gguf');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const file = join(dir, 'types.gguf');
const tmp = mkdtempSync(join(tmpdir(), 'mlx-gguf-'));

// Unpacks MLX affine groups (group 32) back to float32 values: q * scale + bias.
function affineValues(wq: mx.array, scales: mx.array, biases: mx.array, bits: number): number[] {
  const words = Array.from(wq.toTypedArray() as Uint32Array);
  const sc = Array.from(mx.astype(scales, mx.float32).toTypedArray() as Float32Array);
  const bi = Array.from(mx.astype(biases, mx.float32).toTypedArray() as Float32Array);
  const per = 32 / bits, mask = (1 << bits) - 1, out: number[] = [];
  const f = new Float32Array(1);
  words.forEach((w, k) => {
    for (let j = 0; j < per; j++) {
      const g = Math.floor((k * per + j) / 32);
      f[0] = Math.fround(((w >>> (bits * j)) & mask) * sc[g]) + bi[g];
      out.push(f[0]);
    }
  });
  return out;
}

describe('GGUF', () => {
  it('reads metadata of every kind', () => {
    const h = mx.readGgufHeader(file);
    expect(h.version).toBe(3);
    for (const [k, v] of Object.entries(expected.metadata)) expect(h.metadata[k]).toEqual(v);
    expect(h.tensors.map((t) => t.name).sort()).toEqual(Object.keys(expected.tensors).sort());
  });
  it('dequantizes every type exactly like the reference gguf package', () => {
    const [arrays] = mx.loadGguf(file, { dequantize: true });
    for (const [name, t] of Object.entries<any>(expected.tensors)) expectArrayClose(arrays[name], t.expected, 0, 0);
  });
  it('keeps Q4_0/Q4_1/Q8_0 quantized in the affine layout with exact values', () => {
    const arrays = mx.load(file) as Record<string, mx.array>;
    for (const [q, bits] of [['q4_0', 4], ['q4_1', 4], ['q8_0', 8]] as const) {
      const base = `blk.${q}`;
      const w = arrays[`${base}.weight`];
      expect(w.dtype).toBe(mx.uint32);
      expect(arrays[`${base}.scales`].dtype).toBe(mx.float16);
      const got = affineValues(w, arrays[`${base}.scales`], arrays[`${base}.biases`], bits);
      const want = Array.from(mx.astype(decode(expected.tensors[`${base}.weight`].expected), mx.float32).toTypedArray() as Float32Array);
      // Equal values; the affine form yields +0 where d·(q−8) gives −0.
      const noNegZero = (v: number[]) => v.map((x) => (x === 0 ? 0 : x));
      expect(noNegZero(got)).toEqual(noNegZero(want));
    }
    expect(arrays['blk.q6_k.weight'].dtype).toBe(mx.float32);
  });
  it('writes files whose quantized blocks equal the reference quantizer and round-trip', () => {
    const ref = JSON.parse(readFileSync(join(dir, 'quantize.json'), 'utf8'));
    const x = decode(ref.input);
    const p = join(tmp, 'out.gguf');
    mx.saveGguf(p, { 'a.weight': x, 'b.weight': x, 'c.weight': x, 'd': mx.astype(x, mx.float16) },
      { 'general.architecture': 'llama', 'x.count': 3, 'x.list': ['p', 'q'], 'x.f': 0.5 },
      { 'a.weight': 'Q4_0', 'b.weight': 'Q4_1', 'c.weight': 'Q8_0' });
    const h = mx.readGgufHeader(p);
    expect(h.metadata['x.list']).toEqual(['p', 'q']);
    expect(h.metadata['x.count']).toBe(3);
    const bytes = readFileSync(p);
    for (const [name, q] of [['a.weight', 'Q4_0'], ['b.weight', 'Q4_1'], ['c.weight', 'Q8_0']]) {
      const t = h.tensors.find((t) => t.name === name)!;
      expect(t.type).toBe(q);
      const want = Buffer.from(ref[q].data, 'base64');
      expect(Buffer.compare(bytes.subarray(t.offset, t.offset + t.nbytes), want)).toBe(0);
    }
    const [back] = mx.loadGguf(p, { dequantize: true });
    expectArrayClose(back.d, mx.astype(x, mx.float16), 0, 0);
    expect(back['a.weight'].shape).toEqual([4, 64]);
  });
  it('truncated and mutated files raise typed errors, never crash', () => {
    const good = readFileSync(file);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let typed = 0;
    for (let i = 0; i < 1500; i++) {
      let bad: Buffer;
      if (i % 2 === 0) bad = good.subarray(0, Math.floor(rnd() * good.length));
      else {
        bad = Buffer.from(good);
        for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) bad[Math.floor(rnd() * Math.min(bad.length, 1200))] = Math.floor(rnd() * 256);
      }
      const p = join(tmp, `fuzz${i % 5}.gguf`);
      writeFileSync(p, bad);
      try {
        const [arrays] = mx.loadGguf(p, { dequantize: i % 3 === 0 });
        for (const a of Object.values(arrays)) { mx.eval(a); a.dispose(); }
      } catch (e) {
        expect(e).toBeInstanceOf(mx.MlxError);
        typed++;
      }
    }
    expect(typed).toBeGreaterThan(700);
  });
});
