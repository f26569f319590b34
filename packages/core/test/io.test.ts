import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { expectArrayClose } from './helpers/fixtures.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'io');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'mlx-io-'));

describe('npy / npz', () => {
  for (const name of Object.keys(expected).filter((k) => k.endsWith('.npy'))) {
    it(`loads ${name} written by numpy`, () => {
      const a = mx.load(join(dir, name)) as mx.array;
      expectArrayClose(a, expected[name], 0, 0);
    });
  }
  for (const f of ['plain.npz', 'compressed.npz']) {
    it(`loads ${f} written by numpy`, () => {
      const d = mx.load(join(dir, f)) as Record<string, mx.array>;
      expectArrayClose(d.x, expected.npz.x, 0, 0);
      expectArrayClose(d.y, expected.npz.y, 0, 0);
    });
  }
  it('round-trips save/savez for every dtype numpy can hold', () => {
    for (const name of Object.keys(expected).filter((k) => k.endsWith('.npy'))) {
      const a = mx.load(join(dir, name)) as mx.array;
      const p = join(tmp, name);
      mx.save(p, a);
      expectArrayClose(mx.load(p) as mx.array, expected[name], 0, 0);
    }
    const x = mx.load(join(dir, 'float32.npy')) as mx.array;
    mx.savez(join(tmp, 'both.npz'), { x }, x);
    const back = mx.load(join(tmp, 'both.npz')) as Record<string, mx.array>;
    expect(Object.keys(back).sort()).toEqual(['arr_0', 'x']);
    expectArrayClose(back.arr_0, expected['float32.npy'], 0, 0);
  });
});

describe('safetensors', () => {
  for (const f of ['mlx.safetensors', 'hf.safetensors']) {
    it(`loads ${f} with metadata`, () => {
      const [arrays, meta] = mx.load(join(dir, f), undefined, true) as [Record<string, mx.array>, Record<string, string>];
      for (const [k, v] of Object.entries(expected[f])) expectArrayClose(arrays[k], v as any, 0, 0);
      expect(meta.format).toBe(f.startsWith('mlx') ? 'mlx' : 'pt');
    });
  }
  it('saves and reloads, including bfloat16', () => {
    const src = mx.load(join(dir, 'mlx.safetensors')) as Record<string, mx.array>;
    const p = join(tmp, 'out.safetensors');
    mx.saveSafetensors(p, src, { who: 'us' });
    const [back, meta] = mx.load(p, undefined, true) as [Record<string, mx.array>, Record<string, string>];
    for (const [k, v] of Object.entries(expected['mlx.safetensors'])) expectArrayClose(back[k], v as any, 0, 0);
    expect(meta.who).toBe('us');
  });
  it('thousands of truncated and mutated files raise typed errors, never crash', () => {
    const good = readFileSync(join(dir, 'mlx.safetensors'));
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let typed = 0, ok = 0;
    for (let i = 0; i < 2000; i++) {
      let bad: Buffer;
      if (i % 2 === 0) bad = good.subarray(0, Math.floor(rnd() * good.length));
      else {
        bad = Buffer.from(good);
        for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) bad[Math.floor(rnd() * Math.min(bad.length, 200))] = Math.floor(rnd() * 256);
      }
      const p = join(tmp, `fuzz${i % 7}.safetensors`);
      writeFileSync(p, bad);
      try {
        const arrays = mx.load(p, 'safetensors') as Record<string, mx.array>;
        for (const a of Object.values(arrays)) { mx.eval(a); a.dispose(); }
        ok++;
      } catch (e) {
        expect(e).toBeInstanceOf(mx.MlxError);
        typed++;
      }
    }
    expect(typed).toBeGreaterThan(1000);
    expect(ok + typed).toBe(2000);
  });
  it('rejects garbage npy/npz with typed errors', () => {
    const p = join(tmp, 'bad.npy');
    writeFileSync(p, Buffer.from('\x93NUMPY\x01\x00\x40\x00{garbage}'));
    expect(() => mx.load(p)).toThrow(mx.MalformedFileError);
    const q = join(tmp, 'bad.npz');
    writeFileSync(q, Buffer.from('PK not really a zip'));
    expect(() => mx.load(q)).toThrow(mx.MalformedFileError);
  });
});
