// Long-form transcription (OpenAI whisper's transcribe()): slide a 30 s window over the audio, decode each window
// with temperature fallback, cut it into segments at timestamp pairs, move the window to the last complete
// timestamp, feed the previous text as prompt, optionally add word timestamps. Silent windows are skipped before
// the encoder runs (digital silence always; whatever the VAD deems silent with `vadFilter`).
import * as mx from '@mlx/core';
import { InvalidArgumentError } from '@mlx/core';
import { loadAudio } from './load.js';
import { logMelSpectrogram } from './audio/mel.js';
import { EnergyVad, speechRegions, type VadOptions, type VoiceActivityDetector } from './audio/vad.js';
import { FRAMES_PER_SECOND, HOP_LENGTH, N_FRAMES, N_SAMPLES, SAMPLE_RATE, TIME_PRECISION, type WhisperLike } from './decoding/contract.js';
import { decodeWindow, resolveLanguage, type DecodeContext } from './decoding/decode.js';
import { detectLanguage } from './decoding/language.js';
import type { DecodingOptions, DecodingResult, WhisperTask } from './decoding/options.js';
import { addWordTimestamps, APPEND_PUNCTUATIONS, PREPEND_PUNCTUATIONS, type Word } from './decoding/timing.js';
import { asCancelled, throwIfAborted } from './decoding/util.js';

export interface TranscribeOptions {
  language?: string;
  task?: WhisperTask;
  /** One temperature, or the fallback ladder (default [0, 0.2, 0.4, 0.6, 0.8, 1.0]). */
  temperature?: number | readonly number[];
  beamSize?: number;
  bestOf?: number;
  patience?: number;
  lengthPenalty?: number;
  suppressTokens?: readonly number[];
  suppressBlank?: boolean;
  initialPrompt?: string;
  /** Feed the previous window's text as prompt (default true); reset after a window decoded at temperature > 0.5. */
  conditionOnPreviousText?: boolean;
  promptResetOnTemperature?: number;
  wordTimestamps?: boolean;
  prependPunctuations?: string;
  appendPunctuations?: string;
  /** A window whose no-speech probability exceeds this (and whose avg logprob is below logprobThreshold) is silence. */
  noSpeechThreshold?: number | null;
  compressionRatioThreshold?: number | null;
  logprobThreshold?: number | null;
  withoutTimestamps?: boolean;
  maxInitialTimestamp?: number;
  /** Skip audio a voice activity detector deems silent: true (EnergyVad), its options, or a detector. */
  vadFilter?: boolean | VadOptions | VoiceActivityDetector;
  /** Sample rate of a Float32Array input (default 16000). */
  sampleRate?: number;
  seed?: number;
  onProgress?: (p: { processed: number; total: number; segments: number }) => void;
  signal?: AbortSignal;
}

export interface TranscribeSegment {
  id: number; seek: number; start: number; end: number; text: string; tokens: number[];
  temperature: number; avgLogprob: number; compressionRatio: number; noSpeechProb: number; words?: Word[];
}
export interface TranscribeResult { text: string; language: string; segments: TranscribeSegment[] }

const DEFAULT_TEMPERATURES = [0, 0.2, 0.4, 0.6, 0.8, 1.0];

function validate(o: TranscribeOptions): number[] {
  const bad = (m: string): never => { throw new InvalidArgumentError(`[transcribe] ${m}`); };
  const temps = o.temperature === undefined ? DEFAULT_TEMPERATURES : typeof o.temperature === 'number' ? [o.temperature] : [...o.temperature];
  if (temps.length === 0 || !temps.every((t) => typeof t === 'number' && Number.isFinite(t) && t >= 0)) bad('temperature must be a number ≥ 0 or a non-empty list of them.');
  for (const k of ['noSpeechThreshold', 'compressionRatioThreshold', 'logprobThreshold'] as const) {
    const v = o[k];
    if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isFinite(v))) bad(`${k} must be a finite number or null.`);
  }
  if (o.initialPrompt !== undefined && typeof o.initialPrompt !== 'string') bad('initialPrompt must be a string.');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') bad('onProgress must be a function.');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) bad('signal must be an AbortSignal.');
  return temps;
}

/** Frame-level loudness check: true when no 30 ms frame of the slice reaches −60 dBFS RMS (digital silence). */
function isSilent(audio: Float32Array, from: number, to: number): boolean {
  const frame = 480;
  for (let i = from; i < to; i += frame) {
    let e = 0;
    const end = Math.min(to, i + frame);
    for (let j = i; j < end; j++) e += audio[j]! * audio[j]!;
    if (e / Math.max(1, end - i) > 1e-6) return false;
  }
  return true;
}

/** Log-mel [1, nMels, 3000] of the 30 s starting at `startSample` (zero-padded past the end). */
function windowMel(audio: Float32Array, startSample: number, nMels: number): mx.array {
  const slice = new Float32Array(N_SAMPLES);
  slice.set(audio.subarray(startSample, Math.min(audio.length, startSample + N_SAMPLES)));
  return mx.tidy(() => logMelSpectrogram(slice, nMels, 0).reshape([1, nMels, N_FRAMES]));
}

