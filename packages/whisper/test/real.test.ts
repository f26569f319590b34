// Real weights on real (synthesised) speech: espeak-ng sentences from scripts/speech/sentences.json, packed into
// 30 s windows (a 0.5 s pause between sentences), transcribed by tiny.en with the greedy helper; the multilingual
// base model must identify German, French and Spanish. Skipped when the models or espeak-ng are missing.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadAudio, loadWhisper } from '../src/load.js';
import { logMelSpectrogram, N_SAMPLES, padOrTrimMel, SAMPLE_RATE } from '../src/audio/mel.js';
import { detectLanguage, greedyDecode } from '../src/model/greedy.js';
import { wordErrorRate } from '../src/wer.js';
import type { Whisper } from '../src/model/types.js';
// @ts-expect-error: plain ESM script without types
import { espeakAvailable, makeSpeechCorpus } from '../../../scripts/speech/make-wavs.mjs';

const MODELS = process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models');
const hasModel = (n: string) => existsSync(join(MODELS, n, 'model.bin'));
const canSpeak = espeakAvailable() as boolean;
type Item = { lang: string; text: string; path: string };
// One tiny.en instance for the whole file (loading converts 75 MB of fp16 weights).
let tinyPromise: Promise<Whisper> | undefined;
const tiny = () => (tinyPromise ??= loadWhisper('whisper-tiny.en'));
afterAll(async () => { if (tinyPromise) (await tinyPromise).dispose(); });

/** Packs sentences into ≤ 28 s windows with 0.5 s pauses. */
async function packWindows(items: Item[]): Promise<Array<{ audio: Float32Array; texts: string[] }>> {
  const gap = new Float32Array(SAMPLE_RATE / 2);
  const windows: Array<{ parts: Float32Array[]; texts: string[]; length: number }> = [];
  let cur = { parts: [] as Float32Array[], texts: [] as string[], length: 0 };
  for (const it of items) {
    const a = await loadAudio(it.path);
    if (cur.length + a.length + gap.length > 28 * SAMPLE_RATE) { windows.push(cur); cur = { parts: [], texts: [], length: 0 }; }
    cur.parts.push(a, gap);
    cur.texts.push(it.text);
    cur.length += a.length + gap.length;
  }
  if (cur.texts.length) windows.push(cur);
  return windows.map((w) => {
    const audio = new Float32Array(w.length);
    let o = 0;
    for (const p of w.parts) { audio.set(p, o); o += p.length; }
    return { audio, texts: w.texts };
  });
}

describe('wordErrorRate', () => {
  it('counts substitutions, deletions and insertions over reference words, ignoring case and punctuation', () => {
    expect(wordErrorRate('The cat sat on the mat.', 'the cat sit on mat')).toBeCloseTo(2 / 6, 12);
    expect(wordErrorRate('Hello, world!', 'hello world')).toBe(0);
    expect(wordErrorRate("Don't stop", 'do not stop')).toBeCloseTo(2 / 2, 12);
    expect(wordErrorRate(['a b c d', 'e f'], ['a x c d', 'e f g'])).toBeCloseTo(2 / 6, 12);
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'extra')).toBe(1);
  });
});

describe.skipIf(!hasModel('whisper-tiny.en'))('tiny.en against transformers (scripts/oracles/hf/whisper_real_greedy.py)', () => {
  it('same first-step logits and the same greedy tokens for a 16 kHz WAV', async () => {
    const ref = mx.load(join(__dirname, 'fixtures', 'real', 'fox-greedy.npz')) as Record<string, mx.array>;
    const w = await tiny();
    const audio = await loadAudio(join(__dirname, 'fixtures', 'real', 'fox-16k.wav'));
    const mel = padOrTrimMel(logMelSpectrogram(audio, 80, N_SAMPLES));
    const feats = w.model.embedAudio(mel.reshape([1, 80, 3000]));
    const t = w.tokenizer;
    const first = w.model.decode(mx.array([[t.sot, t.noTimestamps]], mx.int32), feats).logits.index(0, -1);
    const err = (mx.max(mx.abs(mx.subtract(first, ref.first_logits))).item() as number) / (mx.max(mx.abs(ref.first_logits)).item() as number);
    expect(err).toBeLessThan(1e-3);
    const r = await greedyDecode(w, mel);
    expect(r.tokens).toEqual(Array.from(ref.tokens.toTypedArray() as Int32Array));
    mx.dispose(mel, feats, first);
  });
});

