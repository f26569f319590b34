// Binary min-heap over (priority, position) pairs: the merge queue of BPE and SentencePiece.
// Lower priority first; ties go to the leftmost position, as in llama.cpp. Each entry also
// carries the merged symbol id and the pair's combined length (to detect stale entries).
export class MergeQueue {
  // Parallel typed arrays (grown by doubling): the queue holds up to ~2 entries per symbol.
  private pri = new Float64Array(64);
  private pos = new Int32Array(64);
  private len = new Int32Array(64);
  private val = new Int32Array(64);
  size = 0;
  /** The last popped entry. */
  topPosition = 0;
  topLen = 0;
  topValue = 0;

  clear(): void { this.size = 0; }

  private less(i: number, j: number): boolean {
    const a = this.pri[i], b = this.pri[j];
    return a < b || (a === b && this.pos[i] < this.pos[j]);
  }

  private swap(i: number, j: number): void {
    const p = this.pri[i]; this.pri[i] = this.pri[j]; this.pri[j] = p;
    const q = this.pos[i]; this.pos[i] = this.pos[j]; this.pos[j] = q;
    const l = this.len[i]; this.len[i] = this.len[j]; this.len[j] = l;
    const v = this.val[i]; this.val[i] = this.val[j]; this.val[j] = v;
  }

  push(priority: number, position: number, len: number, value: number): void {
    if (this.size === this.pri.length) {
      const n = this.size * 2;
      const pri = new Float64Array(n); pri.set(this.pri); this.pri = pri;
      const pos = new Int32Array(n); pos.set(this.pos); this.pos = pos;
      const len2 = new Int32Array(n); len2.set(this.len); this.len = len2;
      const val = new Int32Array(n); val.set(this.val); this.val = val;
    }
    let i = this.size++;
    this.pri[i] = priority; this.pos[i] = position; this.len[i] = len; this.val[i] = value;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p); i = p;
    }
  }

  /** Pops the best entry into `topPosition`/`topLen`/`topValue`. */
  pop(): void {
    this.topPosition = this.pos[0]; this.topLen = this.len[0]; this.topValue = this.val[0];
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
 * Open-addressing hash table from a pair of symbol ids to two int32 values (merged id, rank).
 * Replaces string keys like `${left} ${right}` so merge loops allocate nothing.
 */
export class PairTable {
  private a: Int32Array;
  private b: Int32Array;
  value: Int32Array;
  rank: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.a = new Int32Array(cap).fill(-1);
    this.b = new Int32Array(cap);
    this.value = new Int32Array(cap);
    this.rank = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ b;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  /** Slot index of (a, b), or -1. */
  find(a: number, b: number): number {
    const keys = this.a, mask = this.mask;
    for (let i = this.slot(a, b) & mask; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === -1) return -1;
      if (k === a && this.b[i] === b) return i;
    }
  }

  /** Inserts (a, b) unless present; returns false when it was already there. */
  set(a: number, b: number, value: number, rank: number): boolean {
    if ((this.size + 1) * 2 > this.mask) this.grow();
    const mask = this.mask;
    let i = this.slot(a, b) & mask;
    for (; this.a[i] !== -1; i = (i + 1) & mask) if (this.a[i] === a && this.b[i] === b) return false;
    this.a[i] = a; this.b[i] = b; this.value[i] = value; this.rank[i] = rank;
    this.size++;
    return true;
  }

  private grow(): void {
    const { a, b, value, rank } = this;
    const cap = (this.mask + 1) * 2;
    this.a = new Int32Array(cap).fill(-1); this.b = new Int32Array(cap);
    this.value = new Int32Array(cap); this.rank = new Int32Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== -1) this.set(a[i], b[i], value[i], rank[i]);
  }
}
