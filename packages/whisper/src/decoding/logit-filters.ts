// Logit filters of whisper's decoding: suppress-blank, suppress-tokens and the timestamp rules.
// The per-row rules depend only on the row's sampled tokens, and every rule blocks a contiguous token range, so the
// host computes three integers per row and the graph turns them into one mask: no per-step vocabulary-sized upload.
import * as mx from '@mlx/core';

export interface TimestampRuleConfig {
  eot: number;
  timestampBegin: number;
  vocabSize: number;
  /** Index (in 20 ms steps) of the latest allowed first timestamp, or undefined for no limit. */
  maxInitialTimestampIndex?: number;
}

/** Blocked ranges of one row: [0, textEnd) ∪ [timestampBegin, timestampStart) ∪ [timestampEnd, vocab). */
export interface RowRule { textEnd: number; timestampStart: number; timestampEnd: number }

/** OpenAI whisper's ApplyTimestampRules for one row, as ranges (before the probability rule, which runs in-graph). */
export function timestampRule(sampled: readonly number[], c: TimestampRuleConfig): RowRule {
  const tb = c.timestampBegin;
  if (sampled.length === 0) {
    // The first sampled token must be a timestamp, no later than max_initial_timestamp.
    const end = c.maxInitialTimestampIndex === undefined ? c.vocabSize : Math.min(c.vocabSize, tb + c.maxInitialTimestampIndex + 1);
    return { textEnd: tb, timestampStart: tb, timestampEnd: end };
  }
  const n = sampled.length;
  const lastWasTimestamp = sampled[n - 1]! >= tb;
  const penultimateWasTimestamp = n < 2 || sampled[n - 2]! >= tb;
  let textEnd = 0;
  let timestampStart = tb;
  if (lastWasTimestamp) {
    // Timestamps come in pairs, except directly before end-of-text.
    if (penultimateWasTimestamp) timestampStart = c.vocabSize;  // after a pair: text (or eot) follows
    else textEnd = c.eot;                                      // after a lone timestamp: its pair (or eot) follows
  }
  let lastTimestamp = -1;
  for (let i = n - 1; i >= 0; i--) if (sampled[i]! >= tb) { lastTimestamp = sampled[i]!; break; }
  if (lastTimestamp >= 0) {
    // Monotonic; a segment's closing timestamp may equal its opening one only when it closes it directly.
    const floor = lastWasTimestamp && !penultimateWasTimestamp ? lastTimestamp : lastTimestamp + 1;
    timestampStart = Math.max(timestampStart, floor);
  }
  return { textEnd, timestampStart, timestampEnd: c.vocabSize };
}

/** Additive float32 mask [V] with -inf at the given ids. */
export function suppressionMask(vocabSize: number, ids: Iterable<number>): mx.array {
  const m = new Float32Array(vocabSize);
  for (const id of ids) if (id >= 0 && id < vocabSize) m[id] = -Infinity;
  return mx.array(m);
}

/**
 * Applies the masks to logits [B, V] (float32) and returns log-probabilities [B, V] plus the masked logits.
 * `rules` undefined: timestamps are off (only the additive mask applies).
 */
export function filterLogits(logits: mx.array, additive: mx.array | undefined, rules: readonly RowRule[] | undefined,
  iota: mx.array, timestampBegin: number): { logits: mx.array; logprobs: mx.array } {
  if (!rules) {
    const x = additive ? mx.add(logits, additive) : logits;
    return { logits: x, logprobs: mx.subtract(x, mx.logsumexp(x, -1, true)) };
  }
  const B = rules.length;
  const textEnd = new Int32Array(B), tsStart = new Int32Array(B), tsEnd = new Int32Array(B);
  rules.forEach((r, i) => { textEnd[i] = r.textEnd; tsStart[i] = r.timestampStart; tsEnd[i] = r.timestampEnd; });
  const col = (a: Int32Array) => mx.array(a).reshape([B, 1]);
  const [x, logprobs] = timestampFilter(additive ? mx.add(logits, additive) : logits, col(textEnd), col(tsStart), col(tsEnd),
    iota, timestampBegin);
  return { logits: x!, logprobs: logprobs! };
}

/**
 * The timestamp rules as one compiled program (masks and one log-softmax over the vocabulary); a decode step calls
 * it once for every beam at once. "Timestamps more probable than any text token" compares logsumexp(x[ts]) with
 * max(x[text]) (both sides of openai's log-probability test shifted by the same logsumexp), and when it holds the
 * remaining mass is the timestamps', so the final log-softmax needs no second vocabulary-wide logsumexp.
 */
const timestampFilter = mx.compile((x: mx.array, textEnd: mx.array, tsStart: mx.array, tsEnd: mx.array, iota: mx.array,
  timestampBegin: number): mx.array[] => {
  const blocked = mx.logicalOr(mx.logicalOr(mx.less(iota, textEnd),
    mx.logicalAnd(mx.greaterEqual(iota, timestampBegin), mx.less(iota, tsStart))), mx.greaterEqual(iota, tsEnd));
  x = mx.where(blocked, -Infinity, x);
  const tsMass = mx.logsumexp(x.index(mx.Slice(), mx.Slice(timestampBegin)), -1, true);
  const textMax = mx.max(x.index(mx.Slice(), mx.Slice(0, timestampBegin)), -1, true);
  const onlyTimestamps = mx.greater(tsMass, textMax);  // [B, 1]
  const all = mx.logsumexp(x, -1, true);
  x = mx.where(mx.logicalAnd(onlyTimestamps, mx.less(iota, timestampBegin)), -Infinity, x);
  return [x, mx.subtract(x, mx.where(onlyTimestamps, tsMass, all))];
});
