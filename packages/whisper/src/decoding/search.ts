// Token selection bookkeeping on the host: greedy/sampling rows and beam search (OpenAI whisper's
// GreedyDecoder/BeamSearchDecoder semantics), plus the final ranking. Pure logic, unit-tested without a model.

/** Score used to rank finished candidates: logprob / length (penalty undefined) or / ((5 + length) / 6)^penalty. */
export function rankScore(sumLogprob: number, length: number, lengthPenalty: number | undefined): number {
  const penalty = lengthPenalty === undefined || lengthPenalty === null ? length : ((5 + length) / 6) ** lengthPenalty;
  return sumLogprob / (penalty || 1);
}

export interface Candidate { tokens: number[]; sumLogprob: number }

/** Index of the best candidate under rankScore. */
export function pickBest(cands: readonly Candidate[], lengthPenalty: number | undefined): number {
  let best = 0, bestScore = -Infinity;
  cands.forEach((c, i) => {
    const s = rankScore(c.sumLogprob, c.tokens.length, lengthPenalty);
    if (s > bestScore) { bestScore = s; best = i; }
  });
  return best;
}

/** Greedy/sampling: every row advances by its chosen token; rows that ended keep emitting end-of-text. */
export class SamplingSearch {
  readonly rows: number[][];
  readonly sumLogprobs: Float64Array;
  constructor(readonly n: number, readonly eot: number) {
    this.rows = Array.from({ length: n }, () => []);
    this.sumLogprobs = new Float64Array(n);
  }
  /** Tokens each row feeds next; all rows finished → completed. */
  update(chosen: ArrayLike<number>, logprobs: ArrayLike<number>): { next: number[]; completed: boolean } {
    const next: number[] = [];
    let completed = true;
    for (let i = 0; i < this.n; i++) {
      const row = this.rows[i]!;
      const done = row.length > 0 && row[row.length - 1] === this.eot;
      const t = done ? this.eot : chosen[i]!;
      if (!done) this.sumLogprobs[i] += logprobs[i]!;
      row.push(t);
      next.push(t);
      if (t !== this.eot) completed = false;
    }
    return { next, completed };
  }
  /** Candidates with the trailing end-of-text (and anything after it) removed. */
  finalize(): Candidate[] {
    return this.rows.map((r, i) => {
      const e = r.indexOf(this.eot);
      return { tokens: e >= 0 ? r.slice(0, e) : r.slice(), sumLogprob: this.sumLogprobs[i]! };
    });
  }
}

/**
 * Beam search over one audio with `beamSize` live beams. Each step takes the top (beamSize + 1) tokens of every
 * beam, ranks all continuations by cumulative log-probability, sends those ending in end-of-text to the finished
 * pool (until round(beamSize * patience) are there) and keeps the best beamSize others as the next beams.
 */
export class BeamSearch {
  beams: number[][];
  sumLogprobs: Float64Array;
  readonly finished = new Map<string, Candidate>();
  readonly maxCandidates: number;
  constructor(readonly beamSize: number, readonly eot: number, patience = 1) {
    this.beams = Array.from({ length: beamSize }, () => []);
    this.sumLogprobs = new Float64Array(beamSize);
    this.maxCandidates = Math.max(1, Math.round(beamSize * patience));
  }

  /**
   * `topTokens`/`topLogprobs`: [beamSize × k] row-major, the k best next tokens of each beam.
   * Returns the source beam of each new beam (for the KV cache), the tokens to feed, and whether search is done.
   */
  update(topTokens: ArrayLike<number>, topLogprobs: ArrayLike<number>, k: number):
    { sources: number[]; next: number[]; completed: boolean } {
    const scores = new Map<string, { score: number; source: number; tokens: number[] }>();
    for (let b = 0; b < this.beamSize; b++) {
      const prefix = this.beams[b]!;
      const prefixKey = prefix.join(',');
      for (let j = 0; j < k; j++) {
        const token = topTokens[b * k + j]!;
        const lp = topLogprobs[b * k + j]!;
        if (!(lp > -Infinity)) continue;
        const key = `${prefixKey}|${token}`;
        const score = this.sumLogprobs[b]! + lp;
        const prev = scores.get(key);
        // Identical beams (the first step) propose identical continuations: keep one (whisper's dict does too).
        if (!prev || prev.score < score) scores.set(key, { score, source: b, tokens: [...prefix, token] });
      }
    }
    const ranked = [...scores.values()].sort((a, b) => b.score - a.score);
    const nextBeams: number[][] = [], nextSums: number[] = [], sources: number[] = [];
    const newlyFinished: Candidate[] = [];
    for (const c of ranked) {
      if (c.tokens[c.tokens.length - 1] === this.eot) {
        newlyFinished.push({ tokens: c.tokens.slice(0, -1), sumLogprob: c.score });
      } else {
        nextBeams.push(c.tokens); nextSums.push(c.score); sources.push(c.source);
        if (nextBeams.length === this.beamSize) break;
      }
    }
    for (const f of newlyFinished) {  // already in score order
      if (this.finished.size >= this.maxCandidates) break;
      const key = f.tokens.join(',');
      if (!this.finished.has(key)) this.finished.set(key, f);
    }
    // Fewer continuations than beams can only happen with a degenerate vocabulary: repeat the best one.
    while (nextBeams.length < this.beamSize && nextBeams.length > 0) {
      nextBeams.push(nextBeams[0]!.slice()); nextSums.push(nextSums[0]!); sources.push(sources[0]!);
    }
    if (nextBeams.length === 0) {  // every continuation ended: keep the old beams so shapes stay valid
      return { sources: this.beams.map((_, i) => i), next: this.beams.map(() => this.eot), completed: true };
    }
    this.beams = nextBeams;
    this.sumLogprobs = Float64Array.from(nextSums);
    return { sources, next: nextBeams.map((t) => t[t.length - 1]!), completed: this.finished.size >= this.maxCandidates };
  }

  /** Finished candidates, topped up with the best live beams when too few finished before the length limit. */
  finalize(): Candidate[] {
    const out = [...this.finished.values()];
    if (out.length < this.beamSize) {
      const order = [...this.sumLogprobs.keys()].sort((a, b) => this.sumLogprobs[b]! - this.sumLogprobs[a]!);
      for (const i of order) {
        const key = this.beams[i]!.join(',');
        if (!this.finished.has(key)) out.push({ tokens: this.beams[i]!.slice(), sumLogprob: this.sumLogprobs[i]! });
        if (out.length >= this.beamSize) break;
      }
    }
    return out;
  }
}
