// Acceptance tests of the voice pipeline (issue #10): a ~57 s espeak-ng WAV with 8 questions, paced at real time
// through the mic-like WAV source → VAD → Whisper tiny.en → SmolLM2, and cancellation of real native work.
// The real-model tests run when espeak-ng and the cached models exist; a fast variant with fakes always runs.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, map, Observable, Subject, take, tap } from 'rxjs';
import * as mx from '@mlx/core';
import { generate, transcribe, whisperTranscriber, wavFileSource, type Utterance } from '@mlx/pipeline';
import { loadWhisper, wordErrorRate } from '@mlx/whisper';
import { loadLM } from '@mlx/lm';
// @ts-ignore: plain .mjs example modules without type declarations
import { hasEspeak, makeSpeechWav, QUESTIONS, speak } from '../pipeline/speech.mjs';
// @ts-ignore: plain .mjs example modules without type declarations
import { runVoiceAssistant } from '../voice-assistant.mjs';

const models = process.env.MLX_MODELS_DIR || join(homedir(), '.cache', 'mlx-ts', 'models');
const real = hasEspeak() && existsSync(join(models, 'whisper-tiny.en')) && existsSync(join(models, 'smollm2-135m-instruct'));
const dir = mkdtempSync(join(tmpdir(), 'mlx-voice-test-'));
/**
 * First reply token after the end of each utterance's speech (the audio of its last sample arriving; includes the
 * VAD's 500 ms silence wait). 10 s holds on the 2 development cores even when ~8 other jobs share them (measured
 * median 5.0–5.6 s, max 5.8–9.7 s at load 17); override with MLX_PIPELINE_FIRST_TOKEN_MS.
 */
