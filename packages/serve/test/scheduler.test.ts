import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { Scheduler, greedy } from '../src/index.js';
import { samplePrompts, tinyLlama, byteTokenizer } from './tiny-model.js';

const tiny = tinyLlama(7);
const tok = byteTokenizer();
afterAll(() => tiny.model.dispose());

const prompts = samplePrompts;

describe('Scheduler (tiny random llama)', () => {
  it('batched, paged, chunk-prefilled greedy output equals an uncached single-sequence reference', async () => {
    const s = new Scheduler(tiny.model, { blockSize: 8, prefillChunk: 24, kvMemoryBytes: 4 << 20 });
    const handles = prompts.map((p) => s.submit({ promptTokens: tok.encode(p), maxTokens: 12, sampling: greedy, ignoreEos: true }));
    const results = await Promise.all(handles.map((h) => h.result));
    for (let i = 0; i < prompts.length; i++) {
      expect(results[i].finishReason).toBe('length');
      expect(results[i].tokens).toEqual(tiny.referenceGreedy(tok.encode(prompts[i]), 12).slice(0, 12));
    }
    const m = s.metrics();
    expect(m.running).toBe(0);
    expect(m.kv.used).toBe(0);   // every block back in the pool (free or prefix-cached)
    await s.close();
  });

  it('the gathered-attention path (other devices) gives the same tokens as pagedAttention', async () => {
    const run = async (attention: 'paged' | 'gather') => {
      const s = new Scheduler(tiny.model, { blockSize: 8, prefillChunk: 24, kvMemoryBytes: 4 << 20, attention });
      const rs = await Promise.all(prompts.map((p) => s.submit({ promptTokens: tok.encode(p), maxTokens: 10, sampling: greedy, ignoreEos: true }).result));
      await s.close();
      return rs.map((r) => r.tokens);
    };
    expect(await run('gather')).toEqual(await run('paged'));
  });

  it('requests arriving mid-generation join the running batch and still match the reference', async () => {
    const s = new Scheduler(tiny.model, { blockSize: 4, prefillChunk: 5, kvMemoryBytes: 4 << 20 });
    const first = s.submit({ promptTokens: tok.encode(prompts[0]), maxTokens: 20, sampling: greedy, ignoreEos: true });
    let count = 0;
    let late: ReturnType<Scheduler['submit']> | undefined;
    for await (const d of first) {
      count += d.tokens.length;
      if (count === 3 && !late) late = s.submit({ promptTokens: tok.encode(prompts[2]), maxTokens: 8, sampling: greedy, ignoreEos: true });
    }
    const r2 = await late!.result;
    expect(r2.tokens).toEqual(tiny.referenceGreedy(tok.encode(prompts[2]), 8));
    expect((await first.result).tokens).toEqual(tiny.referenceGreedy(tok.encode(prompts[0]), 20));
    expect(s.metrics().steps).toBeLessThan(20 + 8 + 25);  // the two overlapped rather than ran back to back
    await s.close();
  });

  it('prefix cache: a repeated prompt reuses its full blocks and gives the same tokens', async () => {
    const s = new Scheduler(tiny.model, { blockSize: 8, kvMemoryBytes: 4 << 20 });
    const ids = tok.encode(prompts[2]);
    const a = await s.submit({ promptTokens: ids, maxTokens: 6, sampling: greedy, ignoreEos: true }).result;
    const b = await s.submit({ promptTokens: ids, maxTokens: 6, sampling: greedy, ignoreEos: true }).result;
    expect(a.cachedPromptTokens).toBe(0);
    expect(b.cachedPromptTokens).toBe(Math.floor((ids.length - 1) / 8) * 8);
    expect(b.tokens).toEqual(a.tokens);
    // a prompt sharing only the first blocks reuses just those
    const other = [...ids.slice(0, 20), 77, 78, 79];
    const c = await s.submit({ promptTokens: other, maxTokens: 4, sampling: greedy, ignoreEos: true }).result;
    expect(c.cachedPromptTokens).toBe(16);
    expect(c.tokens).toEqual(tiny.referenceGreedy(other, 4));
    await s.close();
  });

  it('admission control: the KV budget is never exceeded; requests wait and all complete', async () => {
    // 6 blocks of 8 tokens: each request needs ceil((len + 10) / 8) blocks, so only a few fit at once.
    const bytesPerToken = 2 * 2 * 2 * 16 * 4;
    const s = new Scheduler(tiny.model, { blockSize: 8, kvMemoryBytes: bytesPerToken * 8 * 6, prefixCache: false });
    const hs = prompts.slice(0, 4).map((p) => s.submit({ promptTokens: tok.encode(p).slice(0, 30), maxTokens: 10, sampling: greedy, ignoreEos: true }));
    let maxUsed = 0;
    let sawQueue = false;
    const timer = setInterval(() => {
      const m = s.metrics();
      maxUsed = Math.max(maxUsed, m.kv.used + m.kv.reserved);
      if (m.queueDepth > 0 && m.running > 0) sawQueue = true;
    }, 1);
    const rs = await Promise.all(hs.map((h) => h.result));
    clearInterval(timer);
    expect(rs.map((r) => r.finishReason)).toEqual(['length', 'length', 'length', 'length']);
    expect(maxUsed).toBeLessThanOrEqual(6);
    expect(sawQueue).toBe(true);
    for (let i = 0; i < 4; i++) expect(rs[i].tokens).toEqual(tiny.referenceGreedy(tok.encode(prompts[i]).slice(0, 30), 10));
    await s.close();
  });

  it('rejects prompts longer than the context or the KV budget with a typed error', () => {
    const s = new Scheduler(tiny.model, { blockSize: 8, kvMemoryBytes: 2 * 2 * 2 * 16 * 4 * 8 * 4 });
    expect(() => s.submit({ promptTokens: new Array(40).fill(5), maxTokens: 1, sampling: greedy })).toThrow(expect.objectContaining({ code: 'context_length_exceeded', status: 400 }));
    expect(() => s.submit({ promptTokens: [], maxTokens: 1, sampling: greedy })).toThrow(expect.objectContaining({ status: 400 }));
    void s.close();
  });

  it('cancellation mid-stream frees the sequence and its blocks; other requests continue', async () => {
    const s = new Scheduler(tiny.model, { blockSize: 8, kvMemoryBytes: 4 << 20, prefixCache: false });
    const ac = new AbortController();
    const victim = s.submit({ promptTokens: tok.encode(prompts[0]), maxTokens: 200, sampling: greedy, ignoreEos: true, signal: ac.signal });
    const other = s.submit({ promptTokens: tok.encode(prompts[1]), maxTokens: 15, sampling: greedy, ignoreEos: true });
    let n = 0;
    for await (const d of victim) { n += d.tokens.length; if (n >= 3) ac.abort(); }
    const r = await victim.result;
    expect(r.finishReason).toBe('cancelled');
    expect(r.tokens.length).toBeLessThan(10);
    expect((await other.result).tokens).toEqual(tiny.referenceGreedy(tok.encode(prompts[1]), 15));
    await s.idle();
    expect(s.metrics().kv.used).toBe(0);
    expect(s.metrics().kv.reserved).toBe(0);
    await s.close();
  });

  it('stop strings end generation and are not emitted; sampling with a seed is reproducible', async () => {
    const s = new Scheduler(tiny.model, { kvMemoryBytes: 4 << 20 });
    const ids = tok.encode(prompts[0]);
    const full = await s.submit({ promptTokens: ids, maxTokens: 16, sampling: greedy, ignoreEos: true }).result;
    const stopAt = full.text.slice(5, 7);
    expect(stopAt.length).toBe(2);
    const cut = await s.submit({ promptTokens: ids, maxTokens: 16, sampling: greedy, ignoreEos: true, stop: [stopAt] }).result;
    expect(cut.finishReason).toBe('stop');
    expect(cut.text).toBe(full.text.slice(0, full.text.indexOf(stopAt)));
    const samp = { ...greedy, temperature: 4, topP: 0.98, topK: 200, seed: 3 };
    const a = await s.submit({ promptTokens: ids, maxTokens: 10, sampling: samp, ignoreEos: true }).result;
    const b = await s.submit({ promptTokens: ids, maxTokens: 10, sampling: samp, ignoreEos: true }).result;
    const c = await s.submit({ promptTokens: ids, maxTokens: 10, sampling: { ...samp, seed: 4 }, ignoreEos: true }).result;
    expect(a.tokens).toEqual(b.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
    await s.close();
  });

  it('keeps native memory flat across many steps', async () => {
    const s = new Scheduler(tiny.model, { kvMemoryBytes: 4 << 20 });
    // Warm with the same workload: each batch-size bucket compiles its step (and on the GPU captures a
    // CUDA graph with its own buffers) once; the second identical run must not grow.
    const workload = () => Promise.all(prompts.map((p) => s.submit({ promptTokens: tok.encode(p), maxTokens: 30, sampling: greedy, ignoreEos: true }).result));
    await workload();
    const before = mx.getActiveMemory();
    const w0 = mx.getWrappersCount();
    await workload();
    expect(mx.getActiveMemory() - before).toBeLessThan(1 << 20);
    expect(mx.getWrappersCount() - w0).toBeLessThan(50);
    await s.close();
  });
});
