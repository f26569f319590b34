// Whisper's tokenizer: GPT-2 style byte-level BPE read from `tokenizer.json`, plus Whisper's special tokens
// (looked up by their strings, never by hard-coded ids), timestamps and word splitting.
import { readFileSync } from 'node:fs';
import { ModelFormatError } from './errors.js';
import type { WhisperTokenizer } from './model/types.js';

/** GPT-2's reversible byte → printable character map. */
function bytesToUnicode(): string[] {
  const table: string[] = new Array(256);
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable(b) ? b : 256 + extra++);
  return table;
}
const BYTE_TO_CHAR = bytesToUnicode();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));
const PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const UNICODE_SPLIT_LANGUAGES = new Set(['zh', 'ja', 'th', 'lo', 'my', 'yue']);

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: Array<string | [string, string]> };
  added_tokens?: Array<{ id: number; content: string }>;
}

export class BpeWhisperTokenizer implements WhisperTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly idToToken: string[] = [];
  private readonly ranks = new Map<string, number>();
  private readonly special = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  readonly eot: number; readonly sot: number; readonly sotPrev: number; readonly sotLm: number;
  readonly noSpeech: number; readonly noTimestamps: number; readonly timestampBegin: number;
  readonly transcribe: number; readonly translate: number;
  readonly languageCodes: string[];
  readonly multilingual: boolean;

  constructor(json: TokenizerJson, opts: { multilingual?: boolean; file?: string } = {}) {
    const file = opts.file ?? 'tokenizer.json';
    const m = json.model;
    if (!m || m.type !== 'BPE' || !m.vocab || !m.merges) throw new ModelFormatError(file, 0, 'expected a BPE model with vocab and merges');
    this.vocab = new Map(Object.entries(m.vocab));
    for (const [t, id] of this.vocab) this.idToToken[id] = t;
    m.merges.forEach((pair, i) => {
      const [a, b] = typeof pair === 'string' ? pair.split(' ') : pair;
      this.ranks.set(`${a} ${b}`, i);
    });
    for (const t of json.added_tokens ?? []) { this.special.set(t.content, t.id); this.idToToken[t.id] = t.content; }
    const need = (s: string): number => {
      const id = this.special.get(s) ?? this.vocab.get(s);
      if (id === undefined) throw new ModelFormatError(file, 0, `special token '${s}' is missing`);
      return id;
    };
    this.eot = need('<|endoftext|>');
    this.sot = need('<|startoftranscript|>');
    this.translate = need('<|translate|>');
    this.transcribe = need('<|transcribe|>');
    this.sotLm = need('<|startoflm|>');
    this.sotPrev = need('<|startofprev|>');
    this.noSpeech = this.special.get('<|nospeech|>') ?? need('<|nocaptions|>');
    this.noTimestamps = need('<|notimestamps|>');
    // tokenizer.json of faster-whisper models lacks the timestamp tokens: they follow <|notimestamps|>.
    this.timestampBegin = this.special.get('<|0.00|>') ?? this.noTimestamps + 1;
    this.languageCodes = [...this.special.entries()]
      .filter(([s, id]) => id > this.sot && id < this.translate && /^<\|[a-z]{2,3}\|>$/.test(s))
      .sort((a, b) => a[1] - b[1])
      .map(([s]) => s.slice(2, -2));
    // GPT-2's vocabulary (English-only models) ends with <|endoftext|> at 50256; the multilingual one has one more
    // regular token. loadWhisper passes the model's own answer (vocabulary size) instead.
    this.multilingual = opts.multilingual ?? this.eot >= 50257;
  }

  static fromFile(path: string, opts: { multilingual?: boolean } = {}): BpeWhisperTokenizer {
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch (e) { throw new ModelFormatError(path, 0, `cannot read: ${(e as Error).message}`); }
    let json: TokenizerJson;
    try { json = JSON.parse(text); } catch (e) { throw new ModelFormatError(path, 0, `invalid JSON: ${(e as Error).message}`); }
    return new BpeWhisperTokenizer(json, { ...opts, file: path });
  }

  private bpe(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    let parts = [...word];
    while (parts.length > 1) {
      let best = -1, bestRank = Infinity;
      for (let i = 0; i < parts.length - 1; i++) {
        const r = this.ranks.get(`${parts[i]} ${parts[i + 1]}`);
        if (r !== undefined && r < bestRank) { bestRank = r; best = i; }
      }
      if (best < 0) break;
      const merged = parts[best] + parts[best + 1];
      const next: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i < parts.length - 1 && parts[i] === parts[best] && parts[i + 1] === parts[best + 1] &&
            this.ranks.get(`${parts[i]} ${parts[i + 1]}`) === bestRank) { next.push(merged); i++; } else next.push(parts[i]);
      }
      parts = next;
    }
    const ids = parts.map((p) => {
      const id = this.vocab.get(p);
      if (id === undefined) throw new ModelFormatError('tokenizer.json', 0, `BPE produced '${p}', which is not in the vocabulary`);
      return id;
    });
    if (this.cache.size < 50_000) this.cache.set(word, ids);
    return ids;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const m of text.matchAll(PRETOKENIZE)) {
      const mapped = Array.from(new TextEncoder().encode(m[0]), (b) => BYTE_TO_CHAR[b]).join('');
      out.push(...this.bpe(mapped));
    }
    return out;
  }

  private bytesOf(ids: readonly number[]): Uint8Array {
    const bytes: number[] = [];
    for (const id of ids) {
      const t = this.idToToken[id];
      if (t === undefined) continue;
      for (const ch of t) { const b = CHAR_TO_BYTE.get(ch); if (b !== undefined) bytes.push(b); }
    }
    return Uint8Array.from(bytes);
  }

  decode(ids: readonly number[]): string {
    return new TextDecoder().decode(this.bytesOf(ids.filter((id) => id < this.eot)));
  }

  decodeWithTimestamps(ids: readonly number[]): string {
    let out = '';
    let run: number[] = [];
    const flush = () => { out += new TextDecoder().decode(this.bytesOf(run)); run = []; };
    for (const id of ids) {
      if (id >= this.timestampBegin) { flush(); out += `<|${((id - this.timestampBegin) * 0.02).toFixed(2)}|>`; } else if (id >= this.eot) { flush(); out += this.idToToken[id] ?? ''; } else run.push(id);
    }
    flush();
    return out;
  }

  /** The token's string (byte-level characters for text tokens), or undefined. */
  tokenString(id: number): string | undefined { return this.idToToken[id]; }

  languageToken(code: string): number {
    const id = this.special.get(`<|${code}|>`);
    if (id === undefined || !this.languageCodes.includes(code)) throw new RangeError(`Unknown language code '${code}'.`);
    return id;
  }

  sotSequence(language?: string, task: 'transcribe' | 'translate' = 'transcribe'): number[] {
    if (!this.multilingual) return [this.sot];
    const seq = [this.sot];
    if (language) seq.push(this.languageToken(language));
    seq.push(task === 'translate' ? this.translate : this.transcribe);
    return seq;
  }

  /** Tokens of symbols and speaker markers that are not speech (openai/whisper's list, computed by encoding). */
  nonSpeechTokens(): number[] {
    const symbols = [...'"#()*+/:;<=>@[\\]^_`{|}~「」『』',
      ...'<< >> <<< >>> -- --- -( -[ (\' (" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪'.split(' ')];
    const misc = new Set([...'♩♪♫♬♭♮♯']);
    const result = new Set<number>([this.encode(' -')[0], this.encode(" '")[0]]);
    for (const s of [...symbols, ...misc]) {
      for (const toks of [this.encode(s), this.encode(` ${s}`)]) {
        if (toks.length === 1 || misc.has(s)) result.add(toks[0]);
      }
    }
    return [...result].sort((a, b) => a - b);
  }

  /** Groups tokens into words: at spaces, or at every complete character for languages written without spaces. */
  splitToWordTokens(tokens: number[], language?: string): { words: string[]; wordTokens: number[][] } {
    if (language && UNICODE_SPLIT_LANGUAGES.has(language)) return this.splitOnUnicode(tokens);
    const { words: subwords, wordTokens: subTokens } = this.splitOnUnicode(tokens);
    const words: string[] = [], wordTokens: number[][] = [];
    subwords.forEach((sub, i) => {
      const special = subTokens[i][0] >= this.eot;
      const startsWithSpace = sub.startsWith(' ');
      const punctuation = /^[\p{P}\p{S}]+$/u.test(sub.trim()) && sub.trim().length > 0;
      if (special || startsWithSpace || punctuation || words.length === 0) {
        words.push(sub);
        wordTokens.push([...subTokens[i]]);
      } else {
        words[words.length - 1] += sub;
        wordTokens[wordTokens.length - 1].push(...subTokens[i]);
      }
    });
    return { words, wordTokens };
  }

  /** Emits a unit whenever the tokens so far decode to complete UTF-8 characters. */
  private splitOnUnicode(tokens: number[]): { words: string[]; wordTokens: number[][] } {
    const full = this.decodeWithTimestamps(tokens);
    const words: string[] = [], wordTokens: number[][] = [];
    let current: number[] = [];
    let pos = 0;
    for (const t of tokens) {
      current.push(t);
      const d = this.decodeWithTimestamps(current);
      const at = full.indexOf('\uFFFD', pos);
      if (!d.includes('\uFFFD') || (at >= 0 && at === pos + d.indexOf('\uFFFD'))) {
        words.push(d);
        wordTokens.push(current);
        current = [];
        pos += d.length;
      }
    }
    return { words, wordTokens };
  }
}