/** Transcribes a file path, WAV bytes or 16 kHz samples. */
export async function transcribe(w: WhisperLike, audioInput: string | Float32Array | Uint8Array, opts: TranscribeOptions = {}): Promise<TranscribeResult> {
  const temperatures = validate(opts);
  const { model, tokenizer } = w;
  const signal = opts.signal;
  throwIfAborted(signal);
  const audio = await loadAudio(audioInput, opts.sampleRate ?? SAMPLE_RATE);
  const task = opts.task ?? 'transcribe';
  let language = resolveLanguage(model, tokenizer, opts.language, task);
  const ctx: DecodeContext = { model, tokenizer, defaultSuppressTokens: w.suppressTokens };
  const contentFrames = Math.floor(audio.length / HOP_LENGTH);
  const total = contentFrames / FRAMES_PER_SECOND;
  const noSpeechThreshold = opts.noSpeechThreshold === undefined ? 0.6 : opts.noSpeechThreshold;
  const logprobThreshold = opts.logprobThreshold === undefined ? -1 : opts.logprobThreshold;
  const crThreshold = opts.compressionRatioThreshold === undefined ? 2.4 : opts.compressionRatioThreshold;
  const conditionOnPrevious = opts.conditionOnPreviousText ?? true;
  const promptReset = opts.promptResetOnTemperature ?? 0.5;
  const nMels = model.dims.nMels;

  // Speech regions (frames) when a VAD filters the input.
  let regions: Array<[number, number]> | undefined;
  if (opts.vadFilter) {
    const det = typeof opts.vadFilter === 'object' && 'push' in opts.vadFilter ? opts.vadFilter
      : new EnergyVad(typeof opts.vadFilter === 'object' ? opts.vadFilter as VadOptions : {});
    regions = speechRegions(audio, det).map((r) => [Math.floor(r.start * FRAMES_PER_SECOND), Math.ceil(r.end * FRAMES_PER_SECOND)]);
  }

  const allTokens: number[] = [];
  const segments: TranscribeSegment[] = [];
  let promptResetSince = 0;
  if (opts.initialPrompt) allTokens.push(...tokenizer.encode(' ' + opts.initialPrompt.trim()));
  const initialPromptLength = allTokens.length;
  let lastSpeechTimestamp = 0;
  let seek = 0;
  const decodeOpts: DecodingOptions = {
    task, beamSize: opts.beamSize, bestOf: opts.bestOf ?? 5, patience: opts.patience, lengthPenalty: opts.lengthPenalty,
    suppressTokens: opts.suppressTokens, suppressBlank: opts.suppressBlank, withoutTimestamps: opts.withoutTimestamps,
    maxInitialTimestamp: opts.maxInitialTimestamp, signal,
  };

  try {
    while (seek < contentFrames) {
      throwIfAborted(signal);
      if (regions) {
        // Jump over non-speech: to the region that contains seek, or the next one.
        const r = regions.find(([, e]) => e > seek);
        if (!r) break;
        if (r[0] > seek) seek = r[0];
        if (seek >= contentFrames) break;
      }
      const segmentSize = Math.min(N_FRAMES, contentFrames - seek);
      const startSample = seek * HOP_LENGTH;
      if (isSilent(audio, startSample, Math.min(audio.length, startSample + segmentSize * HOP_LENGTH))) {
        seek += segmentSize;
        opts.onProgress?.({ processed: Math.min(total, seek / FRAMES_PER_SECOND), total, segments: segments.length });
        continue;
      }
      const timeOffset = seek / FRAMES_PER_SECOND;
      const segmentDuration = segmentSize / FRAMES_PER_SECOND;
      const mel = windowMel(audio, startSample, nMels);
      let features: mx.array;
      try { features = mx.tidy(() => model.embedAudio(mel)); } finally { mel.dispose(); }
      try {
        await mx.asyncEval(features);
        if (language === undefined) language = (await detectLanguage(model, tokenizer, features, signal)).language;
        const prompt = allTokens.slice(promptResetSince);
        let result: DecodingResult | undefined;
        for (let ti = 0; ti < temperatures.length; ti++) {
          const t = temperatures[ti]!;
          result = await decodeWindow(ctx, features, {
            ...decodeOpts, language, temperature: t, prompt,
            beamSize: t > 0 ? undefined : decodeOpts.beamSize, patience: t > 0 ? undefined : decodeOpts.patience,
            bestOf: t > 0 ? decodeOpts.bestOf : undefined, seed: opts.seed === undefined ? undefined : opts.seed + seek + ti,
          });
          let needsFallback = false;
          if (crThreshold !== null && result.compressionRatio > crThreshold) needsFallback = true;
          if (logprobThreshold !== null && result.avgLogprob < logprobThreshold) needsFallback = true;
          if (noSpeechThreshold !== null && result.noSpeechProb > noSpeechThreshold && logprobThreshold !== null && result.avgLogprob < logprobThreshold) needsFallback = false;
          if (!needsFallback) break;
        }
        const r = result!;
        if (noSpeechThreshold !== null) {
          let skip = r.noSpeechProb > noSpeechThreshold;
          if (logprobThreshold !== null && r.avgLogprob > logprobThreshold) skip = false;
          if (skip) {
            seek += segmentSize;
            opts.onProgress?.({ processed: Math.min(total, seek / FRAMES_PER_SECOND), total, segments: segments.length });
            continue;
          }
        }
        const { current, nextSeek, singleTimestampEnding } = splitSegments(r, tokenizer.timestampBegin, tokenizer.eot, seek, segmentSize, timeOffset, segmentDuration);
        const made = current.map((c) => ({
          seek, start: c.start, end: c.end, tokens: c.tokens,
          text: tokenizer.decode(c.tokens.filter((x) => x < tokenizer.eot)),
          temperature: r.temperature, avgLogprob: r.avgLogprob, compressionRatio: r.compressionRatio, noSpeechProb: r.noSpeechProb,
        })) as Array<Omit<TranscribeSegment, 'id'>>;
        seek = nextSeek;
        if (opts.wordTimestamps) {
          const sot = tokenizer.sotSequence(model.isMultilingual ? language : undefined, model.isMultilingual ? task : undefined);
          lastSpeechTimestamp = await addWordTimestamps(model, tokenizer, features, sot, made, segmentSize, timeOffset, lastSpeechTimestamp,
            opts.prependPunctuations ?? PREPEND_PUNCTUATIONS, opts.appendPunctuations ?? APPEND_PUNCTUATIONS);
          if (!singleTimestampEnding) {
            const words = made.flatMap((s) => s.words ?? []);
            const last = words.length ? words[words.length - 1]!.end : made.at(-1)?.end;
            if (last !== undefined && last > timeOffset) seek = Math.round(last * FRAMES_PER_SECOND);
          }
        }
        for (const s of made) {
          // Instantaneous or textless segments carry no information (whisper clears them; we drop them).
          if (s.start === s.end || s.text.trim() === '') continue;
          segments.push({ id: segments.length, ...s });
          allTokens.push(...s.tokens);
        }
        if (!conditionOnPrevious || r.temperature > promptReset) promptResetSince = allTokens.length;
      } finally {
        features.dispose();
      }
      opts.onProgress?.({ processed: Math.min(total, seek / FRAMES_PER_SECOND), total, segments: segments.length });
    }
  } catch (e) {
    throw asCancelled(e);
  }
  const text = tokenizer.decode(allTokens.slice(initialPromptLength).filter((x) => x < tokenizer.eot));
  return { text: text.trim(), language: language ?? 'en', segments };
}

