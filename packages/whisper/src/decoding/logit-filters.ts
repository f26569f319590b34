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

/** What a decode step reads from the filtered logits [B, V]: one of these, never all of them. */
export interface FilteredLogits {
  /** Masked logits [B, V] (for sampling). */
  logits(): mx.array;
  /** Log-probabilities [B, V] of the masked logits. */
  logprobs(): mx.array;
  /** Per row: the most probable token (first index on ties) and its log-probability, each [B]. */
  greedy(): { tokens: mx.array; logprobs: mx.array };
  /** Per row: the k most probable tokens and their log-probabilities, each [B, k] (in no particular order). */
  topk(k: number): { tokens: mx.array; logprobs: mx.array };
}

/** -Infinity where `blocked` (float 0/1) is 1, else exactly 0: 1 / (1 - b) - 1. Elementwise float ops, so compile fuses it. */
const negInfWhere = (blocked: mx.array): mx.array => mx.subtract(mx.divide(1, mx.subtract(1, blocked)), 1);
/** x with the text ids (textIds = 1) set to -inf in the rows where onlyTs = 1, minus each row's shift. */
const shifted = mx.compile((x: mx.array, onlyTs: mx.array, textIds: mx.array, shift: mx.array): mx.array =>
  mx.subtract(mx.subtract(x, negInfWhere(mx.multiply(onlyTs, textIds))), shift));
const masked = mx.compile((x: mx.array, onlyTs: mx.array, textIds: mx.array): mx.array =>
  mx.subtract(x, negInfWhere(mx.multiply(onlyTs, textIds))));

/**
 * The logit filters of one decoding window: the suppression mask plus openai whisper's timestamp rules, then the
 * log-softmax, in few passes over [B, V]. Every rule blocks a contiguous id range, so the host computes three
 * integers per row (timestampRule) and only the 1501 timestamp columns get a mask built in the graph; blocking the
 * text ids ([0, eot) after a lone timestamp) is rare and only then costs a full-width pass. "Timestamps more
 * probable than any text token" compares logsumexp(x[ts]) with max(x[text]) (both sides of openai's log-probability
 * test shifted by the same logsumexp), and when it holds the remaining mass is the timestamps', so the log-softmax
 * needs no second vocabulary-wide logsumexp.
 */
export class LogitFilter {
  private readonly iota: mx.array;      // int32 [1, V]
  private readonly iotaTs: mx.array;    // int32 [1, V - tb]: the ids of the timestamp columns
  private readonly textIds: mx.array;   // float32 [1, V]: 1 for ids < tb
  private readonly groups: number;      // top-k: the vocabulary in `groups` strided groups (1: a plain argpartition)
  constructor(readonly vocabSize: number, readonly timestampBegin: number) {
    const V = vocabSize, tb = Math.min(timestampBegin, V);
    const ids = new Float32Array(V);
    ids.fill(1, 0, tb);
    [this.iota, this.iotaTs, this.textIds] = mx.tidy(() => [
      mx.arange(0, V, 1, mx.int32).reshape([1, V]), mx.arange(tb, V, 1, mx.int32).reshape([1, V - tb]), mx.array(ids).reshape([1, V]),
    ]);
    this.groups = topkGroups(V);
  }
  dispose(): void { mx.dispose([this.iota, this.iotaTs, this.textIds]); }

  /** `logits` float32 [B, V]; `additive` [V] (0 / -inf); `rules` undefined: timestamps are off. */
  apply(logits: mx.array, additive: mx.array | undefined, rules: readonly RowRule[] | undefined): FilteredLogits {
    const B = logits.shape[0]!, tb = this.timestampBegin;
    let x = additive ? mx.add(logits, additive) : mx.add(logits, 0);  // a new array: the update below is in place
    if (!rules || tb >= this.vocabSize) {
      const lse = mx.logsumexp(x, -1, true);
      return this.result(x, () => x, () => mx.subtract(x, lse), lse, undefined);
    }
    const col = (f: (r: RowRule) => number) => mx.array(Int32Array.from(rules, f)).reshape([B, 1]);
    if (rules.some((r) => r.textEnd > 0)) x = mx.where(mx.less(this.iota, col((r) => r.textEnd)), -Infinity, x);
    const ts = mx.where(mx.logicalOr(mx.less(this.iotaTs, col((r) => r.timestampStart)), mx.greaterEqual(this.iotaTs, col((r) => r.timestampEnd))),
      -Infinity, x.index(mx.Slice(), mx.Slice(tb)));
    mx.indexPut_(x, [mx.Slice(), mx.Slice(tb)], ts);  // x's buffer is reused (nothing else holds it at evaluation)
    const tsMass = mx.logsumexp(ts, -1, true);
    const textMax = mx.max(x.index(mx.Slice(), mx.Slice(0, tb)), -1, true);
    const onlyTs = mx.greater(tsMass, textMax);  // [B, 1]
    const shift = mx.where(onlyTs, tsMass, mx.logsumexp(x, -1, true));
    const onlyTsF = onlyTs.astype(mx.float32);
    const xm = x;
    return this.result(xm, () => masked(xm, onlyTsF, this.textIds), () => shifted(xm, onlyTsF, this.textIds, shift), shift,
      { onlyTs, ts });
  }

