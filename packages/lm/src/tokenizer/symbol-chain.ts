// The merge loop shared by byte-level BPE and SentencePiece: symbols in a doubly linked list, candidate pairs in a
// priority queue, stale entries skipped by their recorded combined length. The two tokenizers differ only in which
// pairs merge, with what priority, and what symbol a merge yields: that is the `MergeRule`.
import { MergeQueue } from './heap.js';

export interface MergeRule {
  /** Offers the pair (a, b) starting at `pos` with combined length `len`: push it on `queue` if it merges. */
  offer(queue: MergeQueue, a: number, b: number, pos: number, len: number): void;
  /** The symbol a popped entry's value stands for. */
  symbolOf(value: number): number;
}

export class SymbolChain {
  sym = new Int32Array(64);
  size = new Int32Array(64);
  private prev = new Int32Array(64);
  private next = new Int32Array(64);
  private readonly queue = new MergeQueue();

  /** Makes room for n symbols; the caller then fills `sym[0..n)` and `size[0..n)`. */
  reserve(n: number): void {
    if (n <= this.sym.length) return;
    const cap = n * 2;
    this.sym = new Int32Array(cap); this.size = new Int32Array(cap);
    this.prev = new Int32Array(cap); this.next = new Int32Array(cap);
  }

  /**
   * Merges the first n symbols under `rule` and appends the result to `out`: token ids as they are, symbols
   * ≥ vocabSize (pieces that are not tokens) as their `extraOutput` ids.
   */
  mergeAll(n: number, rule: MergeRule, out: number[], vocabSize: number, extraOutput: readonly number[][]): void {
    const { sym, size, prev, next, queue } = this;
    for (let i = 0; i < n; i++) { prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; }
    queue.clear();
    for (let i = 0; i + 1 < n; i++) rule.offer(queue, sym[i], sym[i + 1], i, size[i] + size[i + 1]);
    while (queue.size) {
      queue.pop();
      const l = queue.topPosition, len = queue.topLen;
      const r = next[l];
      if (r < 0 || size[l] === 0 || size[r] === 0 || size[l] + size[r] !== len) continue; // stale
      sym[l] = rule.symbolOf(queue.topValue);
      size[l] = len;
      size[r] = 0;
      const rr = next[r];
      next[l] = rr;
      if (rr >= 0) prev[rr] = l;
      const p = prev[l];
      if (p >= 0) rule.offer(queue, sym[p], sym[l], p, size[p] + len);
      if (rr >= 0) rule.offer(queue, sym[l], sym[rr], l, len + size[rr]);
    }
    for (let i = 0; i >= 0; i = next[i]) {
      const id = sym[i];
      if (id < vocabSize) out.push(id);
      else for (const t of extraOutput[id - vocabSize]) out.push(t);
    }
  }
}