describe.skipIf(!canSpeak || !hasModel('whisper-tiny.en'))('tiny.en on espeak-ng speech', () => {
  it('word error rate ≤ 10% over ≥ 20 sentences (greedy)', async () => {
    const items = (makeSpeechCorpus() as Item[]).filter((c) => c.lang === 'en');
    expect(items.length).toBeGreaterThanOrEqual(20);
    const w = await tiny();
    const refs: string[] = [], hyps: string[] = [];
    for (const win of await packWindows(items)) {
      const mel = padOrTrimMel(logMelSpectrogram(win.audio, w.model.dims.nMels, N_SAMPLES));
      const r = await greedyDecode(w, mel);
      mel.dispose();
      refs.push(win.texts.join(' '));
      hyps.push(r.text);
    }
    const wer = wordErrorRate(refs, hyps);
    console.log(`tiny.en greedy WER over ${items.length} sentences: ${(wer * 100).toFixed(1)}%`);
    expect(wer).toBeLessThanOrEqual(0.1);
    // Silence (what empty audio becomes after padding) must not crash and must not produce a long hallucination.
    const silent = await greedyDecode(w, padOrTrimMel(logMelSpectrogram(new Float32Array(0), 80, N_SAMPLES)), { maxTokens: 40 });
    expect(silent.tokens.length).toBeLessThanOrEqual(40);
  });
});

describe.skipIf(!canSpeak || !hasModel('whisper-tiny.en'))("tiny.en with quantize: 'int8' (int8 x int8 products)", () => {
  it('first-step logits stay close to transformers float32, and WER ≤ 10% over the same sentences (greedy)', async () => {
    const w = await loadWhisper('whisper-tiny.en', { quantize: 'int8' });
    try {
      const ref = mx.load(join(__dirname, 'fixtures', 'real', 'fox-greedy.npz')) as Record<string, mx.array>;
      const mel0 = padOrTrimMel(logMelSpectrogram(await loadAudio(join(__dirname, 'fixtures', 'real', 'fox-16k.wav')), 80, N_SAMPLES));
      const t = w.tokenizer;
      const first = w.model.decode(mx.array([[t.sot, t.noTimestamps]], mx.int32), w.model.embedAudio(mel0.reshape([1, 80, 3000]))).logits.index(0, -1);
      const err = (mx.max(mx.abs(mx.subtract(first, ref.first_logits))).item() as number) / (mx.max(mx.abs(ref.first_logits)).item() as number);
      expect(err).toBeLessThan(0.12);
      const items = (makeSpeechCorpus() as Item[]).filter((c) => c.lang === 'en');
      const refs: string[] = [], hyps: string[] = [];
      for (const win of await packWindows(items)) {
        const mel = padOrTrimMel(logMelSpectrogram(win.audio, w.model.dims.nMels, N_SAMPLES));
        hyps.push((await greedyDecode(w, mel)).text);
        refs.push(win.texts.join(' '));
        mel.dispose();
      }
      const wer = wordErrorRate(refs, hyps);
      console.log(`tiny.en int8 greedy WER over ${items.length} sentences: ${(wer * 100).toFixed(1)}%`);
      expect(wer).toBeLessThanOrEqual(0.1);
    } finally {
      w.dispose();
    }
  });
});

describe.skipIf(!canSpeak || !hasModel('whisper-base'))('base (multilingual) language id', () => {
  it('detects German, French and Spanish espeak-ng speech', async () => {
    const w = await loadWhisper('whisper-base');
    expect(w.model.isMultilingual).toBe(true);
    const all = makeSpeechCorpus() as Item[];
    const langs = ['de', 'fr', 'es'];
    // One batched encoder call for the three windows (better GEMM shapes than three calls).
    const mels = [];
    for (const lang of langs) {
      const [win] = await packWindows(all.filter((c) => c.lang === lang));
      mels.push(padOrTrimMel(logMelSpectrogram(win.audio, w.model.dims.nMels, N_SAMPLES)));
    }
    const feats = w.model.embedAudio(mx.stack(mels, 0));
    await mx.asyncEval(feats);
    langs.forEach((lang, i) => {
      const { language, probs } = detectLanguage(w, feats.index(mx.Slice(i, i + 1)));
      console.log(`${lang}: detected ${language} (p=${probs[language].toFixed(3)})`);
      expect(language).toBe(lang);
    });
    mx.dispose(mels, feats);
    w.dispose();
  });
});
