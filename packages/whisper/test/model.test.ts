// Parity with HF transformers (fixtures from scripts/oracles/hf/whisper_parity.py): the same random tiny models
// read from HF safetensors, a CTranslate2 model.bin and the MLX-community layout must give transformers' float32
// encoder output, decoder logits (prompt, then 10 cached steps) and language-id logits.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { loadWhisperModel } from '../src/load.js';
import type { WhisperNet } from '../src/model/whisper.js';
import { Int8Embedding, Int8Linear } from '../src/model/int8.js';

const FIX = join(__dirname, 'fixtures', 'whisper-parity');

function relErr(ours: mx.array, ref: mx.array): number {
  const a = ours.astype(mx.float32), b = ref.astype(mx.float32);
  expect(a.shape).toEqual(b.shape);
  const num = mx.max(mx.abs(mx.subtract(a, b))).item() as number;
  const den = mx.max(mx.abs(b)).item() as number;
  return num / den;
}

function check(model: WhisperNet, io: Record<string, mx.array>, tol: number) {
  const enc = model.embedAudio(io.mel);
  expect(relErr(enc, io.encoder_out)).toBeLessThan(tol);
  const prompt = io.prompt, steps = io.steps;
  const tp = prompt.shape[1];
  const ref = io.logits; // [B, tp + 10, V]
  const cache = model.newCache();
  const first = model.decode(prompt, enc, cache).logits;
  expect(relErr(first, ref.index(mx.Slice(), mx.Slice(0, tp)))).toBeLessThan(tol);
  for (let s = 0; s < steps.shape[1]; s++) {
    const step = model.decode(steps.index(mx.Slice(), mx.Slice(s, s + 1)), enc, cache).logits;
    expect(relErr(step, ref.index(mx.Slice(), mx.Slice(tp + s, tp + s + 1)))).toBeLessThan(tol);
  }
  expect(cache.length).toBe(tp + steps.shape[1]);
  // Language id: logits at the start-of-transcript position over the language tokens.
  const sot = mx.full([2, 1], io.prompt.index(0, 0).item() as number, mx.int32);
  const lang = mx.take(model.decode(sot, enc).logits.index(mx.Slice(), 0), io.lang_ids, 1);
  expect(relErr(lang, io.lang_logits)).toBeLessThan(tol);
  cache.dispose();
}

describe.each(['tiny-en', 'tiny-multi'])('parity with transformers: %s', (name) => {
  const io = mx.load(join(FIX, name, 'io.npz')) as Record<string, mx.array>;
  it.each(['hf', 'ct2', 'mlx'])('%s layout matches within 1e-4 relative (float32)', async (layout) => {
    const { model } = await loadWhisperModel(join(FIX, name, layout));
    check(model, io, 1e-4);
  });
  it('CT2 int8 (per-row scales) stays close to float32: dequantized, and kept int8 (int8 x int8 products) by default', async () => {
    const { model } = await loadWhisperModel(join(FIX, name, 'ct2-int8'), { dtype: 'float32' });
    check(model, io, 3e-2);
    const q = (await loadWhisperModel(join(FIX, name, 'ct2-int8'))).model;
    const leaves = q.leafModules().map(([, m]) => m);
    expect(leaves.some((m) => m instanceof nn.Linear || m instanceof nn.QuantizedLinear)).toBe(false);
    expect(leaves.filter((m) => m instanceof Int8Linear).length).toBeGreaterThan(0);
    expect(leaves.some((m) => m instanceof Int8Embedding)).toBe(true);
    check(q, io, 6e-2);
  });
  it("quantize: 'int8' on float weights stays close; bad quantize values are typed errors", async () => {
    const q = (await loadWhisperModel(join(FIX, name, 'hf'), { quantize: 'int8' })).model;
    check(q, io, 6e-2);
    await expect(loadWhisperModel(join(FIX, name, 'hf'), { quantize: 'int4' as never })).rejects.toBeInstanceOf(mx.InvalidArgumentError);
    await expect(loadWhisperModel(join(FIX, name, 'hf'), { quantize: 'int8', dtype: 'float16' })).rejects.toBeInstanceOf(mx.InvalidArgumentError);
  });
  it('float16 and 8-bit quantized variants stay close', async () => {
    const f16 = (await loadWhisperModel(join(FIX, name, 'hf'), { dtype: 'float16' })).model;
    const enc = f16.embedAudio(io.mel);
    expect(enc.dtype).toBe(mx.float16);
    expect(relErr(enc, io.encoder_out)).toBeLessThan(1e-2);
    const q = (await loadWhisperModel(join(FIX, name, 'hf'), { quantize: { bits: 8, groupSize: 32 } })).model;
    const logits = q.decode(io.prompt, q.embedAudio(io.mel)).logits;
    expect(relErr(logits, io.logits.index(mx.Slice(), mx.Slice(0, io.prompt.shape[1])))).toBeLessThan(3e-2);
  });
});

