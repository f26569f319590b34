// Our own tokenizer over an explicit vocabulary: byte-level BPE (GPT-2 style, merges by rank)
// and SentencePiece BPE (merges by score, byte fallback), with llama.cpp's special-token
// handling. Built from GGUF metadata (gguf.ts).
import { BYTE_TO_CHAR, ByteSink, CHAR_TO_BYTE, utf8Encoder } from './bytes.js';
import { ChatTemplate } from './chat.js';
import { mergeSymbols } from './heap.js';
import type { PreTokenizer } from './pretokenize.js';
import { SpecialMatcher } from './special.js';
import { TokenizerError, type ChatMessage, type EncodeOptions, type StreamDecoder, type Tokenizer } from './types.js';

/** GGUF token types (llama.cpp's llama_token_type). */
export const TokenType = { UNDEFINED: 0, NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface VocabSpec {
  kind: 'bpe' | 'spm';
  tokens: string[];
  types: Int32Array;
  /** SentencePiece scores (higher merges first). */
  scores?: Float32Array;
  /** Byte-level BPE merges, "left right", in rank order. */
  merges?: string[];
  preTokenizer?: PreTokenizer;
  /** Take a whole pre-tokenized word when it is a token (llama 3). */
  ignoreMerges?: boolean;
  bosId?: number;
  eosIds: number[];
  addBos: boolean;
  addEos: boolean;
  addSpacePrefix: boolean;
  chatTemplate?: string;
}

const SPACE_MARK = '\u2581';
const WORD_CACHE_LIMIT = 100_000;

export class VocabTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId?: number;
  readonly eosTokenIds: readonly number[];
  readonly chatTemplate?: string;
  private readonly ids = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly allSpecial: SpecialMatcher;
  private readonly userDefined: SpecialMatcher;
  private readonly bytesOf: Array<Uint8Array | undefined>;
  private readonly byteTokens = new Int32Array(256).fill(-1);
  private readonly wordCache = new Map<string, number[]>();
  private template?: ChatTemplate;

  constructor(private readonly spec: VocabSpec) {
    const { tokens, types } = spec;
    this.vocabSize = tokens.length;
    this.bosTokenId = spec.bosId;
    this.eosTokenIds = [...new Set(spec.eosIds)];
    this.chatTemplate = spec.chatTemplate;
    tokens.forEach((t, i) => this.ids.set(t, i));
    spec.merges?.forEach((m, i) => { if (!this.ranks.has(m)) this.ranks.set(m, i); });
    const special: Array<{ id: number; text: string }> = [], user: Array<{ id: number; text: string }> = [];
    tokens.forEach((text, id) => {
      const t = types[id];
      if (t === TokenType.CONTROL || t === TokenType.UNKNOWN || t === TokenType.USER_DEFINED) special.push({ id, text });
      if (t === TokenType.USER_DEFINED) user.push({ id, text });
    });
    this.allSpecial = new SpecialMatcher(special);
    this.userDefined = new SpecialMatcher(user);
    this.bytesOf = new Array(tokens.length);
    if (spec.kind === 'spm') {
      for (let b = 0; b < 256; b++) {
        const hex = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
        this.byteTokens[b] = this.ids.get(hex) ?? (b < 128 ? this.ids.get(String.fromCharCode(b)) ?? -1 : -1);
      }
    }
  }

  tokenToId(token: string): number | undefined { return this.ids.get(token); }
  idToToken(id: number): string | undefined { return Number.isInteger(id) ? this.spec.tokens[id] : undefined; }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new TokenizerError('encode expects a string.');
    const addSpecial = opts.addSpecialTokens ?? true;
    const out: number[] = [];
    if (addSpecial && this.spec.addBos && this.bosTokenId !== undefined) out.push(this.bosTokenId);
    const fragments = ((opts.parseSpecial ?? true) ? this.allSpecial : this.userDefined).split(wellFormed(text));
    let prevSpecial = true;
    for (const f of fragments) {
      if (typeof f === 'number') { out.push(f); prevSpecial = true; continue; }
      if (this.spec.kind === 'spm') this.encodeSpm((this.spec.addSpacePrefix && prevSpecial ? ' ' : '') + f, out);
      else this.encodeBpe(f, out);
      prevSpecial = false;
    }
    if (addSpecial && this.spec.addEos && this.eosTokenIds.length) out.push(this.eosTokenIds[0]);
    return out;
  }

  private encodeBpe(text: string, out: number[]): void {
    const words = this.spec.preTokenizer ? this.spec.preTokenizer(text) : [text];
    for (const word of words) {
      const cached = this.wordCache.get(word);
      if (cached) { for (const id of cached) out.push(id); continue; }
      const ids: number[] = [];
      const bytes = utf8Encoder.encode(word);
      const symbols = new Array<string>(bytes.length);
      for (let i = 0; i < bytes.length; i++) symbols[i] = BYTE_TO_CHAR[bytes[i]];
      const whole = this.spec.ignoreMerges ? this.ids.get(symbols.join('')) : undefined;
      if (whole !== undefined) ids.push(whole);
      else {
        for (const sym of mergeSymbols(symbols, (a, b) => this.ranks.get(`${a} ${b}`))) {
          const id = this.ids.get(sym);
          if (id !== undefined) { ids.push(id); continue; }
          for (const ch of sym) { const c = this.ids.get(ch); if (c !== undefined) ids.push(c); }
        }
      }
      if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
      this.wordCache.set(word, ids);
      for (const id of ids) out.push(id);
    }
  }

  private encodeSpm(text: string, out: number[]): void {
    const escaped = text.replaceAll(' ', SPACE_MARK);
    const scores = this.spec.scores!;
    const merged = mergeSymbols(Array.from(escaped), (a, b) => {
      const id = this.ids.get(a + b);
      return id === undefined ? undefined : -scores[id];
    });
    for (const sym of merged) {
      const id = this.ids.get(sym);
      if (id !== undefined) { out.push(id); continue; }
      for (const b of utf8Encoder.encode(sym)) {
        const t = this.byteTokens[b];
        if (t >= 0) out.push(t);
      }
    }
  }

  /** The bytes a token stands for in text (llama.cpp's token_to_piece). */
  private tokenBytes(id: number, withSpecial: boolean): Uint8Array {
    const t = this.spec.types[id];
    if (t === TokenType.CONTROL || t === TokenType.UNKNOWN) return withSpecial ? utf8Encoder.encode(this.spec.tokens[id]) : EMPTY;
    let b = this.bytesOf[id];
    if (b) return b;
    const text = this.spec.tokens[id];
    if (t === TokenType.USER_DEFINED) b = utf8Encoder.encode(text);
    else if (t === TokenType.UNUSED) b = EMPTY;
    else if (this.spec.kind === 'spm') {
      const m = t === TokenType.BYTE ? /^<0x([0-9A-Fa-f]{2})>$/.exec(text) : null;
      b = m ? Uint8Array.of(parseInt(m[1], 16)) : utf8Encoder.encode(text.replaceAll(SPACE_MARK, ' '));
    } else {
      const bytes: number[] = [];
      for (const ch of text) {
        const v = CHAR_TO_BYTE.get(ch);
        if (v !== undefined) bytes.push(v); else bytes.push(...utf8Encoder.encode(ch));
      }
      b = Uint8Array.from(bytes);
    }
    this.bytesOf[id] = b;
    return b;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new TokenizerError(`Token id ${id} is outside the vocabulary (size ${this.vocabSize}).`);
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    const sink = new ByteSink();
    const special = !(opts.skipSpecialTokens ?? false);
    for (const id of ids) { this.checkId(id); sink.push(this.tokenBytes(id, special)); }
    let text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(sink.view());
    if (this.spec.kind === 'spm' && this.spec.addSpacePrefix && text.startsWith(' ')) text = text.slice(1);
    return text;
  }

  streamDecoder(opts: { skipSpecialTokens?: boolean } = {}): StreamDecoder {
    const special = !(opts.skipSpecialTokens ?? false);
    const dec = new TextDecoder('utf-8', { ignoreBOM: true });
    let first = this.spec.kind === 'spm' && this.spec.addSpacePrefix;
    const strip = (s: string) => {
      if (first && s.length) { first = false; if (s.startsWith(' ')) return s.slice(1); }
      return s;
    };
    return {
      push: (id: number) => { this.checkId(id); return strip(dec.decode(this.tokenBytes(id, special), { stream: true })); },
      flush: () => strip(dec.decode()),
    };
  }

  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean; extra?: Record<string, unknown> }): string {
    if (!this.chatTemplate) throw new TokenizerError('This model has no chat template (tokenizer.chat_template) and none is built in for its format.');
    this.template ??= new ChatTemplate(this.chatTemplate, {
      bos_token: this.bosTokenId !== undefined ? this.spec.tokens[this.bosTokenId] : undefined,
      eos_token: this.eosTokenIds.length ? this.spec.tokens[this.eosTokenIds[0]] : undefined,
    });
    return this.template.render(messages, opts);
  }
}

const EMPTY = new Uint8Array(0);

/** Lone surrogates become U+FFFD, as TextEncoder would encode them. */
function wellFormed(s: string): string {
  const f = (s as { toWellFormed?: () => string }).toWellFormed;
  return f ? f.call(s) : s;
}
