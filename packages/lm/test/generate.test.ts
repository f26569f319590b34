// Generation behaviour on the tiny HF fixture models (token ids in, token ids out; no tokenizer needed).
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import {
  ContextLengthError, GenerationOptionsError, KVCache, loadLM, QuantizedKVCache, ModelFormatError, StopStringMatcher, UnknownArchitectureError,
} from '../src/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hf');
const tmp = mkdtempSync(join(tmpdir(), 'mlx-lm-'));
const prompt = [5, 17, 99, 3, 42, 7, 64, 120, 11];

/** Greedy tokens by plain forward passes, one token at a time (no pipelining, no prompt cache). */
async function stepwiseGreedy(name: string, ids: number[], n: number): Promise<number[]> {
  const lm = await loadLM(join(fixtures, name));
  const caches = lm.model.newCache();
  const out: number[] = [];
  let input = ids;
  for (let i = 0; i < n; i++) {
    const logits = lm.model.forward(mx.array(Int32Array.from(input)).reshape([1, input.length]), caches, { lastOnly: true });
    const t = mx.argmax(mx.reshape(logits, [-1])).item() as number;
    out.push(t);
    input = [t];
  }
  lm.dispose();
  return out;
}

describe('generation', () => {
  it.each(['llama', 'gemma3'])('%s: pipelined generate equals step-by-step greedy decoding', async (name) => {
    const want = await stepwiseGreedy(name, prompt, 12);
    const lm = await loadLM(join(fixtures, name));
    const r = await lm.generate(prompt, { maxTokens: 12 });
    expect(r.tokens).toEqual(want);
    expect(r.finishReason).toBe('length');
    expect(r.stats.promptTokens).toBe(prompt.length);
    expect(r.stats.generationTokens).toBe(12);
    lm.dispose();
  });

  it('reuses the prompt cache for a shared prefix and gives the same tokens as a fresh cache', async () => {
    const lm = await loadLM(join(fixtures, 'qwen3'));
    const first = await lm.generate(prompt, { maxTokens: 4 });
    const longer = [...prompt, ...first.tokens, 8, 9];
    const reused = await lm.generate(longer, { maxTokens: 6 });
    expect(reused.stats.prefilledTokens).toBeLessThan(longer.length);
    const fresh = await lm.generate(longer, { maxTokens: 6, reuseCache: false });
    expect(fresh.stats.prefilledTokens).toBe(longer.length);
    expect(reused.tokens).toEqual(fresh.tokens);
    lm.dispose();
  });

  it.each(['llama', 'gemma3'])('%s: a left-padded batch gives each prompt its own greedy tokens', async (name) => {
    const prompts = [prompt, prompt.slice(0, 4), [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7]];
    const want = await Promise.all(prompts.map((p) => stepwiseGreedy(name, p, 10)));
    const lm = await loadLM(join(fixtures, name));
    const res = await lm.generateBatch(prompts, { maxTokens: 10 });
    expect(res.map((r) => r.tokens)).toEqual(want);
    lm.dispose();
  });

  it('chunked prefill gives the same tokens as one chunk (gemma3: window 8 < prompt)', async () => {
    const lm = await loadLM(join(fixtures, 'gemma3'));
    const long = Array.from({ length: 30 }, (_, i) => (i * 37) % 128);
    const a = await lm.generate(long, { maxTokens: 8, reuseCache: false });
    const b = await lm.generate(long, { maxTokens: 8, reuseCache: false, prefillStep: 7 });
    expect(b.tokens).toEqual(a.tokens);
    lm.dispose();
  });

  it('seeded sampling is reproducible and respects topK', async () => {
    const lm = await loadLM(join(fixtures, 'qwen2'));
    const opts = { maxTokens: 16, temperature: 1.5, topK: 3, seed: 7, reuseCache: false };
    const a = await lm.generate(prompt, opts), b = await lm.generate(prompt, opts);
    expect(a.tokens).toEqual(b.tokens);
    const c = await lm.generate(prompt, { ...opts, seed: 8 });
    expect(c.tokens).not.toEqual(a.tokens);
    // the first sampled token is among the 3 most likely
    const logits = mx.reshape(lm.model.forward(mx.array(Int32Array.from(prompt)).reshape([1, prompt.length]), lm.model.newCache(), { lastOnly: true }), [-1]);
    const top3 = Array.from(mx.argsort(mx.negative(logits)).toTypedArray() as Int32Array).slice(0, 3);
    expect(top3).toContain(a.tokens[0]);
    lm.dispose();
  });

  it('logit bias and repetition penalty change the choice as specified', async () => {
    const lm = await loadLM(join(fixtures, 'llama'));
    const r = await lm.generate(prompt, { maxTokens: 5, logitBias: { 77: 1000 }, reuseCache: false });
    expect(r.tokens).toEqual([77, 77, 77, 77, 77]);
    const p = await lm.generate(prompt, { maxTokens: 5, logitBias: { 77: 1000 }, presencePenalty: 2000, reuseCache: false });
    // once 77 is in the context, the presence penalty (2000) outweighs its bias (1000)
    expect(p.tokens[0]).toBe(77);
    expect(p.tokens.slice(1)).not.toContain(77);
    const big = Math.max(...prompt);
    const q = await lm.generate(prompt, { maxTokens: 1, logitBias: { [big]: 50 }, repetitionPenalty: 1e6, reuseCache: false });
    // a prompt token's positive logit is divided by 1e6: even +50 bias cannot keep it ahead of the rest
    expect(q.tokens[0]).not.toBe(big);
    lm.dispose();
  });

  it('stops on stop tokens and reports the reason', async () => {
    const lm = await loadLM(join(fixtures, 'llama'));
    const free = await lm.generate(prompt, { maxTokens: 8, reuseCache: false });
    const r = await lm.generate(prompt, { maxTokens: 8, stopTokens: [free.tokens[2]], reuseCache: false });
    expect(r.finishReason).toBe('stop');
    expect(r.tokens).toEqual(free.tokens.slice(0, free.tokens.indexOf(free.tokens[2]) + 1));
    lm.dispose();
  });

  it('quantized KV caches stay close to the float cache', () => {
    const key = mx.random.key(5);
    const [k1, k2] = [mx.random.normal([1, 2, 37, 64], null, 0, 1, key), mx.random.normal([1, 2, 1, 64], null, 0, 1, mx.random.key(6))];
    for (const bits of [8, 4] as const) {
      const q = new QuantizedKVCache(bits, 32), f = new KVCache();
      q.update(k1, k1), f.update(k1, k1);
      const a = q.update(k2, k2), b = f.update(k2, k2);
      expect(a.keys.shape).toEqual([1, 2, 38, 64]);
      const rel = (mx.max(mx.abs(mx.subtract(a.keys, b.keys))).item() as number) / (mx.max(mx.abs(b.keys)).item() as number);
      expect(rel).toBeLessThan(bits === 8 ? 1e-2 : 1e-1);
      expect(q.offset).toBe(38);
      q.dispose(), f.dispose();
    }
    expect(() => new QuantizedKVCache(8, 32).update(mx.zeros([1, 1, 2, 16]), mx.zeros([1, 1, 2, 16]))).toThrow(GenerationOptionsError);
  });

  it('abort mid-generation throws CancelledError and frees the cache', async () => {
    const lm = await loadLM(join(fixtures, 'llama'));
    await lm.generate(prompt, { maxTokens: 2, reuseCache: false });
    const base = mx.getActiveMemory();
    const ctl = new AbortController();
    let n = 0;
    await expect((async () => {
      for await (const _ of lm.stream(Array.from({ length: 200 }, (_, i) => i % 128), { maxTokens: 50, signal: ctl.signal, reuseCache: false })) {
        if (++n === 3) ctl.abort();
      }
    })()).rejects.toMatchObject({ code: 'MLX_CANCELLED' });
    expect(n).toBe(3);
    expect(mx.getActiveMemory()).toBeLessThanOrEqual(base);
    // the process stays healthy: generation works again
    expect((await lm.generate(prompt, { maxTokens: 2 })).tokens.length).toBe(2);
    lm.dispose();
  });
});