  private result(x: mx.array, logits: () => mx.array, logprobs: () => mx.array, shift: mx.array,
    t: { onlyTs: mx.array; ts: mx.array } | undefined): FilteredLogits {
    const tb = this.timestampBegin, groups = this.groups;
    return {
      logits,
      logprobs,
      greedy: () => {
        // argmax of the masked logits: where the timestamp rule blocks the text, the best timestamp.
        let tokens = mx.argmax(x, -1, true).astype(mx.int32);
        if (t) tokens = mx.where(t.onlyTs, mx.add(mx.argmax(t.ts, -1, true).astype(mx.int32), tb), tokens);
        const lp = mx.subtract(mx.takeAlongAxis(x, tokens, -1), shift);
        return { tokens: tokens.reshape([-1]), logprobs: lp.reshape([-1]) };
      },
      topk: (k: number) => topkRows(logprobs(), k, groups),
    };
  }
}

/** A divisor G of V (4 ≤ G ≤ 256) that makes V / G + 8·G smallest, or 1 when V has none. */
function topkGroups(V: number): number {
  let best = 1, cost = Infinity;
  for (let g = 4; g <= 256; g++) if (V % g === 0 && V / g + 8 * g < cost) { best = g; cost = V / g + 8 * g; }
  return best;
}

/**
 * The k largest entries of each row of x [B, V] (first indices on ties), as a selection of [B, V]'s argpartition
 * would give them but without partitioning all V: the vocabulary is cut into G strided groups (id = j·(V/G) + g),
 * the k groups with the largest maxima hold every one of the k largest entries, and only their k·G entries are
 * partitioned. (Two groups with equal maxima are ordered by g, not by the tied ids: distinct tokens with exactly equal
 * log-probabilities at the k-th place may be picked differently than by a full argpartition.)
 */
export function topkRows(x: mx.array, k: number, groups: number): { tokens: mx.array; logprobs: mx.array } {
  const [B, V] = x.shape as [number, number];
  if (groups <= 1 || k * groups >= V) {
    const idx = mx.argpartition(mx.negative(x), k - 1, -1).index(mx.Slice(), mx.Slice(0, k));
    return { tokens: idx.astype(mx.int32), logprobs: mx.takeAlongAxis(x, idx, -1) };
  }
  const n = V / groups;
  const gmax = mx.max(x.reshape([B, groups, n]), 1);  // [B, n]
  const best = mx.sort(mx.argpartition(mx.negative(gmax), k - 1, -1).index(mx.Slice(), mx.Slice(0, k)), -1).astype(mx.int32);
  // Candidate ids in ascending order: j·n + g for j < groups, then g among the chosen groups (ascending).
  const offsets = mx.multiply(mx.arange(0, groups, 1, mx.int32), n).reshape([1, groups, 1]);
  const cand = mx.add(offsets, best.reshape([B, 1, k])).reshape([B, groups * k]);
  const vals = mx.takeAlongAxis(x, cand, -1);
  const sel = mx.argpartition(mx.negative(vals), k - 1, -1).index(mx.Slice(), mx.Slice(0, k));
  return { tokens: mx.takeAlongAxis(cand, sel, -1), logprobs: mx.takeAlongAxis(vals, sel, -1) };
}

/**
 * Applies the masks to logits [B, V] (float32) and returns log-probabilities [B, V] plus the masked logits.
 * `rules` undefined: timestamps are off (only the additive mask applies). (One-off use; decoding keeps a LogitFilter.)
 */
export function filterLogits(logits: mx.array, additive: mx.array | undefined, rules: readonly RowRule[] | undefined,
  vocabSize: number, timestampBegin: number): { logits: mx.array; logprobs: mx.array } {
  const f = new LogitFilter(vocabSize, timestampBegin);
  try {
    const r = f.apply(logits, additive, rules);
    return { logits: r.logits(), logprobs: r.logprobs() };
  } finally {
    f.dispose();
  }
}
