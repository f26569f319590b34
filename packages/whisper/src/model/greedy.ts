// A minimal greedy decoder (no timestamps, no fallback) used by tests and as a reference for src/decoding.
import * as mx from '@mlx/core';
import type { Whisper } from './types.js';

export interface GreedyResult { tokens: number[]; text: string; language?: string }

/** Most probable language from the logits at the start-of-transcript position. */
export function detectLanguage(w: Whisper, audioFeatures: mx.array): { language: string; probs: Record<string, number> } {
  const t = w.tokenizer;
  if (!w.model.isMultilingual) return { language: 'en', probs: { en: 1 } };
  const langIds = t.languageCodes.map((c) => t.languageToken(c));
  const probs = mx.tidy(() => {
    const { logits } = w.model.decode(mx.array([[t.sot]], mx.int32), audioFeatures);
    const sel = mx.take(logits.reshape([-1]), mx.array(langIds, mx.int32));
    return mx.softmax(sel, -1).toTypedArray() as Float32Array;
  });
  const out: Record<string, number> = {};
  t.languageCodes.forEach((c, i) => { out[c] = probs[i]; });
  const language = t.languageCodes[probs.indexOf(Math.max(...probs))];
  return { language, probs: out };
}

/** Greedy transcription of one 30 s mel window [nMels, 3000]. */
export async function greedyDecode(w: Whisper, mel: mx.array, opts: { language?: string; maxTokens?: number; signal?: AbortSignal } = {}): Promise<GreedyResult> {
  const t = w.tokenizer;
  const audio = w.model.embedAudio(mel.ndim === 2 ? mel.reshape([1, ...mel.shape]) : mel);
  await mx.asyncEval(audio);
  let language = opts.language;
  if (!language && w.model.isMultilingual) language = detectLanguage(w, audio).language;
  const prompt = [...t.sotSequence(language, 'transcribe'), t.noTimestamps];
  const suppress = new Float32Array(w.model.dims.nVocab);
  for (const id of w.suppressTokens) if (id < suppress.length) suppress[id] = -Infinity;
  for (let id = t.timestampBegin; id < suppress.length; id++) suppress[id] = -Infinity;
  const mask = mx.array(suppress);
  const cache = w.model.newCache();
  const tokens: number[] = [];
  const maxTokens = opts.maxTokens ?? Math.floor(w.model.dims.nTextCtx / 2);
  try {
    let input = prompt;
    for (let step = 0; step < maxTokens; step++) {
      if (opts.signal?.aborted) throw new mx.CancelledError();
      const next = mx.tidy(() => {
        const { logits } = w.model.decode(mx.array([input], mx.int32), audio, cache);
        const last = logits.index(0, -1);
        return { id: mx.argmax(mx.add(last, mask), -1), cache };
      });
      await mx.asyncEval(next.id);
      const id = next.id.item() as number;
      next.id.dispose();
      if (id === t.eot) break;
      tokens.push(id);
      input = [id];
    }
  } finally {
    cache.dispose();
    audio.dispose();
    mask.dispose();
  }
  return { tokens, text: t.decode(tokens).trim(), language };
}
