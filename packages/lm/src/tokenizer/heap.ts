// Binary min-heap over (priority, position) pairs: the merge queue of BPE and SentencePiece.
// Lower priority first; ties go to the leftmost position, as in llama.cpp.
export class MergeQueue {
  // Parallel typed arrays (grown by doubling): the queue holds up to ~2 entries per symbol.
  private pri = new Float64Array(64);
  private pos = new Int32Array(64);
  private len = new Int32Array(64);
  size = 0;
  private less(i: number, j: number): boolean {
    const a = this.pri[i], b = this.pri[j];
    return a < b || (a === b && this.pos[i] < this.pos[j]);
  }
  private swap(i: number, j: number): void {
    const p = this.pri[i]; this.pri[i] = this.pri[j]; this.pri[j] = p;
    const q = this.pos[i]; this.pos[i] = this.pos[j]; this.pos[j] = q;
    const l = this.len[i]; this.len[i] = this.len[j]; this.len[j] = l;
  }
  /** `len` = combined length of the pair when queued, to detect stale entries. */
  push(priority: number, position: number, len: number): void {
    if (this.size === this.pri.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T): T => { const n = new (a.constructor as new (k: number) => T)(a.length * 2); n.set(a); return n; };
      this.pri = grow(this.pri); this.pos = grow(this.pos); this.len = grow(this.len);
    }
    let i = this.size++;
    this.pri[i] = priority; this.pos[i] = position; this.len[i] = len;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p); i = p;
    }
  }
  /** Pops the best entry; read it from `topPosition`/`topLen`. */
  topPosition = 0;
  topLen = 0;
  pop(): void {
    this.topPosition = this.pos[0]; this.topLen = this.len[0];
    const last = --this.size;
    this.swap(0, last);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m); i = m;
    }
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
    q.pop();
    const l = q.topPosition, len = q.topLen;
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
