import { describe, expect, it } from 'vitest';
import { transcribe, splitSegments } from '../src/transcribe.js';
import { dtw, medianFilter, mergePunctuations, type WordTiming } from '../src/decoding/timing.js';
import { EOT, fakeWhisper, logitsWith, sampledStart, SOT_PREV, TB, type Script } from './fake-whisper.js';

// Deterministic noise (not silence) so windows are decoded.
function noise(seconds: number, amp = 0.1): Float32Array {
  const x = new Float32Array(Math.round(seconds * 16000));
  let s = 12345;
  for (let i = 0; i < x.length; i++) { s = (s * 1103515245 + 12345) >>> 0; x[i] = ((s / 2 ** 32) - 0.5) * 2 * amp; }
  return x;
}

/** Emits a fixed token sequence per window, then eot. */
const perWindow = (seq: number[]): Script => (h) => {
  const k = h.length - sampledStart(h);
  return logitsWith({ [k < seq.length ? seq[k]! : EOT]: 5 });
};

describe('transcribe (scripted model)', () => {
  it('empty audio gives an empty result; bad options give typed errors', async () => {
    const w = fakeWhisper(perWindow([TB, 1, TB + 10]));
    expect(await transcribe(w, new Float32Array(0))).toEqual({ text: '', language: 'en', segments: [] });
    await expect(transcribe(w, new Float32Array(10), { temperature: -1 })).rejects.toMatchObject({ code: 'MLX_INVALID_ARGUMENT' });
    await expect(transcribe(w, new Float32Array(10), { language: 'xx' })).rejects.toMatchObject({ code: 'MLX_INVALID_ARGUMENT' });
    await expect(transcribe(w, new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'MLX_AUDIO_FORMAT' });
  });

  it('3 hours of silence: empty result, no window decoded', async () => {
    const w = fakeWhisper(perWindow([TB, 1, TB + 10]));
    const t0 = performance.now();
    const r = await transcribe(w, new Float32Array(3 * 3600 * 16000));
    expect(r.segments).toEqual([]);
    expect(w.model.calls.length).toBe(0);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('seeks to the last timestamp pair, cuts segments at pairs and prompts with previous text', async () => {
    const w = fakeWhisper(perWindow([TB, 1, 2, TB + 250, TB + 250, 3, TB + 500, TB + 500]));
    const r = await transcribe(w, noise(35));
    const times = r.segments.map((s) => [s.start, s.end]);
    expect(times.slice(0, 4)).toEqual([[0, 5], [5, 10], [10, 15], [15, 20]]);
    expect(r.segments.slice(0, 4).map((s) => s.seek)).toEqual([0, 0, 1000, 1000]);
    for (let i = 1; i < r.segments.length; i++) expect(r.segments[i]!.start).toBeGreaterThanOrEqual(r.segments[i - 1]!.start);
    expect(r.segments[0]!.text).toBe(' w1 w2');
    // the second window is prompted with the first window's tokens
    const second = w.model.caches[1]!.rows[0]!;
    expect(second[0]).toBe(SOT_PREV);
    expect(second.slice(1, 8)).toEqual([TB, 1, 2, TB + 250, TB + 250, 3, TB + 500]);
    const w2 = fakeWhisper(perWindow([TB, 1, 2, TB + 250, TB + 250, 3, TB + 500, TB + 500]));
    await transcribe(w2, noise(35), { conditionOnPreviousText: false });
    expect(w2.model.caches[1]!.rows[0]![0]).not.toBe(SOT_PREV);
    expect(r.text).toBe(r.segments.map((s) => s.text).join('').trim());
  });

  it('falls back to a higher temperature when the text is too repetitive', async () => {
    // 40 near-tied tokens: greedy repeats token 5; sampling at T = 0.2 varies.
    const script: Script = (h) => {
      const k = h.length - sampledStart(h);
      if (k === 0) return logitsWith({ [TB]: 5 });
      const e: Record<number, number> = {};
      for (let t = 1; t <= 40; t++) e[t] = 0;
      e[5] = 0.01;
      e[EOT] = k > 40 ? 10 : -10;
      return logitsWith(e);
    };
    const w = fakeWhisper(script);
    const r = await transcribe(w, noise(5), { logprobThreshold: null, seed: 3 });
    expect(r.segments.length).toBe(1);
    expect(r.segments[0]!.temperature).toBe(0.2);
    expect(r.segments[0]!.compressionRatio).toBeLessThan(2.4);
    const greedyOnly = await transcribe(fakeWhisper(script), noise(5), { logprobThreshold: null, temperature: 0 });
    expect(greedyOnly.segments[0]!.compressionRatio).toBeGreaterThan(2.4);
  });

  it('skips a window with high no-speech probability and low log-probability', async () => {
    const lowConfidence: Script = (h) => {
      const k = h.length - sampledStart(h);
      const e: Record<number, number> = {};
      for (let t = 1; t <= 40; t++) e[t] = 0;
      e[[TB, 7, TB + 50][k] ?? EOT] = 1;
      return logitsWith(e);
    };
    // avg logprob ≈ -0.68 (the timestamps are forced, the text token has p ≈ 0.065)
    const r = await transcribe(fakeWhisper(lowConfidence, { noSpeechLogit: 8 }), noise(5), { temperature: 0, logprobThreshold: -0.5 });
    expect(r.segments).toEqual([]);
    const kept = await transcribe(fakeWhisper(lowConfidence, { noSpeechLogit: -5 }), noise(5), { temperature: 0, logprobThreshold: -0.5 });
    expect(kept.segments.length).toBe(1);
    const confident = await transcribe(fakeWhisper(lowConfidence, { noSpeechLogit: 8 }), noise(5), { temperature: 0 });
    expect(confident.segments.length).toBe(1);  // avg logprob above the default -1 overrides no-speech
  });

  it('abort gives CancelledError', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(transcribe(fakeWhisper(perWindow([TB, 1, TB + 10])), noise(5), { signal: ac.signal })).rejects.toMatchObject({ code: 'MLX_CANCELLED' });
  });
});

describe('segment splitting', () => {
  it('single timestamp ending: the next window starts after this one', () => {
    const s = splitSegments({ tokens: [TB, 1, TB + 100, TB + 100, 2, TB + 200] }, TB, EOT, 0, 3000, 0, 30);
    expect(s.current.map((c) => [c.start, c.end])).toEqual([[0, 2], [2, 4]]);
    expect(s.nextSeek).toBe(3000);
  });
  it('no timestamp pairs: one segment to the last timestamp, next window after this one', () => {
    const s = splitSegments({ tokens: [TB + 5, 1, 2] }, TB, EOT, 500, 3000, 5, 30);
    expect(s.current).toEqual([{ start: 5, end: 5 + 0.1, tokens: [TB + 5, 1, 2] }]);
    expect(s.nextSeek).toBe(3500);
  });
});

describe('word timing primitives', () => {
  it('median filter equals a sort-based median with reflect padding', () => {
    const cols = 23, rows = 3;
    const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 1.7) * 10);
    const got = medianFilter(x, rows, cols, 7);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
      const win: number[] = [];
      for (let k = -3; k <= 3; k++) { let j = c + k; if (j < 0) j = -j; if (j >= cols) j = 2 * cols - 2 - j; win.push(x[r * cols + j]!); }
      win.sort((a, b) => a - b);
      expect(got[r * cols + c]).toBe(Math.fround(win[3]!));
    }
  });

  it('DTW finds the minimum-cost monotonic path (checked by exhaustive search)', () => {
    const n = 4, m = 6;
    let s = 7;
    const cost = Float32Array.from({ length: n * m }, () => { s = (s * 69069 + 1) >>> 0; return (s % 1000) / 100; });
    const { textIndices, timeIndices } = dtw(cost, n, m);
    const pathCost = (ti: number[], tj: number[]) => ti.reduce((a, i, p) => a + cost[i * m + tj[p]!]!, 0);
    // exhaustive: all monotonic paths from (0,0) to (n-1,m-1) with steps (1,1),(1,0),(0,1)
    let best = Infinity;
    const rec = (i: number, j: number, c: number) => {
      c += cost[i * m + j]!;
      if (i === n - 1 && j === m - 1) { best = Math.min(best, c); return; }
      if (i + 1 < n && j + 1 < m) rec(i + 1, j + 1, c);
      if (i + 1 < n) rec(i + 1, j, c);
      if (j + 1 < m) rec(i, j + 1, c);
    };
    rec(0, 0, 0);
    expect(textIndices[0]).toBe(0); expect(timeIndices[0]).toBe(0);
    expect(textIndices.at(-1)).toBe(n - 1); expect(timeIndices.at(-1)).toBe(m - 1);
    expect(pathCost(textIndices, timeIndices)).toBeCloseTo(best, 4);
  });

  it('merges punctuation into neighbouring words', () => {
    const al: WordTiming[] = [' "', ' Hello', ',', ' world', '.'].map((word, i) => ({ word, tokens: [i], start: i, end: i + 1, probability: 1 }));
    mergePunctuations(al);
    expect(al.map((a) => a.word)).toEqual(['', ' " Hello,', '', ' world.', '']);
    expect(al[1]!.tokens).toEqual([0, 1, 2]);
  });
});
