#!/usr/bin/env node
// Soak: an hour of synthetic speech (espeak-ng questions with pauses) through VAD → Whisper → SmolLM2, faster than
// real time. Checks that native memory and RSS stay flat (±5% after warm-up), that every utterance is found at the
// right stream time (no timestamp drift), and that nothing is dropped.
//
//   node --expose-gc bench/pipeline/soak.mjs [--minutes 60] [--speed 30] [--reply-tokens 8] [--no-reply]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Observable, tap } from 'rxjs';
import * as mx from '@mlx/core';
import { createExclusiveStats, voiceAssistant } from '@mlx/pipeline';
import { loadWhisper, wordErrorRate } from '@mlx/whisper';
import { loadLM } from '@mlx/lm';
import { QUESTIONS, speak } from '../../apps/examples/pipeline/speech.mjs';

const { values } = parseArgs({ options: {
  minutes: { type: 'string', default: '60' }, speed: { type: 'string', default: '30' },
  'reply-tokens': { type: 'string', default: '8' }, 'no-reply': { type: 'boolean' }, gap: { type: 'string', default: '2' },
} });
const minutes = Number(values.minutes), speed = Number(values.speed), gap = Number(values.gap);
const RATE = 16000, FRAME = 320;

// The schedule: questions in rotation, each followed by `gap` s of silence, until `minutes` of audio.
const clips = QUESTIONS.map((q) => speak(q));
const schedule = [];
for (let t = 1, i = 0; ; i++) {
  const c = clips[i % clips.length];
  if (t + c.length / RATE + gap > minutes * 60) break;
  schedule.push({ clip: i % clips.length, start: t, end: t + c.length / RATE });
  t += c.length / RATE + gap;
}
const totalSeconds = minutes * 60;

/**
 * Frames of the scheduled audio at up to `speed` × real time, pausing while the pipeline is more than two
 * utterances behind (so a slow machine measures a backlog-free steady state instead of an ever-growing queue).
 */
function syntheticSpeech(backlog, checkpoint) {
  return new Observable((subscriber) => {
    let stopped = false;
    (async () => {
      const t0 = performance.now();
      let k = 0, pausedMs = 0;
      const totalFrames = Math.floor((totalSeconds * RATE) / FRAME);
      for (let f = 0; f < totalFrames && !stopped; f++) {
        const s0 = f * FRAME, frame = new Float32Array(FRAME);
        if (s0 % (60 * RATE) < FRAME && f > 0) { const p = performance.now(); await checkpoint(s0 / RATE); pausedMs += performance.now() - p; }
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

const whisper = await loadWhisper('whisper-tiny.en');
const lm = values['no-reply'] ? undefined : await loadLM('smollm2-135m-instruct');
const tStats = createExclusiveStats(), gStats = createExclusiveStats(), uStats = { emitted: 0, discarded: 0, partials: 0 };
const finals = [], samples = [];
let replies = 0, lastAudio = 0;
// Memory is sampled once per audio minute with the pipeline idle (every utterance so far transcribed and answered;
// the source waits for that): mid-inference samples would measure a request's transient KV cache, not growth.
const idle = () => uStats.emitted === finals.length && (!lm || replies === finals.length);
const checkpoint = async (audioSeconds) => { while (!idle()) await new Promise((r) => setTimeout(r, 20)); sample(audioSeconds); };
const t0 = performance.now();
const sample = (audioSeconds) => {
  // Arrays a model forgot to dispose are freed by finalizers only after GC: collect first (node --expose-gc) so
  // the figures show what is really retained.
  globalThis.gc?.();
  mx.clearCache();
  samples.push({ audioSeconds, wallSeconds: (performance.now() - t0) / 1000, active: mx.getActiveMemory(), rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed });
  const s = samples.at(-1);
  process.stderr.write(`  audio ${(audioSeconds / 60).toFixed(1)} min | wall ${(s.wallSeconds / 60).toFixed(1)} min | utterances ${finals.length} | mlx active ${(s.active / 2 ** 20).toFixed(1)} MiB | rss ${(s.rss / 2 ** 20).toFixed(0)} MiB\n`);
};
await new Promise((resolve, reject) => {
  syntheticSpeech(() => uStats.emitted - finals.length + (lm ? finals.length - replies : 0), checkpoint).pipe(
    tap((f) => { lastAudio = f.timestamp; }),
    voiceAssistant({ transcriber: whisper, lm, utterances: { stats: uStats }, transcribe: { stats: tStats, decodeOptions: { conditionOnPreviousText: false } },
      generate: { maxTokens: Number(values['reply-tokens']), temperature: 0, maxHistory: 2, stats: gStats } }),
  ).subscribe({
    // keep only what the checks need: a transcript event also carries its utterance's audio
    next: (e) => { if (e.type === 'final') finals.push({ start: e.start, text: e.text }); else if (e.type === 'reply') replies++; },
    error: reject, complete: resolve,
  });
});
sample(lastAudio);
const wall = (performance.now() - t0) / 1000;

// Drift: the k-th detected utterance starts where the k-th scheduled one does (VAD padding aside).
const offsets = finals.map((f, i) => (schedule[i] ? f.start - schedule[i].start : NaN));
const maxOffset = Math.max(...offsets.map(Math.abs));
const wer = wordErrorRate(schedule.map((s) => QUESTIONS[s.clip]).join(' '), finals.map((f) => f.text).join(' '));
const steady = samples.filter((s) => s.audioSeconds >= Math.min(300, totalSeconds / 4));
// ±5%: every steady-state sample within 5% of the first one.
const band = (k) => {
  const xs = steady.map((s) => s[k]); const ref = xs[0];
  return { first: ref, min: Math.min(...xs), max: Math.max(...xs), spread: Math.max(...xs.map((x) => Math.abs(x - ref))) / ref };
};
const result = {
  audioMinutes: minutes, wallMinutes: wall / 60, speedup: totalSeconds / wall, scheduled: schedule.length, utterances: finals.length,
  replies, dropped: { transcribe: tStats.dropped, generate: gStats.dropped }, discarded: uStats.discarded, wer,
  drift: { maxStartOffsetSeconds: maxOffset, firstOffset: offsets[0], lastOffset: offsets.at(-1) },
  memory: { active: band('active'), rss: band('rss'), heap: band('heap') }, samples,
};
const ok = finals.length === schedule.length && maxOffset < 0.5 && result.memory.active.spread <= 0.05 && result.memory.rss.spread <= 0.05
  && tStats.dropped === 0 && gStats.dropped === 0 && (!lm || replies === finals.length);
const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'soak.json'), JSON.stringify(result, null, 2));
console.log(`\n| audio | wall | speed-up | utterances | replies | WER | max start offset | mlx active max dev. | rss max dev. | dropped |`);
console.log(`|---|---|---|---|---|---|---|---|---|---|`);
console.log(`| ${minutes} min | ${(wall / 60).toFixed(1)} min | ${result.speedup.toFixed(1)}× | ${finals.length}/${schedule.length} | ${replies} | ${(wer * 100).toFixed(1)}% | ${maxOffset.toFixed(2)} s | ${(result.memory.active.spread * 100).toFixed(2)}% | ${(result.memory.rss.spread * 100).toFixed(2)}% | ${tStats.dropped + gStats.dropped} |`);
console.log(ok ? 'SOAK OK' : 'SOAK FAILED');
whisper.dispose(); lm?.dispose();
process.exitCode = ok ? 0 : 1;
