// The soak's machinery, shared by bench/pipeline/soak.mjs (hours of audio) and the short variant in the test suite:
// a schedule of espeak-ng questions separated by silence, fed as 20 ms frames faster than real time through the
// voice assistant (VAD → Whisper → LM), with memory sampled every `sampleEvery` seconds of audio at idle points.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { Observable } from 'rxjs';
import * as mx from '@mlx/core';
import { createExclusiveStats, fullGc, sampleMemory, voiceAssistant } from '@mlx/pipeline';
import { wordErrorRate } from '@mlx/whisper';
import { QUESTIONS, speak } from '../../apps/examples/pipeline/speech.mjs';

const RATE = 16000, FRAME = 320;

/** Questions in rotation, each followed by `gap` s of silence, until `seconds` of audio. */
export function makeSchedule(clips, seconds, gap) {
  const schedule = [];
  for (let t = 1, i = 0; ; i++) {
    const c = clips[i % clips.length];
    if (t + c.length / RATE + gap > seconds) break;
    schedule.push({ clip: i % clips.length, start: t, end: t + c.length / RATE });
    t += c.length / RATE + gap;
  }
  return schedule;
}

/**
 * Frames of the scheduled audio at up to `speed` × real time, pausing while the pipeline is more than two
 * utterances behind (so a slow machine measures a backlog-free steady state instead of an ever-growing queue),
 * and at every `sampleEvery` s of audio until `checkpoint` resolves.
 */
function syntheticSpeech({ clips, schedule, seconds, speed, sampleEvery }, backlog, checkpoint) {
  return new Observable((subscriber) => {
    let stopped = false;
    (async () => {
      const t0 = performance.now();
      let k = 0, pausedMs = 0;
      const totalFrames = Math.floor((seconds * RATE) / FRAME), every = Math.round(sampleEvery * RATE);
      for (let f = 0; f < totalFrames && !stopped; f++) {
        const s0 = f * FRAME, frame = new Float32Array(FRAME);
        if (s0 % every < FRAME && f > 0) { const p = performance.now(); await checkpoint(s0 / RATE); pausedMs += performance.now() - p; }
        while (k < schedule.length && schedule[k].end * RATE < s0) k++;
        for (let j = k; j < schedule.length && schedule[j].start * RATE < s0 + FRAME; j++) {
          const c = clips[schedule[j].clip], off = Math.round(schedule[j].start * RATE);
          for (let i = 0; i < FRAME; i++) { const x = s0 + i - off; if (x >= 0 && x < c.length) frame[i] = c[x]; }
        }
        const due = t0 + pausedMs + ((s0 + FRAME) / RATE / speed) * 1000;
        if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
        while (backlog() > 2 && !stopped) { const p = performance.now(); await new Promise((r) => setTimeout(r, 20)); pausedMs += performance.now() - p; }
        subscriber.next({ samples: frame, sampleRate: RATE, channels: 1, timestamp: s0 / RATE, index: f });
      }
      subscriber.complete();
    })().catch((e) => subscriber.error(e));
    return () => { stopped = true; };
  });
}

/** Anonymous vs file-backed RSS (Linux; zeros elsewhere). */
function procStatus() {
  let s = '';
  try { s = readFileSync('/proc/self/status', 'utf8'); } catch { /* not Linux */ }
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
  return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile') };
}

/**
 * Runs `seconds` of scheduled speech through voiceAssistant({ transcriber: whisper, lm }). Memory is sampled at
 * audio 0 and every `sampleEvery` s with the pipeline idle (every utterance so far transcribed and answered):
 * mid-inference samples would measure one request's transient buffers, not growth. Each sample runs a full GC
 * first so arrays awaiting finalizers are not counted as retained.
 */
export async function runSoak({ whisper, lm, seconds, speed = 30, gap = 2, sampleEvery = 30, replyTokens = 8, maxHistory = 2, clearCache = false, onSample }) {
  const clips = QUESTIONS.map((q) => speak(q));
  const schedule = makeSchedule(clips, seconds, gap);
  const tStats = createExclusiveStats(), gStats = createExclusiveStats(), uStats = { emitted: 0, discarded: 0, partials: 0 };
  const finals = [], samples = [];
  let replies = 0;
  const t0 = performance.now();
  const idle = () => uStats.emitted === finals.length && (!lm || replies === finals.length);
  const sample = async (audioSeconds) => {
    // What garbage still holds before a GC (arrays nobody disposed wait for their finalizers): diagnostics only.
    const activeBeforeGc = mx.getActiveMemory(), arraysBeforeGc = mx.getWrappersCount();
    // Native finalizers of collected arrays run after the GC, in later ticks: collect, let them run, collect again.
    fullGc();
    await new Promise((r) => setImmediate(r));
    // The old method (for comparison): give every cached engine buffer back to malloc before sampling.
    if (clearCache) mx.clearCache();
    const heapSpaces = Object.fromEntries(getHeapSpaceStatistics().map((h) => [h.space_name, h.space_used_size]));
    const s = { ...sampleMemory(audioSeconds, { gc: true }), wallSeconds: (performance.now() - t0) / 1000, arrays: mx.getWrappersCount(),
      ...procStatus(), kvCapacity: lm?.promptCache?.caches?.[0]?.keys?.shape?.[2] ?? 0, utterances: finals.length, heapSpaces, activeBeforeGc, arraysBeforeGc };
    samples.push(s);
    onSample?.(s);
  };
  const checkpoint = async (audioSeconds) => { while (!idle()) await new Promise((r) => setTimeout(r, 20)); await sample(audioSeconds); };
  await sample(0);
  await new Promise((resolve, reject) => {
    syntheticSpeech({ clips, schedule, seconds, speed, sampleEvery }, () => uStats.emitted - finals.length + (lm ? finals.length - replies : 0), checkpoint).pipe(
      voiceAssistant({
        transcriber: whisper, lm, utterances: { stats: uStats }, transcribe: { stats: tStats, decodeOptions: { conditionOnPreviousText: false } },
        generate: { maxTokens: replyTokens, temperature: 0, maxHistory, stats: gStats },
      }),
    ).subscribe({
      // keep only what the checks need: a transcript event also carries its utterance's audio
      next: (e) => { if (e.type === 'final') finals.push({ start: e.start, text: e.text }); else if (e.type === 'reply') replies++; },
      error: reject, complete: resolve,
    });
  });
  await checkpoint(seconds);
  // Drift: the k-th detected utterance starts where the k-th scheduled one does (VAD padding aside).
  const offsets = finals.map((f, i) => (schedule[i] ? f.start - schedule[i].start : NaN));
  return {
    wallSeconds: (performance.now() - t0) / 1000, schedule, finals, replies, samples,
    dropped: { transcribe: tStats.dropped, generate: gStats.dropped }, discarded: uStats.discarded,
    maxStartOffset: Math.max(...offsets.map(Math.abs)), firstOffset: offsets[0], lastOffset: offsets.at(-1),
    wer: wordErrorRate(schedule.map((s) => QUESTIONS[s.clip]).join(' '), finals.map((f) => f.text).join(' ')),
  };
}
