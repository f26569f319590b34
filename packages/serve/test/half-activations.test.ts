// Half-precision activations for bf16 checkpoints (lm-adapter.ts, the GPU default): the tiny random llama of
// @mlx/lm's HF parity fixtures, stored in bfloat16. With the option on, the step computes in bfloat16 (what HF
// transformers does with such a checkpoint); its logits stay close to the float32-activation path; and the
// compiled decode step gives the same tokens as the eager one.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadLM, type LM } from '@mlx/lm';
import { PagedKv, Scheduler, batchedFromLM, greedy, type BatchedLM } from '../src/index.js';
import { byteTokenizer } from './tiny-model.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lm', 'test', 'fixtures', 'hf', 'llama');

describe('half-precision activations (bf16 checkpoint)', () => {
  let dir: string;
  let lm: LM;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serve-bf16-'));
    copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
    const w = mx.load(join(fixture, 'model.safetensors')) as Record<string, mx.array>;
    mx.saveSafetensors(join(dir, 'model.safetensors'), Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v.astype(mx.bfloat16)])));
    lm = await loadLM(dir);
  });
  afterAll(() => { lm?.dispose(); if (dir) rmSync(dir, { recursive: true, force: true }); });

  function step(model: BatchedLM, tokens: number[]): { logits: Float32Array; qDtype: mx.Dtype } {
    const kv = new PagedKv(model.kv, 8, 16, 'paged');
    let qDtype = mx.float32;
    const attend = kv.plan([{ blockTable: [0, 1], start: 0, count: tokens.length }]);
    const logits = model.forward(mx.array(Int32Array.from(tokens)), mx.arange(0, tokens.length, 1, mx.int32),
      (l, q, k, v, w) => { qDtype = q.dtype; return attend(l, q, k, v, w); }, mx.array(Int32Array.of(tokens.length - 1)), [tokens.length]);
    const out = logits.toTypedArray() as Float32Array;
    kv.dispose();
    return { logits: out, qDtype };
  }

  it('computes in bfloat16 when on, float32 when off, with close logits', () => {
    const half = batchedFromLM(lm, { halfActivations: true }), full = batchedFromLM(lm, { halfActivations: false });
    const tokens = [1, 17, 42, 99, 5, 63];
    const a = step(half, tokens), b = step(full, tokens);
    expect(a.qDtype).toBe(mx.bfloat16);
    expect(b.qDtype).toBe(mx.float32);
    let num = 0, den = 0;
    for (let i = 0; i < a.logits.length; i++) num += (a.logits[i] - b.logits[i]) ** 2, den += b.logits[i] ** 2;
    expect(Math.sqrt(num / den)).toBeLessThan(5e-2);
    expect(Math.sqrt(num / den)).toBeGreaterThan(0);  // the two paths really differ in precision
  });

  it('compiled and eager decode give the same tokens with bfloat16 activations', async () => {
    const inner = batchedFromLM(lm, { halfActivations: true });
    // The fixture has no tokenizer: the byte tokenizer of the scheduler tests stands in (ids are fed directly).
    const model: BatchedLM = { kv: inner.kv, vocabSize: inner.vocabSize, contextLength: inner.contextLength, tokenizer: byteTokenizer(),
      forward: (...a) => inner.forward(...a) };
    const run = async (compiledDecode: boolean) => {
      const s = new Scheduler(model, { blockSize: 8, prefillChunk: 16, kvMemoryBytes: 1 << 20, compiledDecode });
      const prompts = [[1, 5, 9, 200], [1, 77], [1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 40]];
      const rs = await Promise.all(prompts.map((p) => s.submit({ promptTokens: p, maxTokens: 10, sampling: greedy, ignoreEos: true }).result));
      await s.close();
      return rs.map((r) => r.tokens);
    };
    expect(await run(true)).toEqual(await run(false));
  });
});