/**
 * Cuts a window's tokens into segments at consecutive timestamp pairs; returns where the next window starts.
 * Exported for tests.
 */
export function splitSegments(r: { tokens: number[] }, timestampBegin: number, eot: number, seek: number, segmentSize: number,
  timeOffset: number, segmentDuration: number): { current: Array<{ start: number; end: number; tokens: number[] }>; nextSeek: number; singleTimestampEnding: boolean } {
  const tokens = r.tokens;
  const isTs = tokens.map((t) => t >= timestampBegin);
  const n = tokens.length;
  const singleTimestampEnding = n >= 2 && !isTs[n - 2] && isTs[n - 1]!;
  const consecutive: number[] = [];
  for (let i = 1; i < n; i++) if (isTs[i - 1] && isTs[i]) consecutive.push(i);
  const current: Array<{ start: number; end: number; tokens: number[] }> = [];
  const inputStride = 2;  // mel frames per timestamp step
  let nextSeek: number;
  if (consecutive.length > 0) {
    const slices = [...consecutive];
    if (singleTimestampEnding) slices.push(n);
    let last = 0;
    for (const cur of slices) {
      const sliced = tokens.slice(last, cur);
      const startPos = sliced[0]! - timestampBegin;
      const endPos = sliced[sliced.length - 1]! - timestampBegin;
      current.push({ start: timeOffset + startPos * TIME_PRECISION, end: timeOffset + endPos * TIME_PRECISION, tokens: sliced });
      last = cur;
    }
    if (singleTimestampEnding) nextSeek = seek + segmentSize;
    else nextSeek = seek + (tokens[last - 1]! - timestampBegin) * inputStride;
  } else {
    let duration = segmentDuration;
    const ts = tokens.filter((t) => t >= timestampBegin);
    if (ts.length > 0 && ts[ts.length - 1] !== timestampBegin) duration = (ts[ts.length - 1]! - timestampBegin) * TIME_PRECISION;
    current.push({ start: timeOffset, end: timeOffset + duration, tokens });
    nextSeek = seek + segmentSize;
  }
  void eot;
  // Guard against a window that does not advance (would loop forever).
  if (nextSeek <= seek) nextSeek = seek + segmentSize;
  return { current, nextSeek, singleTimestampEnding };
}
