// Per-request sampling on one row of logits, built as lazy ops so every row of a step is evaluated together.
import * as mx from '@mlx/core';

export interface SamplingParams {
  temperature: number;          // 0 = greedy
  topP: number;                 // 1 = off
  topK: number;                 // 0 = off
  minP: number;                 // 0 = off
  repetitionPenalty: number;    // 1 = off (HF semantics: divide positive logits, multiply negative ones)
  presencePenalty: number;      // 0 = off (OpenAI: subtract once per token that appeared)
  frequencyPenalty: number;     // 0 = off (OpenAI: subtract count × penalty)
  logitBias?: Record<number, number>;
  seed?: number;
}

export const greedy: SamplingParams = {
  temperature: 0, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0,
};

export function isGreedy(p: SamplingParams): boolean {
  return p.temperature === 0 && !needsAdjust(p);
}
function needsAdjust(p: SamplingParams): boolean {
  return p.repetitionPenalty !== 1 || p.presencePenalty !== 0 || p.frequencyPenalty !== 0 ||
    (p.logitBias !== undefined && Object.keys(p.logitBias).length > 0);
}

/** Applies penalties and logit bias to `row` `[V]` given the tokens seen so far. */
function adjust(row: mx.array, p: SamplingParams, seen: readonly number[]): mx.array {
  if (p.logitBias) {
    const ids = Object.keys(p.logitBias).map(Number).filter((i) => i >= 0 && i < row.shape[0]);
    if (ids.length) row = row.at(mx.array(Int32Array.from(ids))).add(mx.array(Float32Array.from(ids.map((i) => p.logitBias![i]))));
  }
  if (!seen.length) return row;
  const counts = new Map<number, number>();
  for (const t of seen) counts.set(t, (counts.get(t) ?? 0) + 1);
  const ids = mx.array(Int32Array.from(counts.keys()));
  if (p.repetitionPenalty !== 1) {
    const cur = mx.take(row, ids, 0);
    const pen = mx.where(mx.greater(cur, 0), mx.divide(cur, p.repetitionPenalty), mx.multiply(cur, p.repetitionPenalty));
    row = mx.putAlongAxis(row, ids, pen, 0);
  }
  if (p.presencePenalty !== 0 || p.frequencyPenalty !== 0) {
    const sub = Float32Array.from([...counts.values()].map((c) => p.presencePenalty + p.frequencyPenalty * c));
    row = row.at(ids).subtract(mx.array(sub));
  }
  return row;
}

/** Returns an int32 scalar array: the next token for `row` `[V]`. */
export function sampleRow(row: mx.array, p: SamplingParams, seen: readonly number[], step: number): mx.array {
  let l = needsAdjust(p) ? adjust(row, p, seen) : row;
  if (p.temperature === 0) return mx.argmax(l, 0).astype(mx.int32);
  l = mx.divide(l, p.temperature);
  const V = l.shape[0];
  if (p.topK > 0 && p.topK < V) {
    const kth = mx.min(mx.topk(l, p.topK, 0));
    l = mx.where(mx.less(l, kth), -Infinity, l);
  }
  if (p.minP > 0) {
    const thr = mx.add(mx.max(l), Math.log(p.minP));
    l = mx.where(mx.less(l, thr), -Infinity, l);
  }
  const key = mx.random.key(((p.seed ?? 0) * 1_000_003 + step) >>> 0);
  if (p.topP < 1) {
    const order = mx.argsort(mx.negative(l), 0);
    const sorted = mx.take(l, order, 0);
    const probs = mx.softmax(sorted, 0);
    const before = mx.subtract(mx.cumsum(probs, 0), probs);
    const kept = mx.where(mx.less(before, p.topP), sorted, -Infinity);
    const pick = mx.random.categorical(kept, 0, null, null, key);
    return mx.take(order, pick, 0).astype(mx.int32);
  }
  return mx.random.categorical(l, 0, null, null, key).astype(mx.int32);
}
