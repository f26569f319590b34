// The generation loop: chunked prefill, pipelined decode (the next step's graph is built and queued with
// asyncEval while the current token is read back), stop tokens/strings, abort, statistics, batching.
import * as mx from '@mlx/core';
import { CancelledError } from '@mlx/core';
import type { DecoderModel } from '../architectures/decoder.js';
import { ContextLengthError, GenerationOptionsError } from '../errors.js';
import type { LayerCache } from './cache.js';
import { makeSampler, type Sampler, type SamplingOptions } from './sampling.js';

type A = mx.array;

export interface GenerationStats {
  promptTokens: number;
  /** Tokens actually prefilled (fewer than promptTokens when a cached prefix was reused). */
  prefilledTokens: number;
  promptSeconds: number;
  promptTps: number;
  generationTokens: number;
  generationSeconds: number;
  generationTps: number;
  peakMemory: number;
}

export interface TokenLoopOptions extends SamplingOptions {
  maxTokens?: number;
  stopTokens?: readonly number[];
  signal?: AbortSignal;
  prefillStep?: number;
}

export type FinishReason = 'stop' | 'length' | 'abort';

/** A cache plus the exact tokens it holds, for reuse across turns. */
export interface PromptCache { caches: LayerCache[]; tokens: number[] }

export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

export function validateLoopOptions(o: TokenLoopOptions): { maxTokens: number; prefillStep: number } {
  const maxTokens = o.maxTokens ?? 256, prefillStep = o.prefillStep ?? 512;
  if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new GenerationOptionsError(`maxTokens must be an integer ≥ 0 (got ${o.maxTokens}).`);
  if (!Number.isInteger(prefillStep) || prefillStep < 1) throw new GenerationOptionsError(`prefillStep must be a positive integer (got ${o.prefillStep}).`);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new GenerationOptionsError('signal must be an AbortSignal.');
  return { maxTokens, prefillStep };
}

/** MLX_LM_PIPELINE=0 evaluates each decode step before building the next (for comparisons). */
const pipelineEnabled = process.env.MLX_LM_PIPELINE !== '0';

const state = (caches: LayerCache[], sampler: Sampler) => [...caches.flatMap((c) => c.state()), ...sampler.state()];

/**
 * Prefills `ids` (all but what the cache already holds) and yields sampled tokens one by one.
 * The caller owns `pc` (it is updated in place; on abort or error its caches are disposed).
 */
