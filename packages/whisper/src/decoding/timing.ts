// Word-level timestamps (OpenAI whisper's timing.py semantics): cross-attention of the alignment heads over the
// window's text tokens, softmax over audio frames, normalised per frame over tokens, median-filtered (width 7),
// averaged over heads, then dynamic time warping of text tokens against audio frames; word boundaries come from the
// tokenizer's word split, punctuation is merged into neighbouring words.
import * as mx from '@mlx/core';
import type { WhisperModelLike, WhisperTokenizerLike } from './contract.js';
import { TIME_PRECISION } from './contract.js';

export interface WordTiming { word: string; tokens: number[]; start: number; end: number; probability: number }
export interface Word { word: string; start: number; end: number; probability: number }

export const PREPEND_PUNCTUATIONS = '"\'“¿([{-';
export const APPEND_PUNCTUATIONS = '"\'.。,，!！?？:：”)]}、';

/** Median over a sliding window along the last axis of a [rows, cols] matrix, reflect-padded (like scipy/whisper). */
export function medianFilter(x: Float32Array, rows: number, cols: number, width: number): Float32Array {
  const pad = Math.floor(width / 2);
  if (width <= 1 || cols <= pad) return x.slice();
  const out = new Float32Array(rows * cols);
  const win = new Float32Array(width);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      for (let k = 0; k < width; k++) {
        let j = c + k - pad;
        if (j < 0) j = -j; else if (j >= cols) j = 2 * (cols - 1) - j;  // reflect without repeating the edge
        // insertion sort into win[0..k]
        const v = x[o + j]!;
        let m = k - 1;
        while (m >= 0 && win[m]! > v) { win[m + 1] = win[m]!; m--; }
        win[m + 1] = v;
      }
      out[o + c] = win[pad]!;
    }
  }
  return out;
}

/**
 * Dynamic time warping over a cost matrix [n, m] (row-major): the monotonic path from (0,0) to (n-1,m-1) that
 * minimises the summed cost, moving diagonally, down (next token) or right (next frame). Ties prefer "right",
 * then "down", like whisper's dtw_cpu.
 */
export function dtw(cost: Float32Array | Float64Array, n: number, m: number): { textIndices: number[]; timeIndices: number[] } {
  const W = m + 1;
  const acc = new Float64Array((n + 1) * W).fill(Infinity);
  const trace = new Int8Array((n + 1) * W).fill(-1);
  acc[0] = 0;
  for (let j = 1; j <= m; j++) {
    for (let i = 1; i <= n; i++) {
      const c0 = acc[(i - 1) * W + j - 1]!, c1 = acc[(i - 1) * W + j]!, c2 = acc[i * W + j - 1]!;
      let c: number, t: number;
      if (c0 < c1 && c0 < c2) { c = c0; t = 0; } else if (c1 < c0 && c1 < c2) { c = c1; t = 1; } else { c = c2; t = 2; }
      acc[i * W + j] = cost[(i - 1) * m + j - 1]! + c;
      trace[i * W + j] = t;
    }
  }
  for (let j = 0; j <= m; j++) trace[j] = 2;
  for (let i = 0; i <= n; i++) trace[i * W] = 1;
  let i = n, j = m;
  const ti: number[] = [], tj: number[] = [];
  while (i > 0 || j > 0) {
    ti.push(i - 1); tj.push(j - 1);
    const t = trace[i * W + j];
    if (t === 0) { i--; j--; } else if (t === 1) i--; else if (t === 2) j--;
    else throw new Error('[whisper.dtw] Unexpected trace value.');
  }
  return { textIndices: ti.reverse(), timeIndices: tj.reverse() };
}

/** Moves prepended punctuation onto the following word and appended punctuation onto the preceding one (in place). */
export function mergePunctuations(al: WordTiming[], prepended = PREPEND_PUNCTUATIONS, appended = APPEND_PUNCTUATIONS): void {
  let i = al.length - 2, j = al.length - 1;
  while (i >= 0) {
    const prev = al[i]!, next = al[j]!;
    if (prev.word.startsWith(' ') && prepended.includes(prev.word.trim())) {
      next.word = prev.word + next.word; next.tokens = [...prev.tokens, ...next.tokens];
      prev.word = ''; prev.tokens = [];
    } else j = i;
    i--;
  }
  i = 0; j = 1;
  while (j < al.length) {
    const prev = al[i]!, next = al[j]!;
    if (!prev.word.endsWith(' ') && appended.includes(next.word)) {
      prev.word = prev.word + next.word; prev.tokens = [...prev.tokens, ...next.tokens];
      next.word = ''; next.tokens = [];
    } else i = j;
    j++;
  }
}

