// Language identification: the decoder's distribution right after <|startoftranscript|>, over language tokens only.
import * as mx from '@mlx/core';
import { InvalidArgumentError } from '@mlx/core';
import type { WhisperModelLike, WhisperTokenizerLike } from './contract.js';
import { throwIfAborted } from './util.js';

export interface LanguageDetection { language: string; probs: Record<string, number> }

/** `audioFeatures`: encoder output [1, nAudioCtx, nAudioState]. */
export async function detectLanguage(model: WhisperModelLike, tokenizer: WhisperTokenizerLike, audioFeatures: mx.array,
  signal?: AbortSignal): Promise<LanguageDetection> {
  throwIfAborted(signal);
  if (!model.isMultilingual) return { language: 'en', probs: { en: 1 } };
  const codes = tokenizer.languageCodes.slice(0, model.numLanguages || tokenizer.languageCodes.length);
  if (codes.length === 0) throw new InvalidArgumentError('[whisper] The tokenizer lists no languages.');
  const ids = Int32Array.from(codes.map((c) => tokenizer.languageToken(c)));
  const probs = mx.tidy(() => {
    const { logits } = model.decode(mx.array(Int32Array.of(tokenizer.sot)).reshape([1, 1]), audioFeatures);
    const row = logits.index(0, 0).astype(mx.float32);
    return mx.softmax(mx.take(row, mx.array(ids), 0), -1);
  });
  try {
    await mx.asyncEval(probs);
    throwIfAborted(signal);
    const p = probs.toTypedArray() as Float32Array;
    const out: Record<string, number> = {};
    let best = 0;
    codes.forEach((c, i) => { out[c] = p[i]!; if (p[i]! > p[best]!) best = i; });
    return { language: codes[best]!, probs: out };
  } finally {
    probs.dispose();
  }
}
