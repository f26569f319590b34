// SentencePiece BPE as llama.cpp runs it: symbols are characters, the adjacent pair whose
// concatenation is the highest-scoring token merges first, and leftover characters fall back
// to byte tokens. Symbols are integer ids; which pairs merge is memoized in a pair table, so
// strings are only joined the first time a pair is seen.
//
// The text is cut into segments before every U+2581 (escaped space) whose preceding character
// never precedes U+2581 inside any token: no merge can cross such a cut, so segments encode
// independently (exactly as the whole text would) and repeated segments come from a cache.
import { utf8Encoder } from './bytes.js';
import { PairTable } from './heap.js';
import { SymbolChain, type MergeRule } from './symbol-chain.js';

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
  private readonly chain = new SymbolChain();
  private readonly rule: MergeRule = {
    offer: (queue, a, b, pos, len) => {
      const m = this.mergeOf(a, b);
      if (m >= 0) queue.push(-this.scores[m], pos, len, m);
    },
    symbolOf: (id) => id,
  };

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
    const { chain } = this;
    chain.reserve(seg.length);
    const { sym, size } = chain;
    let n = 0;
    for (let i = 0; i < seg.length; n++) {
      const c = seg.charCodeAt(i);
      // Text is well-formed (lone surrogates were replaced), so a high surrogate has its pair.
      const w = c >= 0xd800 && c < 0xdc00 ? 2 : 1;
      sym[n] = this.symbolOfChar(w === 2 ? seg.codePointAt(i)! : c);
      size[n] = w;
      i += w;
    }
    chain.mergeAll(n, this.rule, out, this.vocabSize, this.extraOutput);
  }
}
