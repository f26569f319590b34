// Byte-level BPE (GPT-2 style) over integer symbol ids: merges are a pair table
// (left id, right id) → (merged id, rank) built once from `tokenizer.ggml.merges`, so the merge
// loop allocates no strings. Words seen before come from a bounded cache.
import { BYTE_TO_CHAR, utf8Encoder } from './bytes.js';
import { PairTable } from './heap.js';
import { SymbolChain, type MergeRule } from './symbol-chain.js';

const CACHE_LIMIT = 50_000;

export class BytePairEncoder {
  private readonly vocabSize: number;
  /** Initial symbol of each byte (the token of its GPT-2 character). */
  private readonly byteSymbol = new Int32Array(256);
  private readonly merges: PairTable;
  /** Merge rank → merged symbol id, resolved on first use (building them all up front is most of the load time). */
  private readonly mergedId: Int32Array;
  private readonly mergeText: readonly string[];
  private readonly symbolOf: (text: string) => number;
  /** Ids ≥ vocabSize name merge pieces that are not tokens; what they are emitted as. */
  private readonly extraOutput: number[][] = [];
  private readonly cache = new Map<string, number[]>();
  // Scratch buffers, grown to the longest word seen.
  private bytes = new Uint8Array(256);
  private readonly chain = new SymbolChain();
  private readonly rule: MergeRule = {
    offer: (queue, a, b, pos, len) => {
      const s = this.merges.find(a, b);
      if (s >= 0) queue.push(this.merges.rank[s], pos, len, this.merges.rank[s]);
    },
    symbolOf: (rank) => this.merged(rank),
  };

  constructor(private readonly ids: Map<string, number>, vocabSize: number, merges: readonly string[],
              private readonly ignoreMerges: boolean) {
    this.vocabSize = vocabSize;
    const extra = new Map<string, number>();
    const symbolOf = (text: string): number => {
      const id = ids.get(text);
      if (id !== undefined) return id;
      let x = extra.get(text);
      if (x === undefined) {
        x = vocabSize + extra.size;
        extra.set(text, x);
        const outIds: number[] = [];
        for (const ch of text) { const c = ids.get(ch); if (c !== undefined) outIds.push(c); }
        this.extraOutput.push(outIds);
      }
      return x;
    };
    this.symbolOf = symbolOf;
    for (let b = 0; b < 256; b++) this.byteSymbol[b] = symbolOf(BYTE_TO_CHAR[b]);
    this.merges = new PairTable(merges.length);
    this.mergeText = merges;
    this.mergedId = new Int32Array(merges.length).fill(-1);
    for (let rank = 0; rank < merges.length; rank++) {
      const m = merges[rank];
      const sp = m.indexOf(' ', 1);
      // The first rank of a pair wins, as in llama.cpp's map.
      this.merges.set(symbolOf(m.slice(0, sp)), symbolOf(m.slice(sp + 1)), rank, rank);
    }
  }

  private merged(rank: number): number {
    const id = this.mergedId[rank];
    if (id >= 0) return id;
    const m = this.mergeText[rank], sp = m.indexOf(' ', 1);
    return (this.mergedId[rank] = this.symbolOf(m.slice(0, sp) + m.slice(sp + 1)));
  }

  /** Appends the tokens of one pre-tokenized word. */
  encodeWord(word: string, out: number[]): void {
    const cached = this.cache.get(word);
    if (cached !== undefined) {
      for (let i = 0; i < cached.length; i++) out.push(cached[i]);
      return;
    }
    const ids: number[] = [];
    this.encodeUncached(word, ids);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, ids);
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }

  private encodeUncached(word: string, out: number[]): void {
    let n = word.length;
    if (n * 3 > this.bytes.length) this.bytes = new Uint8Array(n * 3 + 64);
    const bytes = this.bytes;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      const c = word.charCodeAt(i);
      if (c >= 128) { ascii = false; break; }
      bytes[i] = c;
    }
    if (!ascii) n = utf8Encoder.encodeInto(word, bytes).written;
    if (n === 0) return;
    if (this.ignoreMerges) {
      let mapped = '';
      for (let i = 0; i < n; i++) mapped += BYTE_TO_CHAR[bytes[i]];
      const whole = this.ids.get(mapped);
      if (whole !== undefined) { out.push(whole); return; }
    }
    const { chain } = this;
    chain.reserve(n);
    const { sym, size } = chain;
    for (let i = 0; i < n; i++) { sym[i] = this.byteSymbol[bytes[i]]; size[i] = 1; }
    chain.mergeAll(n, this.rule, out, this.vocabSize, this.extraOutput);
  }
}
