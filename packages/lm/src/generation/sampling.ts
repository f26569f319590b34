// Sampling: penalties and logit bias on the logits, then greedy or temperature sampling with top-k, top-p, min-p
// filters. Everything is mx ops on [B, V] float32 logits so it stays in the lazy graph.
import * as mx from '@mlx/core';
import { GenerationOptionsError } from '../errors.js';

type A = mx.array;

export interface SamplingOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repetitionPenalty?: number;
  /** How many recent tokens the repetition/presence penalties look at (default 64). */
  repetitionContextSize?: number;
  presencePenalty?: number;
  logitBias?: Record<number, number>;
  seed?: number;
}

export interface Sampler {
  readonly greedy: boolean;
  readonly usesHistory: boolean;
  /** Token ids [B] (int32) from logits [B, V]; `history` per row when penalties are used. */
  sample(logits: A, history?: readonly (readonly number[])[]): A;
  /** Arrays that must outlive a step's tidy scope (the random key). */
  state(): A[];
  dispose(): void;
}

function check(cond: boolean, msg: string): void { if (!cond) throw new GenerationOptionsError(msg); }
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

export function validateSampling(o: SamplingOptions, vocabSize: number): Required<Omit<SamplingOptions, 'logitBias' | 'seed'>> & Pick<SamplingOptions, 'logitBias' | 'seed'> {
  const r = {
    temperature: o.temperature ?? 0, topK: o.topK ?? 0, topP: o.topP ?? 1, minP: o.minP ?? 0,
    repetitionPenalty: o.repetitionPenalty ?? 1, repetitionContextSize: o.repetitionContextSize ?? 64,
    presencePenalty: o.presencePenalty ?? 0, logitBias: o.logitBias, seed: o.seed,
  };
  check(num(r.temperature) && r.temperature >= 0, `temperature must be a finite number ≥ 0 (got ${o.temperature}).`);
  check(Number.isInteger(r.topK) && r.topK >= 0, `topK must be an integer ≥ 0 (got ${o.topK}).`);
  check(num(r.topP) && r.topP > 0 && r.topP <= 1, `topP must be in (0, 1] (got ${o.topP}).`);
  check(num(r.minP) && r.minP >= 0 && r.minP < 1, `minP must be in [0, 1) (got ${o.minP}).`);
  check(num(r.repetitionPenalty) && r.repetitionPenalty > 0, `repetitionPenalty must be > 0 (got ${o.repetitionPenalty}).`);
  check(Number.isInteger(r.repetitionContextSize) && r.repetitionContextSize > 0, `repetitionContextSize must be a positive integer.`);
  check(num(r.presencePenalty), `presencePenalty must be a finite number (got ${o.presencePenalty}).`);
  check(r.seed === undefined || (Number.isInteger(r.seed) && r.seed >= 0), `seed must be a non-negative integer (got ${o.seed}).`);
  if (r.logitBias !== undefined) {
    check(typeof r.logitBias === 'object' && r.logitBias !== null, 'logitBias must be an object of token id → bias.');
    for (const [k, v] of Object.entries(r.logitBias)) {
      const id = Number(k);
      check(Number.isInteger(id) && id >= 0 && id < vocabSize, `logitBias token id ${k} is outside the vocabulary (0..${vocabSize - 1}).`);
      check(num(v), `logitBias[${k}] must be a finite number.`);
    }
  }
  return r;
}

export function makeSampler(opts: SamplingOptions, vocabSize: number): Sampler {
  const o = validateSampling(opts, vocabSize);
  const greedy = o.temperature === 0;
  const usesHistory = o.repetitionPenalty !== 1 || o.presencePenalty !== 0;
  let key = o.seed !== undefined ? mx.random.key(o.seed) : null;
  let bias: A | null = null;
  if (o.logitBias && Object.keys(o.logitBias).length) {
    const b = new Float32Array(vocabSize);
    for (const [k, v] of Object.entries(o.logitBias)) b[Number(k)] = v;
    bias = mx.array(b);
  }
  const penalise = (logits: A, history: readonly (readonly number[])[]): A => {
    const B = logits.shape[0];
    const rows: number[][] = [];
    let width = 0;
    for (let b = 0; b < B; b++) {
      const ids = [...new Set((history[b] ?? []).slice(-o.repetitionContextSize))];
      rows.push(ids);
      width = Math.max(width, ids.length);
    }
    if (width === 0) return logits;
    // Pad rows by repeating their first id (or 0 with a neutral factor), gather, adjust, scatter back.
    const idx = new Int32Array(B * width);
    const valid = new Float32Array(B * width);
    rows.forEach((ids, b) => { for (let j = 0; j < width; j++) { idx[b * width + j] = ids[j] ?? ids[0] ?? 0; valid[b * width + j] = j < ids.length ? 1 : 0; } });
    const I = mx.reshape(mx.array(idx), [B, width]);
    let sel = mx.takeAlongAxis(logits, I, 1);
    if (o.repetitionPenalty !== 1) {
      const p = o.repetitionPenalty;
      sel = mx.where(mx.less(sel, 0), mx.multiply(sel, p), mx.divide(sel, p));
    }
    if (o.presencePenalty !== 0) sel = mx.subtract(sel, o.presencePenalty);
    // padded entries repeat a real id of the row, so writing them again is harmless
    void valid;
    return mx.putAlongAxis(logits, I, sel, 1);
  };
  return {
    greedy, usesHistory,
    state: () => (key ? [key] : []),
    dispose: () => mx.dispose(key, bias),
    sample(logits: A, history?: readonly (readonly number[])[]): A {
      let l = logits;
      if (usesHistory && history) l = penalise(l, history);
      if (bias) l = mx.add(l, bias);
      if (greedy) return mx.astype(mx.argmax(l, -1), mx.int32);
      l = mx.multiply(l, 1 / o.temperature);
      const V = l.shape[l.ndim - 1];
      const negInf = -Infinity;
      if (o.topK > 0 && o.topK < V) {
        const kth = mx.min(mx.topk(l, o.topK, -1), -1, true);
        l = mx.where(mx.less(l, kth), negInf, l);
      }
      if (o.topP < 1 || o.minP > 0) {
        const probs = mx.softmax(l, -1);
        if (o.minP > 0) {
          const cut = mx.multiply(mx.max(probs, -1, true), o.minP);
          l = mx.where(mx.less(probs, cut), negInf, l);
        }
        if (o.topP < 1) {
          // keep the smallest set of most likely tokens whose mass reaches topP
          const sorted = mx.negative(mx.sort(mx.negative(probs), -1));
          const cum = mx.cumsum(sorted, -1);
          const keep = mx.less(mx.subtract(cum, sorted), o.topP);  // token is needed before the mass is reached
          const thresh = mx.min(mx.where(keep, sorted, Infinity), -1, true);
          l = mx.where(mx.less(probs, thresh), negInf, l);
        }
      }
      let k: A | null = null;
      if (key) {
        const parts = mx.random.split(key, 2);
        const next = parts.index(0), use = parts.index(1);
        key = next;  // the old key is freed by the step's tidy scope
        k = use;
      }
      return mx.astype(mx.random.categorical(l, -1, null, null, k), mx.int32);
    },
  };
}
