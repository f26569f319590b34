// The compiled fixed-shape decode step (compiled-decode.ts; the GPU default) against the uncached reference and
// the eager scheduler path, on the tiny random llama. Runs on any device (forced on with compiledDecode: true).
import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { CompiledDecode, PagedKv, Scheduler, greedy } from '../src/index.js';
import { samplePrompts, tinyLlama, byteTokenizer } from './tiny-model.js';

const tiny = tinyLlama(11);
const tok = byteTokenizer();
afterAll(() => tiny.model.dispose());

const prompts = [...samplePrompts, 'Padding rows must never leak into real ones.'];

describe('CompiledDecode', () => {
  it('greedy output through the compiled step equals the uncached reference and the eager path', async () => {
    const run = async (compiledDecode: boolean) => {
      const s = new Scheduler(tiny.model, { blockSize: 8, prefillChunk: 24, kvMemoryBytes: 4 << 20, compiledDecode });
      expect(s.compiledDecode).toBe(compiledDecode);
      const rs = await Promise.all(prompts.map((p) => s.submit({ promptTokens: tok.encode(p), maxTokens: 14, sampling: greedy, ignoreEos: true }).result));
      expect(s.metrics().kv.used).toBe(0);
      await s.close();
      return rs.map((r) => r.tokens);
    };
    const compiled = await run(true);
    prompts.forEach((p, i) => expect(compiled[i]).toEqual(tiny.referenceGreedy(tok.encode(p), 14).slice(0, 14)));
    expect(compiled).toEqual(await run(false));
  });

  it('requests joining mid-generation (bucket changes) and seeded sampling match the eager path', async () => {
    const run = async (compiledDecode: boolean) => {
      const s = new Scheduler(tiny.model, { blockSize: 8, prefillChunk: 16, kvMemoryBytes: 4 << 20, compiledDecode });
      const first = s.submit({ promptTokens: tok.encode(prompts[0]), maxTokens: 20, sampling: greedy, ignoreEos: true });
      const sampled = s.submit({ promptTokens: tok.encode(prompts[5]), maxTokens: 12, sampling: { ...greedy, temperature: 0.8, topP: 0.9, repetitionPenalty: 1.1, seed: 5 }, ignoreEos: true });
      let late: Promise<number[]>[] = [];
      let count = 0;
      for await (const d of first) {
        count += d.tokens.length;
        if (count === 4 && !late.length) {
          late = prompts.slice(1, 5).map((p) => s.submit({ promptTokens: tok.encode(p), maxTokens: 9, sampling: greedy, ignoreEos: true }).result.then((r) => r.tokens));
        }
      }
      const out = [(await first.result).tokens, (await sampled.result).tokens, ...(await Promise.all(late))];
      await s.close();
      return out;
    };
    const compiled = await run(true);
    expect(compiled[0]).toEqual(tiny.referenceGreedy(tok.encode(prompts[0]), 20).slice(0, 20));
    expect(compiled[1].length).toBe(12);
    expect(compiled).toEqual(await run(false));
  });

  it('traces once per (bucket, width) and pads rows to the bucket', () => {
    const kv = new PagedKv(tiny.model.kv, 16, 8, 'paged');
    const step = new CompiledDecode(tiny.model, kv);
    expect(step.bucketFor(1)).toBe(1);
    expect(step.bucketFor(3)).toBe(8);
    expect(step.bucketFor(33)).toBe(64);
    expect(() => step.bucketFor(65)).toThrow(RangeError);
    expect(CompiledDecode.widthFor(5)).toBe(128);
    expect(CompiledDecode.widthFor(129)).toBe(256);
    const rows = [0, 1, 2].map((b) => ({ token: 10 + b, position: 0, blockTable: [b] }));
    for (let i = 0; i < 3; i++) {
      const { tokens, logits } = mx.tidy(() => step.step(rows.map((r) => ({ ...r, position: i }))));
      mx.eval(tokens, logits, ...kv.pools);
      expect(tokens.shape).toEqual([3]);
      expect(logits.shape).toEqual([3, tiny.model.vocabSize]);
      mx.dispose(tokens, logits);
    }
    expect([...step.traced]).toEqual(['8x128']);
    expect(step.stateMap()[0]).toEqual([2, 6]);
    step.dispose();
    kv.dispose();
  });

  it('keeps native memory flat across compiled steps', async () => {
    const s = new Scheduler(tiny.model, { blockSize: 8, prefillChunk: 24, kvMemoryBytes: 4 << 20, compiledDecode: true });
    // Warm with the same workload: each batch-size bucket compiles its step (and on the GPU captures a
    // CUDA graph with its own buffers) once; the second identical run must not grow.
    const workload = () => Promise.all(prompts.map((p) => s.submit({ promptTokens: tok.encode(p), maxTokens: 30, sampling: greedy, ignoreEos: true }).result));
    await workload();
    const before = mx.getActiveMemory();
    await workload();
    expect(mx.getActiveMemory() - before).toBeLessThan(1 << 20);
    await s.close();
  });
});
