#!/usr/bin/env node
// Soak: an hour (or --minutes) of synthetic speech (espeak-ng questions with pauses) through VAD → Whisper tiny.en →
// SmolLM2, faster than real time. Verdict (SOAK OK / SOAK FAILED, exit code 0 / 1):
//  - memory: after warm-up, for engine active memory, RSS and the JS heap, neither the mean of the last window vs
//    the first window nor the least-squares line across the steady state moves by more than ±bound (5%);
//  - no drift: every utterance is found at its scheduled stream time (< 0.5 s off), all answered, nothing dropped.
//
//   node bench/pipeline/soak.mjs [--minutes 60] [--reply-tokens 8] [--no-reply] [--sample-every 30]
//        [--warmup 5] [--window 10] [--bound 0.05] [--speed 30] [--gap 2] [--max-history 2] [--cache-limit MiB]
//        [--clear-cache] [--json path]
//
// Samples are taken every --sample-every s of audio with the pipeline idle and after a full GC (see soak-lib.mjs);
// the engine's buffer cache is left alone, so the figures are what a running application holds (--clear-cache
// empties it before each sample, the first version's method: it makes malloc churn and RSS noisy). Everything is
// written to bench/pipeline/out/soak.json (or --json) for plotting.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as mx from '@mlx/core';
import { memoryTrend, withinBound } from '@mlx/pipeline';
import { loadWhisper } from '@mlx/whisper';
import { loadLM } from '@mlx/lm';
import { runSoak } from './soak-lib.mjs';

const { values } = parseArgs({ options: {
  minutes: { type: 'string', default: '60' }, speed: { type: 'string', default: '30' },
  'reply-tokens': { type: 'string', default: '8' }, 'no-reply': { type: 'boolean' }, gap: { type: 'string', default: '2' },
  'sample-every': { type: 'string', default: '30' }, warmup: { type: 'string' }, window: { type: 'string' },
  bound: { type: 'string', default: '0.05' }, 'cache-limit': { type: 'string' }, 'max-history': { type: 'string', default: '2' },
  json: { type: 'string' }, 'clear-cache': { type: 'boolean' },
} });
const minutes = Number(values.minutes), seconds = minutes * 60, bound = Number(values.bound), sampleEvery = Number(values['sample-every']);
// Warm-up: 5 min of audio (a quarter of shorter runs); windows: 10 min (a quarter of the steady span when shorter).
const warmup = values.warmup !== undefined ? Number(values.warmup) * 60 : Math.min(300, seconds / 4);
const window = values.window !== undefined ? Number(values.window) * 60 : Math.min(600, (seconds - warmup) / 4);
if (values['cache-limit'] !== undefined) mx.setCacheLimit(Number(values['cache-limit']) * 2 ** 20);

const whisper = await loadWhisper('whisper-tiny.en');
const lm = values['no-reply'] ? undefined : await loadLM('smollm2-135m-instruct');
const M = (x) => (x / 2 ** 20).toFixed(1);
const r = await runSoak({
  whisper, lm, seconds, speed: Number(values.speed), gap: Number(values.gap), sampleEvery,
  replyTokens: Number(values['reply-tokens']), maxHistory: Number(values['max-history']), clearCache: values['clear-cache'] === true,
  onSample: (s) => process.stderr.write(`  audio ${(s.at / 60).toFixed(1)} min | wall ${(s.wallSeconds / 60).toFixed(1)} min | utt ${s.utterances} | active ${M(s.active)} cache ${M(s.cache)} peak ${M(s.peak)} | heap ${M(s.heapUsed)} ext ${M(s.external)} | rss ${M(s.rss)} (anon ${M(s.rssAnon)}) | arrays ${s.arrays} (before GC ${s.arraysBeforeGc}, active ${M(s.activeBeforeGc)}) | kv ${s.kvCapacity}\n`),
});

const judged = ['active', 'rss', 'heapUsed'];
const trends = Object.fromEntries(['active', 'cache', 'heapUsed', 'external', 'rss', 'rssAnon'].map((k) => [k, memoryTrend(r.samples, k, { warmup, window })]));
const memoryOk = judged.every((k) => withinBound(trends[k], bound));
const ok = r.finals.length === r.schedule.length && r.maxStartOffset < 0.5 && memoryOk
  && r.dropped.transcribe === 0 && r.dropped.generate === 0 && (!lm || r.replies === r.finals.length);
const result = {
  audioMinutes: minutes, wallMinutes: r.wallSeconds / 60, speedup: seconds / r.wallSeconds, replyTokens: lm ? Number(values['reply-tokens']) : 0,
  scheduled: r.schedule.length, utterances: r.finals.length, replies: r.replies, dropped: r.dropped, discarded: r.discarded, wer: r.wer,
  drift: { maxStartOffsetSeconds: r.maxStartOffset, firstOffset: r.firstOffset, lastOffset: r.lastOffset },
  memory: { warmupSeconds: warmup, windowSeconds: window, bound, judged, trends }, ok, samples: r.samples,
};
const outFile = values.json ?? join(dirname(fileURLToPath(import.meta.url)), 'out', 'soak.json');
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(result, null, 2));

const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
console.log(`\n| audio | wall | speed-up | reply tokens | utterances | replies | WER | max start offset | dropped |`);
console.log(`|---|---|---|---|---|---|---|---|---|`);
console.log(`| ${minutes} min | ${(r.wallSeconds / 60).toFixed(1)} min | ${result.speedup.toFixed(2)}× | ${result.replyTokens} | ${r.finals.length}/${r.schedule.length} | ${r.replies} | ${(r.wer * 100).toFixed(1)}% | ${r.maxStartOffset.toFixed(2)} s | ${r.dropped.transcribe + r.dropped.generate} |`);
console.log(`\nSteady state from ${(warmup / 60).toFixed(1)} min of audio; windows of ${(window / 60).toFixed(1)} min; ${r.samples.length} samples every ${sampleEvery} s of audio.`);
console.log(`| memory | first window (MiB) | last window (MiB) | change | slope (MiB per h of audio) | drift over steady state | max dev. from mean | judged (±${(bound * 100).toFixed(0)}%) |`);
console.log(`|---|---|---|---|---|---|---|---|`);
for (const [k, t] of Object.entries(trends)) {
  console.log(`| ${k} | ${M(t.firstWindowMean)} | ${M(t.lastWindowMean)} | ${pct(t.windowChange)} | ${(t.slope * 3600 / 2 ** 20).toFixed(2)} | ${pct(t.drift)} | ${(t.maxDeviation * 100).toFixed(2)}% | ${judged.includes(k) ? (withinBound(t, bound) ? 'ok' : 'FAIL') : '-'} |`);
}
console.log(ok ? 'SOAK OK' : 'SOAK FAILED');
whisper.dispose(); lm?.dispose();
process.exitCode = ok ? 0 : 1;
