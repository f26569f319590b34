// Binary min-heap over (priority, position) pairs: the merge queue of BPE and SentencePiece.
// Lower priority first; ties go to the leftmost position, as in llama.cpp.
export class MergeQueue {
  private pri: number[] = [];
  private pos: number[] = [];
  private len: number[] = [];
  get size(): number { return this.pri.length; }
  private less(i: number, j: number): boolean {
    return this.pri[i] < this.pri[j] || (this.pri[i] === this.pri[j] && this.pos[i] < this.pos[j]);
  }
  private swap(i: number, j: number): void {
    [this.pri[i], this.pri[j]] = [this.pri[j], this.pri[i]];
    [this.pos[i], this.pos[j]] = [this.pos[j], this.pos[i]];
    [this.len[i], this.len[j]] = [this.len[j], this.len[i]];
  }
  /** `len` = combined length of the pair when queued, to detect stale entries. */
  push(priority: number, position: number, len: number): void {
    this.pri.push(priority); this.pos.push(position); this.len.push(len);
    let i = this.pri.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p); i = p;
    }
  }
  pop(): { position: number; len: number } {
    const top = { position: this.pos[0], len: this.len[0] };
    const last = this.pri.length - 1;
    this.swap(0, last);
    this.pri.pop(); this.pos.pop(); this.len.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m); i = m;
    }
    return top;
  }
}

/**
 * Merges adjacent symbols while `priority(left, right)` gives a number (lower merges first).
 * Returns the final symbols. `symbols` is consumed.
 */
export function mergeSymbols(symbols: string[], priority: (a: string, b: string) => number | undefined): string[] {
  const n = symbols.length;
  if (n < 2) return symbols;
  const text = symbols;
  const prev = new Int32Array(n), next = new Int32Array(n);
  const size = new Int32Array(n); // length in symbols-text; 0 once merged away
  for (let i = 0; i < n; i++) { prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; size[i] = text[i].length; }
  const q = new MergeQueue();
  const tryAdd = (l: number) => {
    const r = next[l];
    if (l < 0 || r < 0) return;
    const p = priority(text[l], text[r]);
    if (p !== undefined) q.push(p, l, size[l] + size[r]);
  };
  for (let i = 0; i + 1 < n; i++) tryAdd(i);
  while (q.size) {
    const { position: l, len } = q.pop();
    const r = next[l];
    if (r < 0 || size[l] === 0 || size[r] === 0 || size[l] + size[r] !== len) continue; // stale
    text[l] += text[r];
    size[l] = len;
    size[r] = 0;
    next[l] = next[r];
    if (next[r] >= 0) prev[next[r]] = l;
    tryAdd(prev[l]);
    tryAdd(l);
  }
  const out: string[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(text[i]);
  return out;
}