describe('bad input', () => {
  it('rejects invalid sampling options with GenerationOptionsError', async () => {
    const lm = await loadLM(join(fixtures, 'llama'));
    for (const o of [{ temperature: -1 }, { topP: 0 }, { topP: 1.5 }, { minP: 1 }, { topK: 2.5 }, { repetitionPenalty: 0 },
      { logitBias: { 100000: 1 } }, { seed: -3 }, { maxTokens: -1 }, { temperature: NaN }, { stop: [''] }] as any[]) {
      await expect(lm.generate(prompt, o), JSON.stringify(o)).rejects.toBeInstanceOf(GenerationOptionsError);
    }
    await expect(lm.generate([1, 2, 500], {})).rejects.toBeInstanceOf(GenerationOptionsError);
    lm.dispose();
  });

  it('rejects prompts longer than the context with ContextLengthError', async () => {
    const lm = await loadLM(join(fixtures, 'qwen2'));  // max_position_embeddings 256
    await expect(lm.generate(Array.from({ length: 300 }, () => 1))).rejects.toBeInstanceOf(ContextLengthError);
    await expect(lm.generateBatch([[1, 2], Array.from({ length: 300 }, () => 1)])).rejects.toBeInstanceOf(ContextLengthError);
    lm.dispose();
  });

  it('unknown architectures give UnknownArchitectureError', async () => {
    const d = join(tmp, 'unknown');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'config.json'), JSON.stringify({ model_type: 'no-such-arch' }));
    await expect(loadLM(d)).rejects.toBeInstanceOf(UnknownArchitectureError);
    const g = join(tmp, 'unknown.gguf');
    mx.saveGguf(g, { 'token_embd.weight': mx.zeros([8, 4]) }, { 'general.architecture': 'no-such-arch' });
    await expect(loadLM(g)).rejects.toMatchObject({ code: 'MLX_UNKNOWN_ARCHITECTURE' });
  });

  it('malformed GGUF metadata and configs give typed errors', async () => {
    const g = join(tmp, 'bad-meta.gguf');
    // llama file whose block count is a string and head counts are missing
    mx.saveGguf(g, { 'token_embd.weight': mx.zeros([8, 4]) }, { 'general.architecture': 'llama', 'llama.block_count': 'two', 'llama.embedding_length': 4 });
    await expect(loadLM(g)).rejects.toBeInstanceOf(ModelFormatError);
    const g2 = join(tmp, 'no-arch.gguf');
    mx.saveGguf(g2, { 'token_embd.weight': mx.zeros([8, 4]) }, {});
    await expect(loadLM(g2)).rejects.toBeInstanceOf(ModelFormatError);
    const g3 = join(tmp, 'truncated.gguf');
    writeFileSync(g3, Buffer.from('GGUF\x03\x00\x00\x00\xff\xff', 'latin1'));
    await expect(loadLM(g3)).rejects.toMatchObject({ code: 'MLX_MALFORMED_FILE' });
    // config that disagrees with the weights
    const d = join(tmp, 'wrong-shape');
    mkdirSync(d, { recursive: true });
    copyFileSync(join(fixtures, 'llama', 'model.safetensors'), join(d, 'model.safetensors'));
    writeFileSync(join(d, 'config.json'), JSON.stringify({ model_type: 'llama', vocab_size: 128, hidden_size: 64, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4 }));
    await expect(loadLM(d)).rejects.toBeInstanceOf(ModelFormatError);
    writeFileSync(join(d, 'config.json'), '{ not json');
    await expect(loadLM(d)).rejects.toBeInstanceOf(ModelFormatError);
  });
});

describe('StopStringMatcher', () => {
  it('holds back a possible stop prefix and cuts at the stop string', () => {
    const m = new StopStringMatcher(['</end>', 'STOP']);
    expect(m.push('Hello </')).toEqual({ text: 'Hello ', stopped: false });
    expect(m.push('e')).toEqual({ text: '', stopped: false });
    expect(m.push('x')).toEqual({ text: '</ex', stopped: false });
    expect(m.push(' and ST')).toEqual({ text: ' and ', stopped: false });
    expect(m.push('OP more')).toEqual({ text: '', stopped: true });
    const n = new StopStringMatcher(['ab']);
    expect(n.push('xa')).toEqual({ text: 'x', stopped: false });
    expect(n.flush()).toBe('a');
  });
});
