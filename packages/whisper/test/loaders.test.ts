// Malformed model files must give typed errors (file + byte offset) and leave the process healthy.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { parseCt2 } from '../src/loaders/ct2.js';
import { loadWhisper, loadWhisperModel, resolveWhisperPath } from '../src/load.js';
import { ModelFormatError, ModelNotFoundError } from '../src/errors.js';

const FIX = join(__dirname, 'fixtures', 'whisper-parity', 'tiny-en');
const good = readFileSync(join(FIX, 'ct2', 'model.bin'));

function rng(seed: number) { return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32); }

describe('CTranslate2 model.bin', () => {
  it('parses the fixture: version, spec, variables, aliases', () => {
    const f = parseCt2(good);
    expect(f.version).toBe(6);
    expect(f.specName).toBe('WhisperSpec');
    expect(f.variables.get('encoder/conv1/weight')!.shape).toEqual([48, 80, 3]);
    expect(f.aliases.get('decoder/projection/weight')).toBe('decoder/embeddings/weight');
  });

  it('every truncation gives ModelFormatError with the file name and an offset inside the file', () => {
    const r = rng(1);
    const cuts = [0, 1, 3, 4, 5, 10, 20, 40, 100, good.length - 1, good.length - 5];
    for (let i = 0; i < 60; i++) cuts.push(Math.floor(r() * good.length));
    for (const cut of cuts) {
      let err: unknown;
      try { parseCt2(good.subarray(0, cut), 'm.bin'); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ModelFormatError);
      const e = err as ModelFormatError;
      expect(e.code).toBe('MLX_MODEL_FORMAT');
      expect(e.file).toBe('m.bin');
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.offset).toBeLessThanOrEqual(cut);
    }
  });

  it('bit flips in the header and tables give ModelFormatError or a clean parse, never a crash', () => {
    const r = rng(2);
    const table = [...parseCt2(good).variables.values()].slice(0, 6).map((v) => v.offset);
    let typed = 0;
    for (let i = 0; i < 300; i++) {
      const b = Uint8Array.from(good);
      const region = table[Math.floor(r() * table.length)];
      const at = i % 3 === 0 ? Math.floor(r() * 40) : Math.max(0, region - 1 - Math.floor(r() * 40));
      b[at] ^= 1 << Math.floor(r() * 8);
      try { parseCt2(b); } catch (e) { expect(e).toBeInstanceOf(ModelFormatError); typed++; }
    }
    expect(typed).toBeGreaterThan(100);
    // Trailing garbage and unknown versions are refused too.
    expect(() => parseCt2(Buffer.concat([good, Buffer.from([1, 2, 3])]))).toThrow(/trailing/);
    const v9 = Uint8Array.from(good); v9[0] = 9;
    expect(() => parseCt2(v9)).toThrow(/version 9/);
  });

  it('loadWhisperModel on a truncated file throws ModelFormatError; the process stays usable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wm-'));
    writeFileSync(join(dir, 'model.bin'), good.subarray(0, good.length >> 1));
    await expect(loadWhisperModel(dir)).rejects.toBeInstanceOf(ModelFormatError);
    const { model } = await loadWhisperModel(join(FIX, 'ct2'));
    expect(model.dims.nAudioState).toBe(48);
  });
});

describe('other layouts and names', () => {
  it('truncated safetensors and corrupt config.json give typed errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wm-'));
    copyFileSync(join(FIX, 'hf', 'config.json'), join(dir, 'config.json'));
    const st = readFileSync(join(FIX, 'hf', 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), st.subarray(0, 1000));
    const e1 = await loadWhisperModel(dir).catch((e) => e);
    expect(e1).toBeInstanceOf(mx.MlxError);
    expect(['MLX_MODEL_FORMAT', 'MLX_MALFORMED_FILE']).toContain(e1.code);
    writeFileSync(join(dir, 'model.safetensors'), st);
    writeFileSync(join(dir, 'config.json'), '{"d_model": 48,');
    await expect(loadWhisperModel(dir)).rejects.toBeInstanceOf(ModelFormatError);
  });

  it('missing tensors, unknown names and cancellation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wm-'));
    copyFileSync(join(FIX, 'mlx', 'config.json'), join(dir, 'config.json'));
    const t = mx.load(join(FIX, 'mlx', 'weights.safetensors')) as Record<string, mx.array>;
    delete t['decoder.ln.weight'];
    mx.saveSafetensors(join(dir, 'weights.safetensors'), t);
    await expect(loadWhisperModel(dir)).rejects.toThrow(/decoder\.ln\.weight/);
    await expect(resolveWhisperPath('no-such-model-xyz')).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(loadWhisper(mkdtempSync(join(tmpdir(), 'wm-')))).rejects.toBeInstanceOf(ModelNotFoundError);
    const ac = new AbortController();
    ac.abort();
    await expect(loadWhisperModel(join(FIX, 'ct2'), { signal: ac.signal })).rejects.toBeInstanceOf(mx.CancelledError);
  });
});
