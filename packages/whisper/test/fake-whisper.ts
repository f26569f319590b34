// A scripted Whisper for decoding tests: logits come from a function of the row's token history, the cache records
// histories (and reorders them like a real KV cache), and the tokenizer maps ids to fixed words.
import * as mx from '@mlx/core';
import type { DecoderCache, WhisperLike, WhisperModelLike, WhisperTokenizerLike } from '../src/decoding/contract.js';

export const TEXT = 50;  // text tokens 0..49, token 0 is " " (blank)
export const EOT = 50, SOT = 51, SOT_PREV = 52, SOT_LM = 53, NO_SPEECH = 54, NO_TS = 55, TRANSCRIBE = 56, TRANSLATE = 57;
export const LANG0 = 58;  // two languages: en, de
export const TB = 60;
export const VOCAB = TB + 1501;
export const WORDS = Array.from({ length: TEXT }, (_, i) => (i === 0 ? ' ' : ` w${i}`));

/** Maps a row's history (everything fed so far, initial tokens included) to logits over VOCAB. */
export type Script = (history: number[]) => Float32Array;

/** logits with `value` at the given ids and `rest` elsewhere. */
export function logitsWith(entries: Record<number, number>, rest = -30): Float32Array {
  const l = new Float32Array(VOCAB).fill(rest);
  for (const [k, v] of Object.entries(entries)) l[Number(k)] = v;
  return l;
}

class FakeCache implements DecoderCache {
  rows: number[][] = [];
  disposed = false;
  get length(): number { return this.rows[0]?.length ?? 0; }
  reorder(idx: mx.array): void {
    const ids = Array.from(idx.toTypedArray() as Int32Array);
    this.rows = ids.map((i) => this.rows[i]!.slice());
  }
  dispose(): void { this.disposed = true; }
}

export class FakeModel implements WhisperModelLike {
  readonly dims = { nMels: 80, nAudioCtx: 1500, nAudioState: 4, nAudioHead: 1, nAudioLayer: 1, nVocab: VOCAB, nTextCtx: 448, nTextState: 4, nTextHead: 1, nTextLayer: 1 };
  readonly numLanguages = 2;
  readonly alignmentHeads: Array<[number, number]> = [[0, 0]];
  calls: Array<{ B: number; T: number }> = [];
  caches: FakeCache[] = [];
  /** Cross-attention (crossQK) script for word timing: [T, frames] for the full token list. */
  crossQK?: (tokens: number[]) => Float32Array;
  constructor(public script: Script, readonly isMultilingual = false, public noSpeechLogit = -30) {}
  embedAudio(mel: mx.array): mx.array { return mx.zeros([mel.shape[0]!, 1500, 4]); }
  newCache(): DecoderCache { const c = new FakeCache(); this.caches.push(c); return c; }
  decode(tokens: mx.array, _audio: mx.array, cache?: DecoderCache, opts?: { crossAttention?: boolean }) {
    const [B, T] = tokens.shape as [number, number];
    this.calls.push({ B, T });
    const ids = Array.from(tokens.toTypedArray() as Int32Array);
    const c = cache as FakeCache | undefined;
    const out = new Float32Array(B * T * VOCAB);
    for (let b = 0; b < B; b++) {
      const hist = c ? (c.rows[b] ??= []) : [];
      for (let t = 0; t < T; t++) {
        hist.push(ids[b * T + t]!);
        const l = hist[hist.length - 1] === SOT ? logitsWith({ [NO_SPEECH]: this.noSpeechLogit, [LANG0]: 2, [LANG0 + 1]: 1, ...Object.fromEntries([...this.script(hist.slice()).entries()].filter(([, v]) => v > -30)) }) : this.script(hist.slice());
        out.set(l, (b * T + t) * VOCAB);
      }
    }
    const logits = mx.array(out).reshape([B, T, VOCAB]);
    if (opts?.crossAttention && this.crossQK) {
      const qk = this.crossQK(ids.slice(0, T));
      return { logits, crossQK: [mx.array(qk).reshape([1, 1, T, 1500])] };
    }
    return { logits };
  }
}

export class FakeTokenizer implements WhisperTokenizerLike {
  readonly eot = EOT; readonly sot = SOT; readonly sotPrev = SOT_PREV; readonly sotLm = SOT_LM; readonly noSpeech = NO_SPEECH;
  readonly noTimestamps = NO_TS; readonly timestampBegin = TB; readonly transcribe = TRANSCRIBE; readonly translate = TRANSLATE;
  readonly languageCodes = ['en', 'de'];
  constructor(readonly multilingual = false) {}
  encode(text: string): number[] {
    const out: number[] = [];
    for (const m of text.matchAll(/ ?[^ ]+| /g)) {
      const i = WORDS.indexOf(m[0]);
      out.push(i >= 0 ? i : 1);
    }
    return out;
  }
  decode(ids: readonly number[]): string { return ids.filter((i) => i < EOT).map((i) => WORDS[i]).join(''); }
  decodeWithTimestamps(ids: readonly number[]): string { return ids.map((i) => (i >= TB ? `<|${((i - TB) * 0.02).toFixed(2)}|>` : i < EOT ? WORDS[i] : '')).join(''); }
  languageToken(code: string): number { return LANG0 + this.languageCodes.indexOf(code); }
  sotSequence(language?: string, task?: 'transcribe' | 'translate'): number[] {
    if (!this.multilingual) return [SOT];
    const s = [SOT];
    if (language) s.push(this.languageToken(language));
    if (task) s.push(task === 'translate' ? TRANSLATE : TRANSCRIBE);
    return s;
  }
  nonSpeechTokens(): number[] { return [49]; }
  splitToWordTokens(tokens: number[]) { return { words: tokens.map((t) => (t < EOT ? WORDS[t]! : '')), wordTokens: tokens.map((t) => [t]) }; }
}

export function fakeWhisper(script: Script, opts: { multilingual?: boolean; noSpeechLogit?: number; suppress?: number[] } = {}): WhisperLike & { model: FakeModel } {
  return {
    model: new FakeModel(script, opts.multilingual ?? false, opts.noSpeechLogit ?? -30),
    tokenizer: new FakeTokenizer(opts.multilingual ?? false),
    config: {},
    suppressTokens: opts.suppress ?? [49],
    dispose() {},
  };
}

/** A script that follows fixed text: at sampled position k emits seq[k] (by logit 5), then eot. */
export function sampledStart(h: number[]): number {
  let i = h.lastIndexOf(SOT) + 1;
  while (i < h.length && h[i]! > EOT && h[i]! < TB) i++;
  return i;
}

export function followScript(seq: number[], start = sampledStart): Script {
  return (h) => {
    const k = h.length - start(h);
    const next = k < seq.length ? seq[k]! : EOT;
    return logitsWith({ [next]: 5 });
  };
}