export async function* tokenLoop(model: DecoderModel, prompt: readonly number[], pc: PromptCache, opts: TokenLoopOptions,
  stats: GenerationStats): AsyncGenerator<number, FinishReason> {
  const { maxTokens, prefillStep } = validateLoopOptions(opts);
  const spec = model.spec;
  if (prompt.length === 0) throw new GenerationOptionsError('The prompt is empty.');
  for (const t of prompt) if (!Number.isInteger(t) || t < 0 || t >= spec.vocabSize) throw new GenerationOptionsError(`Token id ${t} is outside the vocabulary.`);
  if (prompt.length > spec.maxContext) throw new ContextLengthError(`The prompt has ${prompt.length} tokens; the model's context is ${spec.maxContext}.`);
  const sampler = makeSampler(opts, spec.vocabSize);
  const signal = opts.signal;
  const stop = new Set(opts.stopTokens ?? []);
  const history: number[] = [...prompt];
  mx.resetPeakMemory();
  try {
    signal?.throwIfAborted();
    // Reuse the longest cached prefix; the last prompt token is always run again to get its logits.
    let keep = Math.min(commonPrefix(pc.tokens, prompt), prompt.length - 1);
    if (keep < pc.tokens.length && !pc.caches.every((c) => c.trimTo(keep))) {
      for (const c of pc.caches) c.dispose();
      pc.caches = model.newCache();
      keep = 0;
    }
    pc.tokens = prompt.slice(0, keep);
    stats.promptTokens = prompt.length;
    stats.prefilledTokens = prompt.length - keep;
    const t0 = performance.now();
    let pos = keep;
    // All chunks but the last only fill the cache.
    while (prompt.length - pos > prefillStep) {
      const chunk = prompt.slice(pos, pos + prefillStep);
      const st = mx.tidy(() => {
        const ids = mx.reshape(mx.array(Int32Array.from(chunk)), [1, chunk.length]);
        model.forward(ids, pc.caches, { lastOnly: true });
        return state(pc.caches, sampler);
      });
      await mx.asyncEval(st, signal!);
      pc.tokens.push(...chunk);
      pos += chunk.length;
    }
    const step = (ids: A) => mx.tidy(() => {
      const logits = model.forward(ids, pc.caches, { lastOnly: true });
      const last = mx.reshape(logits, [1, spec.vocabSize]);
      const y = sampler.sample(last, sampler.usesHistory ? [history] : undefined);
      return { y, st: state(pc.caches, sampler) };
    });
    const tail = prompt.slice(pos);
    let cur = step(mx.reshape(mx.array(Int32Array.from(tail)), [1, tail.length]));
    pc.tokens.push(...tail);
    await mx.asyncEval(cur.y, cur.st, signal!);
    stats.promptSeconds = (performance.now() - t0) / 1000;
    stats.promptTps = stats.prefilledTokens / Math.max(stats.promptSeconds, 1e-9);
    const t1 = performance.now();
    let n = 0;
    // Pipelining needs the next input before the current token is known on the JS side: only without
    // history-based penalties.
    const pipeline = !sampler.usesHistory && pipelineEnabled;
    let reason: FinishReason = 'length';
    let pending: { y: A; st: A[] } | null = null;
    let pendingEval: Promise<void> | null = null;
    while (n < maxTokens && pc.tokens.length < spec.maxContext) {
      if (pipeline && n + 1 < maxTokens && pc.tokens.length + 1 < spec.maxContext) {
        const input = mx.reshape(cur.y, [1, 1]);
        pending = step(input);
        input.dispose();
        pendingEval = mx.asyncEval(pending.y, pending.st);
      }
      const token = cur.y.item() as number;
      cur.y.dispose();  // the cache buffers in cur.st live on in the caches
      n++;
      history.push(token);
      stats.generationTokens = n;
      if (pending) pc.tokens.push(token);
      if (stop.has(token)) { reason = 'stop'; yield token; break; }
      yield token;
      if (signal?.aborted) { reason = 'abort'; break; }
      if (n >= maxTokens || pc.tokens.length >= spec.maxContext) break;
      if (pending) {
        await pendingEval;
        cur = pending;
        pending = null;
      } else {
        cur = step(mx.reshape(mx.array(Int32Array.from([token])), [1, 1]));
        pc.tokens.push(token);
        await mx.asyncEval(cur.y, cur.st, signal!);
      }
    }
    if (pendingEval) { await pendingEval.catch(() => undefined); if (pending) pending.y.dispose(); }
    stats.generationSeconds = (performance.now() - t1) / 1000;
    stats.generationTps = n / Math.max(stats.generationSeconds, 1e-9);
    stats.peakMemory = mx.getPeakMemory();
    if (reason === 'abort') throw new CancelledError('Generation was aborted.');
    return reason;
  } catch (e) {
    // Abort or failure: the cache is in an unknown state; free it now.
    for (const c of pc.caches) c.dispose();
    pc.tokens = [];
    if (signal?.aborted && !(e instanceof CancelledError)) throw new CancelledError('Generation was aborted.');
    throw e;
  } finally {
    sampler.dispose();
  }
}

export function emptyStats(): GenerationStats {
  return { promptTokens: 0, prefilledTokens: 0, promptSeconds: 0, promptTps: 0, generationTokens: 0, generationSeconds: 0, generationTps: 0, peakMemory: 0 };
}