describe('decoder cache', () => {
  it('reorder duplicates batch rows (beam search) and crossQK has the documented shape', async () => {
    const io = mx.load(join(FIX, 'tiny-en', 'io.npz')) as Record<string, mx.array>;
    const { model } = await loadWhisperModel(join(FIX, 'tiny-en', 'hf'));
    const enc = model.embedAudio(io.mel);
    const cache = model.newCache();
    model.decode(io.prompt, enc, cache);
    cache.reorder(mx.array([1, 1, 0], mx.int32));
    const enc3 = mx.take(enc, mx.array([1, 1, 0], mx.int32), 0);
    const step = io.steps.index(mx.array([1, 1, 0], mx.int32), mx.Slice(0, 1));
    const r = model.decode(step, enc3, cache, { crossAttention: true });
    const ref = io.logits.index(mx.array([1, 1, 0], mx.int32), mx.Slice(4, 5));
    expect(relErr(r.logits, ref)).toBeLessThan(1e-4);
    expect(r.crossQK).toHaveLength(model.dims.nTextLayer);
    expect(r.crossQK![0].shape).toEqual([3, model.dims.nTextHead, 1, model.dims.nAudioCtx]);
    // Positions beyond the text context are refused with a typed error.
    const long = mx.zeros([1, model.dims.nTextCtx + 1], mx.int32);
    expect(() => model.decode(long, enc.index(mx.Slice(0, 1)))).toThrow(mx.InvalidArgumentError);
    expect(() => model.embedAudio(mx.zeros([1, 7, 10]))).toThrow(mx.ShapeError);
  });
  it('one audio, several rows: batch-1 cross K/V with folded queries equals repeated audio; positions picks rows', async () => {
    const io = mx.load(join(FIX, 'tiny-en', 'io.npz')) as Record<string, mx.array>;
    const { model } = await loadWhisperModel(join(FIX, 'tiny-en', 'hf'));
    const enc1 = model.embedAudio(io.mel).index(mx.Slice(0, 1));
    const prompt = io.prompt.index(mx.Slice(0, 1));
    const tp = prompt.shape[1];
    const cache = model.newCache();
    const first = model.decode(prompt, enc1, cache, { positions: [0, -1] }).logits;
    expect(first.shape[1]).toBe(2);
    expect(relErr(first.index(mx.Slice(), mx.Slice(0, 1)), io.logits.index(mx.Slice(0, 1), mx.Slice(0, 1)))).toBeLessThan(1e-4);
    expect(relErr(first.index(mx.Slice(), mx.Slice(1, 2)), io.logits.index(mx.Slice(0, 1), mx.Slice(tp - 1, tp)))).toBeLessThan(1e-4);
    cache.reorder(mx.zeros([3], mx.int32));
    const step = mx.repeat(io.steps.index(mx.Slice(0, 1), mx.Slice(0, 1)), 3, 0);
    const r = model.decode(step, enc1, cache, { crossAttention: true });
    expect(relErr(r.logits, mx.repeat(io.logits.index(mx.Slice(0, 1), mx.Slice(tp, tp + 1)), 3, 0))).toBeLessThan(1e-4);
    // The same step with the audio repeated to 3 rows (no folding) gives the same cross-attention logits.
    const c2 = model.newCache();
    model.decode(mx.repeat(prompt, 3, 0), mx.repeat(enc1, 3, 0), c2);
    const r2 = model.decode(step, mx.repeat(enc1, 3, 0), c2, { crossAttention: true });
    expect(r.crossQK![1].shape).toEqual([3, model.dims.nTextHead, 1, model.dims.nAudioCtx]);
    expect(relErr(r.crossQK![1], r2.crossQK![1])).toBeLessThan(1e-5);
    expect(() => model.decode(prompt, enc1, undefined, { positions: [tp] })).toThrow(mx.InvalidArgumentError);
    cache.dispose(); c2.dispose();
  });
  it('decode loops keep native handles flat (cache owns and frees its K/V)', async () => {
    const io = mx.load(join(FIX, 'tiny-en', 'io.npz')) as Record<string, mx.array>;
    const { model } = await loadWhisperModel(join(FIX, 'tiny-en', 'hf'));
    const counts: number[] = [];
    for (let round = 0; round < 3; round++) {
      const enc = model.embedAudio(io.mel);
      const cache = model.newCache();
      for (let s = 0; s < 12; s++) {
        const id = mx.tidy(() => mx.argmax(model.decode(mx.array([[s + 1], [s + 2]], mx.int32), enc, cache).logits, -1));
        mx.eval(id);
        id.dispose();
      }
      cache.dispose();
      enc.dispose();
      counts.push(mx.getWrappersCount());
    }
    expect(counts[2]).toBe(counts[1]);
  });
});
