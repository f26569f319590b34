// SentencePiece BPE as llama.cpp runs it: symbols are characters, the adjacent pair whose
// concatenation is the highest-scoring token merges first, and leftover characters fall back
// to byte tokens. Symbols are integer ids; which pairs merge is memoized in a pair table, so
// strings are only joined the first time a pair is seen.
//
// The text is cut into segments before every U+2581 (escaped space) whose preceding character
// never precedes U+2581 inside any token: no merge can cross such a cut, so segments encode
// independently (exactly as the whole text would) and repeated segments come from a cache.
import { utf8Encoder } from './bytes.js';
import { MergeQueue, PairTable } from './heap.js';

const SPACE_MARK = 0x2581;
const CACHE_LIMIT = 50_000;
const PAIR_MEMO_LIMIT = 1 << 20;
const UNSET = -2;

export class SentencePieceEncoder {
  private readonly vocabSize: number;
  /** Symbol id per BMP character (UNSET until first seen); astral characters in a map. */
  private readonly charSymbol = new Int32Array(0x10000).fill(UNSET);
  private readonly astralSymbol = new Map<number, number>();
  /** Characters that are not tokens get ids ≥ vocabSize; their byte-token fallback. */
  private readonly extraText: string[] = [];
  private readonly extraOutput: number[][] = [];
  /** Pair → merged token id, or -1 when the concatenation is not a token. */
  private pairs = new PairTable(1 << 16);
  /** Code units that precede U+2581 inside some token: no cut there. */
  private readonly joinsSpace = new Uint8Array(0x10000);
  private readonly cache = new Map<string, number[]>();
  private readonly queue = new MergeQueue();
  private sym = new Int32Array(64);
  private size = new Int32Array(64);
  private prev = new Int32Array(64);
  private next = new Int32Array(64);

  constructor(private readonly tokens: readonly string[], private readonly ids: Map<string, number>,
              private readonly scores: Float32Array, private readonly byteTokens: Int32Array) {
    this.vocabSize = tokens.length;
    for (const t of tokens) {
      for (let i = t.indexOf('\u2581', 1); i > 0; i = t.indexOf('\u2581', i + 1)) this.joinsSpace[t.charCodeAt(i - 1)] = 1;
    }
  }

  /** Appends the tokens of `text` (spaces not yet escaped). */
  encode(text: string, out: number[]): void {
    const s = text.replaceAll(' ', '\u2581');
    let start = 0;
    for (let i = 1; i < s.length; i++) {
      if (s.charCodeAt(i) === SPACE_MARK && this.joinsSpace[s.charCodeAt(i - 1)] === 0) {
        this.encodeSegment(s.slice(start, i), out);
        start = i;
      }
    }
    if (start < s.length) this.encodeSegment(start === 0 ? s : s.slice(start), out);
  }

  private encodeSegment(seg: string, out: number[]): void {
    let ids = this.cache.get(seg);
    if (ids === undefined) {
      ids = [];
      this.merge(seg, ids);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(seg, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }

  private symbolOfChar(cp: number): number {
    if (cp < 0x10000) {
      const v = this.charSymbol[cp];
      if (v !== UNSET) return v;
      return (this.charSymbol[cp] = this.newCharSymbol(String.fromCharCode(cp)));
    }
    let v = this.astralSymbol.get(cp);
    if (v === undefined) this.astralSymbol.set(cp, (v = this.newCharSymbol(String.fromCodePoint(cp))));
    return v;
  }

  private newCharSymbol(ch: string): number {
    const id = this.ids.get(ch);
    if (id !== undefined) return id;
    const fallback: number[] = [];
    for (const b of utf8Encoder.encode(ch)) if (this.byteTokens[b] >= 0) fallback.push(this.byteTokens[b]);
    this.extraText.push(ch);
    this.extraOutput.push(fallback);
    return this.vocabSize + this.extraText.length - 1;
  }

  private textOf(id: number): string { return id < this.vocabSize ? this.tokens[id] : this.extraText[id - this.vocabSize]; }

  /** Merged token of the pair, or -1. */
  private mergeOf(a: number, b: number): number {
    const slot = this.pairs.find(a, b);
    if (slot >= 0) return this.pairs.value[slot];
    const merged = this.ids.get(this.textOf(a) + this.textOf(b)) ?? -1;
    if (this.pairs.size >= PAIR_MEMO_LIMIT) this.pairs = new PairTable(1 << 16);
    this.pairs.set(a, b, merged, 0);
    return merged;
  }

  private merge(seg: string, out: number[]): void {
    if (seg.length > this.sym.length) {
      const cap = seg.length * 2;
      this.sym = new Int32Array(cap); this.size = new Int32Array(cap);
      this.prev = new Int32Array(cap); this.next = new Int32Array(cap);
    }
    const { sym, size, prev, next, queue, scores } = this;
    let n = 0;
    for (let i = 0; i < seg.length; n++) {
      const c = seg.charCodeAt(i);
      // Text is well-formed (lone surrogates were replaced), so a high surrogate has its pair.
      const w = c >= 0xd800 && c < 0xdc00 ? 2 : 1;
      sym[n] = this.symbolOfChar(w === 2 ? seg.codePointAt(i)! : c);
      size[n] = w;
      i += w;
    }
    for (let i = 0; i < n; i++) { prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; }
    queue.clear();
    for (let i = 0; i + 1 < n; i++) {
      const m = this.mergeOf(sym[i], sym[i + 1]);
      if (m >= 0) queue.push(-scores[m], i, size[i] + size[i + 1], m);
    }
    while (queue.size) {
      queue.pop();
      const l = queue.topPosition, len = queue.topLen;
      const r = next[l];
      if (r < 0 || size[l] === 0 || size[r] === 0 || size[l] + size[r] !== len) continue; // stale
      sym[l] = queue.topValue;
      size[l] = len;
      size[r] = 0;
      const rr = next[r];
      next[l] = rr;
      if (rr >= 0) prev[rr] = l;
      const p = prev[l];
      if (p >= 0) {
        const m = this.mergeOf(sym[p], sym[l]);
        if (m >= 0) queue.push(-scores[m], p, size[p] + len, m);
      }
      if (rr >= 0) {
        const m = this.mergeOf(sym[l], sym[rr]);
        if (m >= 0) queue.push(-scores[m], l, len + size[rr], m);
      }
    }
    for (let i = 0; i >= 0; i = next[i]) {
      const id = sym[i];
      if (id < this.vocabSize) out.push(id);
      else for (const t of this.extraOutput[id - this.vocabSize]) out.push(t);
    }
  }
}