/**
 * Word timings from an attention matrix already reduced over heads: `matrix` is [textTokens + 1, frames] (rows from
 * <|notimestamps|> to the last text token), times relative to the window start.
 */
export function wordsFromMatrix(matrix: Float32Array, rows: number, frames: number, words: string[], wordTokens: number[][],
  tokenProbs: ArrayLike<number>): WordTiming[] {
  const neg = new Float32Array(matrix.length);
  for (let i = 0; i < matrix.length; i++) neg[i] = -matrix[i]!;
  const { textIndices, timeIndices } = dtw(neg, rows, frames);
  // A new text index starts at each jump of the path; its frame is when that token begins.
  const jumpTimes: number[] = [];
  for (let p = 0; p < textIndices.length; p++) {
    if (p === 0 || textIndices[p] !== textIndices[p - 1]) jumpTimes.push(timeIndices[p]! * TIME_PRECISION);
  }
  const boundaries = [0];
  for (let w = 0; w < wordTokens.length - 1; w++) boundaries.push(boundaries[w]! + wordTokens[w]!.length);
  const out: WordTiming[] = [];
  for (let w = 0; w + 1 < boundaries.length; w++) {
    const a = boundaries[w]!, b = boundaries[w + 1]!;
    let p = 0;
    for (let t = a; t < b; t++) p += tokenProbs[t] ?? 0;
    out.push({ word: words[w]!, tokens: wordTokens[w]!, start: jumpTimes[a] ?? 0, end: jumpTimes[b] ?? jumpTimes[jumpTimes.length - 1] ?? 0,
      probability: b > a ? p / (b - a) : 0 });
  }
  return out;
}

/** Runs the model over the window's text tokens and aligns them to audio frames. */
export async function findAlignment(model: WhisperModelLike, tokenizer: WhisperTokenizerLike, audioFeatures: mx.array,
  sotSequence: readonly number[], textTokens: number[], numFrames: number, medfiltWidth = 7): Promise<WordTiming[]> {
  if (textTokens.length === 0) return [];
  const heads = model.alignmentHeads;
  const tokens = [...sotSequence, tokenizer.noTimestamps, ...textTokens, tokenizer.eot];
  const start = sotSequence.length;
  const n = textTokens.length;
  const frames = Math.max(1, Math.min(model.dims.nAudioCtx, Math.floor(numFrames / 2)));
  const [weights, probs] = mx.tidy(() => {
    const out = model.decode(mx.array(Int32Array.from(tokens)).reshape([1, tokens.length]), audioFeatures, undefined, { crossAttention: true });
    const logits = out.logits.index(0, mx.Slice(start, start + n), mx.Slice(0, tokenizer.eot)).astype(mx.float32);
    const p = mx.takeAlongAxis(mx.softmax(logits, -1), mx.array(Int32Array.from(textTokens)).reshape([n, 1]), -1).reshape([n]);
    const qk = out.crossQK;
    if (!qk || qk.length === 0) throw new Error('[whisper] The model returned no cross-attention (crossQK) for word timestamps.');
    const list = heads.length ? heads : [[qk.length - 1, 0] as [number, number]];
    let w = mx.stack(list.map(([l, h]) => qk[l]!.index(0, h)), 0);  // [H, T, nAudioCtx]
    w = mx.softmax(w.index(mx.Slice(), mx.Slice(), mx.Slice(0, frames)).astype(mx.float32), -1);
    const mean = mx.mean(w, -2, true);
    const std = mx.sqrt(mx.mean(mx.square(mx.subtract(w, mean)), -2, true));
    w = mx.divide(mx.subtract(w, mean), std);
    return [w, p];
  });
  try {
    await mx.asyncEval(weights, probs);
    const H = weights.shape[0]!, T = weights.shape[1]!;
    const filtered = medianFilter(weights.toTypedArray() as Float32Array, H * T, frames, medfiltWidth);
    const rows = n + 1;
    const matrix = new Float32Array(rows * frames);
    for (let h = 0; h < H; h++) {
      for (let r = 0; r < rows; r++) {
        const src = (h * T + start + r) * frames, dst = r * frames;
        for (let f = 0; f < frames; f++) matrix[dst + f] += filtered[src + f]! / H;
      }
    }
    const { words, wordTokens } = tokenizer.splitToWordTokens([...textTokens, tokenizer.eot]);
    return wordsFromMatrix(matrix, rows, frames, words, wordTokens, probs.toTypedArray() as Float32Array);
  } finally {
    mx.dispose(weights, probs);
  }
}