const FIRST_TOKEN_BOUND_MS = Number(process.env.MLX_PIPELINE_FIRST_TOKEN_MS ?? 10_000);
const EVENT_LOOP_P99_MS = Number(process.env.MLX_PIPELINE_EVENT_LOOP_P99_MS ?? 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Ev = { type: string; utteranceIndex?: number; text?: string; replyIndex?: number };

describe('voice assistant with fakes (always runs)', () => {
  it.runIf(hasEspeak())('segments real speech and answers each utterance once, dropping nothing', async () => {
    const made = makeSpeechWav(join(dir, 'short.wav'), { sentences: QUESTIONS.slice(0, 3), gapSeconds: 1.5 });
    const whisper = { async transcribe(audio: Float32Array) { await sleep(20); return { text: `${(audio.length / 16000).toFixed(1)} s` }; } };
    const lm = { async *stream(msgs: Array<{ content: string }>) { for (const w of ['ok', msgs.at(-1)!.content]) { await sleep(5); yield { text: w, token: 1 }; } } };
    const r = await runVoiceAssistant({ frames: wavFileSource(made.path, { pace: 8 }), whisper, lm });
    const finals = r.events.filter((e: Ev) => e.type === 'final');
    expect(finals).toHaveLength(3);
    finals.forEach((f: { start: number; end: number }, i: number) => {
      expect(f.start).toBeLessThan(made.utterances[i].start);
      expect(f.end).toBeGreaterThan(made.utterances[i].end - 0.5); // espeak's clips end with some silence of their own
      expect(f.end - f.start).toBeLessThan(made.utterances[i].end - made.utterances[i].start + 1.0);
    });
    expect(r.events.filter((e: Ev) => e.type === 'reply').map((e: Ev) => e.utteranceIndex)).toEqual([0, 1, 2]);
    expect(r.audioSeconds).toBeCloseTo(made.duration, 3);
    expect(r.stats.transcribe.dropped + r.stats.generate.dropped).toBe(0);
  });
});

describe.runIf(real)('voice assistant on real models', () => {
  it('transcribes every utterance of a real-time stream and replies to each within the bound', async () => {
    const made = makeSpeechWav(join(dir, 'questions.wav'));
    expect(made.duration).toBeGreaterThan(50);
    const [whisper, lm] = await Promise.all([loadWhisper('whisper-tiny.en'), loadLM('smollm2-135m-instruct')]);
    try {
      const r = await runVoiceAssistant({ frames: wavFileSource(made.path, { pace: 'realtime' }), whisper, lm, maxTokens: 24 });
      const finals = r.events.filter((e: Ev) => e.type === 'final');
      const replies = r.events.filter((e: Ev) => e.type === 'reply');
      const report = [
        `audio ${made.duration.toFixed(1)} s, wall ${r.seconds.toFixed(1)} s`, r.tracker.report(),
        `event loop p50 ${r.eventLoop.p50.toFixed(1)} ms, p99 ${r.eventLoop.p99.toFixed(1)} ms, max ${r.eventLoop.max.toFixed(1)} ms`,
        ...finals.map((f: Ev) => `  ${f.text}`),
      ].join('\n');
      console.log(report);
      expect(finals.map((f: Ev) => f.utteranceIndex)).toEqual(made.utterances.map((_: unknown, i: number) => i));
      const wer = wordErrorRate(QUESTIONS.join(' '), finals.map((f: Ev) => f.text).join(' '));
      console.log(`WER ${(wer * 100).toFixed(1)}%`);
      expect(wer).toBeLessThanOrEqual(0.15);
      expect(replies.map((e: Ev) => e.utteranceIndex)).toEqual(made.utterances.map((_: unknown, i: number) => i));
      // no frames dropped: every sample of the file went through, and no transcription or reply was skipped
      expect(r.audioSeconds).toBeCloseTo(made.duration, 3);
      expect(r.stats.transcribe.dropped).toBe(0);
      expect(r.stats.generate.dropped).toBe(0);
      for (const ms of r.tracker.figures.firstTokenMs) expect(ms).toBeLessThan(FIRST_TOKEN_BOUND_MS);
      // Known cause when this fails: the native eval() takes the engine mutex even for arrays already evaluated, so
      // item()/toTypedArray() on the main thread wait for the other model's asyncEval (see the pipeline report).
      expect(r.eventLoop.p99, 'event loop p99 delay (ms)').toBeLessThan(EVENT_LOOP_P99_MS);
    } finally { whisper.dispose(); lm.dispose(); }
  }, 150_000);

  it('unsubscribing mid-transcription and mid-generation stops the work within 100 ms and frees its memory', async () => {
    const [whisper, lm] = await Promise.all([loadWhisper('whisper-tiny.en'), loadLM('smollm2-135m-instruct')]);
    try {
      // Count decoder steps so we can cancel in the middle of decoding (an in-flight native step cannot be interrupted).
      let steps = 0, lastStepAt = 0;
      const model = whisper.model as unknown as { decode: (...a: unknown[]) => unknown };
      const decode = model.decode.bind(model);
      model.decode = (...a: unknown[]) => { steps++; lastStepAt = performance.now(); return decode(...a); };
      const inner = whisperTranscriber(whisper as never);
      let settledAt = 0;
      const transcriber = { transcribe: (a: Float32Array, o: { signal: AbortSignal }) => inner.transcribe(a, o).finally(() => { settledAt = performance.now(); }) };
      const audio = speak(QUESTIONS.slice(0, 4).join(' ')); // ~20 s: many decoder steps
      const utt: Utterance = { index: 0, final: true, start: 0, end: audio.length / 16000, sampleRate: 16000, samples: audio, audioEndArrivedAt: 0, emittedAt: 0 };
      // Warm up both models once: first use allocates lasting things (tables, caches) that are not per-request memory.
      await transcriber.transcribe(audio.subarray(0, 16000), { signal: new AbortController().signal });
      for await (const _ of lm.stream([{ role: 'user', content: 'Hi' }], { maxTokens: 4 })) void _;
      mx.clearCache();
      const baseline = mx.getActiveMemory();
      steps = 0;
      const sub = from([utt]).pipe(transcribe(transcriber)).subscribe();
      while (steps < 5) await sleep(2);
      const t = performance.now();
      sub.unsubscribe();
      await sleep(300);
      expect(settledAt).toBeGreaterThan(0);
      console.log(`transcription: stopped ${(settledAt - t).toFixed(1)} ms after unsubscribe (last step started ${(lastStepAt - t).toFixed(1)} ms after)`);
      expect(settledAt - t).toBeLessThan(100);
      expect(lastStepAt - t).toBeLessThan(100);
      const afterT = mx.getActiveMemory();

      // Generation: cancel after 3 tokens of a long answer.
      let tokens = 0, lastTokenAt = 0, endedAt = 0;
      const tokenTimes: number[] = [];
      const counting = {
        async *stream(m: never, o: never) {
          try { for await (const x of lm.stream(m, o)) { tokens++; lastTokenAt = performance.now(); tokenTimes.push(lastTokenAt); yield x; } } finally { endedAt = performance.now(); }
        },
      };
      const g = new Subject<string>();
      const gsub = g.pipe(generate(counting, { maxTokens: 200 })).subscribe();
      g.next('Tell me a long story about a dragon who learns to fly.');
      while (tokens < 4) await sleep(2);
      const t2 = performance.now();
      gsub.unsubscribe();
      await sleep(300);
      // A decode step already running natively finishes (asyncEval cannot be interrupted mid-graph); the loop then
      // stops. So the bound is 100 ms plus the in-flight step(s): two, because the LM pipelines the next step.
      const step = (tokenTimes[3]! - tokenTimes[1]!) / 2;
      console.log(`generation: stopped ${(endedAt - t2).toFixed(1)} ms after unsubscribe after ${tokens} tokens (decode step ${step.toFixed(1)} ms)`);
      expect(endedAt).toBeGreaterThan(0);
      expect(endedAt - t2).toBeLessThan(100 + 2 * step);
      mx.clearCache();
      const after = mx.getActiveMemory();
      console.log(`active memory: baseline ${baseline}, after transcription cancel ${afterT}, after generation cancel ${after}`);
      expect(Math.abs(afterT - baseline)).toBeLessThanOrEqual(baseline * 0.01 + 65536);
      expect(Math.abs(after - baseline)).toBeLessThanOrEqual(baseline * 0.01 + 65536);
    } finally { whisper.dispose(); lm.dispose(); }
  }, 60_000);
});

// keep imports used when the real suite is skipped
void map; void take; void tap; void Observable;
