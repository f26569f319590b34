// Batched generation: prompts left-padded to one length, RoPE offsets and masks per row (see StepContext),
// every row decoded each step until all have stopped.
import * as mx from '@mlx/core';
import { CancelledError } from '@mlx/core';
import type { CacheOptions, DecoderModel } from '../architectures/decoder.js';
import { ContextLengthError, GenerationOptionsError } from '../errors.js';
import { emptyStats, validateLoopOptions, type FinishReason, type GenerationStats, type TokenLoopOptions } from './generate.js';
import { makeSampler } from './sampling.js';

type A = mx.array;

export interface BatchResult { tokens: number[]; finishReason: FinishReason; stats: GenerationStats }

export async function batchGenerate(model: DecoderModel, prompts: number[][], opts: TokenLoopOptions, cacheOpts: CacheOptions = {}): Promise<BatchResult[]> {
  const { maxTokens, prefillStep } = validateLoopOptions(opts);
  const spec = model.spec;
  if (!prompts.length) return [];
  if (prompts.some((p) => p.length === 0)) throw new GenerationOptionsError('A prompt of the batch is empty.');
  const B = prompts.length, T = Math.max(...prompts.map((p) => p.length));
  if (T > spec.maxContext) throw new ContextLengthError(`The longest prompt has ${T} tokens; the model's context is ${spec.maxContext}.`);
  for (const p of prompts) for (const t of p) if (!Number.isInteger(t) || t < 0 || t >= spec.vocabSize) throw new GenerationOptionsError(`Token id ${t} is outside the vocabulary.`);
  const leftPad = prompts.map((p) => T - p.length);
  const grid = new Int32Array(B * T);
  prompts.forEach((p, b) => grid.set(p, b * T + leftPad[b]));
  const sampler = makeSampler(opts, spec.vocabSize);
  const caches = model.newCache(cacheOpts);
  const stop = new Set(opts.stopTokens ?? []);
  const stats = emptyStats();
  const signal = opts.signal;
  const history = prompts.map((p) => [...p]);
  const out: number[][] = prompts.map(() => []);
  const done: (FinishReason | null)[] = prompts.map(() => null);
  const state = () => [...caches.flatMap((c) => c.state()), ...sampler.state()];
  mx.resetPeakMemory();
  try {
    const t0 = performance.now();
    const all = mx.reshape(mx.array(grid), [B, T]);
    const step = (ids: A, last: boolean) => mx.tidy(() => {
      const logits = model.forward(ids, caches, { leftPad, lastOnly: true });
      if (!last) return { y: null, st: state() };
      const y = sampler.sample(mx.reshape(logits, [B, spec.vocabSize]), sampler.usesHistory ? history : undefined);
      return { y, st: state() };
    });
    let cur: { y: A | null; st: A[] } = { y: null, st: [] };
    for (let pos = 0; pos < T; pos += prefillStep) {
      const end = Math.min(T, pos + prefillStep);
      const chunk = all.index(mx.Slice(), mx.Slice(pos, end));
      cur = step(chunk, end === T);
      chunk.dispose();
      await mx.asyncEval(cur.y, cur.st, signal!);
    }
    all.dispose();
    stats.promptTokens = stats.prefilledTokens = B * T;
    stats.promptSeconds = (performance.now() - t0) / 1000;
    stats.promptTps = stats.promptTokens / stats.promptSeconds;
    const t1 = performance.now();
    let y = cur.y!;
    for (let n = 0; n < maxTokens; n++) {
      let next: { y: A | null; st: A[] } | null = null;
      let nextEval: Promise<void> | null = null;
      const more = n + 1 < maxTokens && T + n + 1 < spec.maxContext;
      if (more && !sampler.usesHistory) {
        const input = mx.reshape(y, [B, 1]);
        next = step(input, true);
        input.dispose();
        nextEval = mx.asyncEval(next.y, next.st);
      }
      const toks = Array.from(y.toTypedArray() as Int32Array);
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        out[b].push(toks[b]);
        history[b].push(toks[b]);
        stats.generationTokens++;
        if (stop.has(toks[b])) done[b] = 'stop';
      }
      if (signal?.aborted || done.every((d) => d) || !more) {
        if (nextEval) { await nextEval.catch(() => undefined); next!.y?.dispose(); }
        y.dispose();
        signal?.throwIfAborted();
        break;
      }
      if (next) {
        await nextEval;
        y.dispose();
        y = next.y!;
      } else {
        const input = mx.reshape(y, [B, 1]);
        const s = step(input, true);
        input.dispose();
        y.dispose();
        await mx.asyncEval(s.y, s.st, signal!);
        y = s.y!;
      }
    }
    stats.generationSeconds = (performance.now() - t1) / 1000;
    stats.generationTps = stats.generationTokens / Math.max(stats.generationSeconds, 1e-9);
    stats.peakMemory = mx.getPeakMemory();
    return out.map((tokens, b) => ({ tokens, finishReason: done[b] ?? 'length', stats }));
  } catch (e) {
    if (signal?.aborted) throw new CancelledError('Generation was aborted.');
    throw e;
  } finally {
    for (const c of caches) c.dispose();
    sampler.dispose();
  }
}