export interface SegmentForWords { start: number; end: number; tokens: number[]; words?: Word[] }

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Adds `words` to the segments of one window (whisper's add_word_timestamps): aligns all their text tokens at once,
 * caps implausibly long words, and reconciles segment and word boundaries. Returns the last speech time.
 */
export async function addWordTimestamps(model: WhisperModelLike, tokenizer: WhisperTokenizerLike, audioFeatures: mx.array,
  sotSequence: readonly number[], segments: SegmentForWords[], numFrames: number, timeOffset: number, lastSpeechTimestamp: number,
  prepended = PREPEND_PUNCTUATIONS, appended = APPEND_PUNCTUATIONS): Promise<number> {
  if (segments.length === 0) return lastSpeechTimestamp;
  const perSegment = segments.map((s) => s.tokens.filter((t) => t < tokenizer.eot));
  const all = perSegment.flat();
  const alignment = await findAlignment(model, tokenizer, audioFeatures, sotSequence, all, numFrames);
  const durations = alignment.map((t) => t.end - t.start).filter((d) => d !== 0).sort((a, b) => a - b);
  let median = 0;
  if (durations.length) {
    const h = durations.length >> 1;
    median = durations.length % 2 ? durations[h]! : (durations[h - 1]! + durations[h]!) / 2;
  }
  median = Math.min(0.7, median);
  const maxDuration = median * 2;
  if (durations.length) {  // long words at sentence boundaries are usually pauses attributed to the word
    const sentenceEnd = '.。!！?？';
    for (let i = 1; i < alignment.length; i++) {
      const a = alignment[i]!;
      if (a.end - a.start > maxDuration) {
        if (sentenceEnd.includes(a.word)) a.end = a.start + maxDuration;
        else if (sentenceEnd.includes(alignment[i - 1]!.word)) a.start = a.end - maxDuration;
      }
    }
  }
  mergePunctuations(alignment, prepended, appended);

  let wi = 0;
  segments.forEach((seg, si) => {
    const tokens = perSegment[si]!;
    let saved = 0;
    const words: Word[] = [];
    while (wi < alignment.length && saved < tokens.length) {
      const t = alignment[wi]!;
      if (t.word) words.push({ word: t.word, start: round2(timeOffset + t.start), end: round2(timeOffset + t.end), probability: t.probability });
      saved += t.tokens.length;
      wi++;
    }
    if (words.length) {
      const w0 = words[0]!;
      if (w0.end - lastSpeechTimestamp > median * 4 &&
        (w0.end - w0.start > maxDuration || (words.length > 1 && words[1]!.end - w0.start > maxDuration * 2))) {
        if (words.length > 1 && words[1]!.end - words[1]!.start > maxDuration) {
          const boundary = Math.max(words[1]!.end / 2, words[1]!.end - maxDuration);
          w0.end = words[1]!.start = boundary;
        }
        w0.start = Math.max(0, w0.end - maxDuration);
      }
      if (seg.start < w0.end && seg.start - 0.5 > w0.start) w0.start = Math.max(0, Math.min(w0.end - median, seg.start));
      else seg.start = w0.start;
      const wl = words[words.length - 1]!;
      if (seg.end > wl.start && seg.end + 0.5 < wl.end) wl.end = Math.max(wl.start + median, seg.end);
      else seg.end = wl.end;
      lastSpeechTimestamp = seg.end;
    }
    seg.words = words;
  });
  return lastSpeechTimestamp;
}
