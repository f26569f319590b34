#!/usr/bin/env node
// The flagship pipeline: speech (an espeak-ng WAV paced at real time, a WAV file, or the microphone) → voice-activity
// detection → Whisper transcription → SmolLM2's streamed answer, printed as they arrive, with latency figures.
//
//   node apps/examples/voice-assistant.mjs                 # synthesised questions, paced at real time
//   node apps/examples/voice-assistant.mjs --wav my.wav    # your recording
//   node apps/examples/voice-assistant.mjs --mic           # the microphone (arecord, rec or sox)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { tap } from 'rxjs';
import { LatencyTracker, createExclusiveStats, micSource, voiceAssistant, wavFileSource } from '@mlx/pipeline';
import { loadWhisper } from '@mlx/whisper';
import { loadLM } from '@mlx/lm';
import { hasEspeak, makeSpeechWav } from './pipeline/speech.mjs';

export const SYSTEM_PROMPT = 'You are a helpful AI assistant named SmolLM, trained by Hugging Face. Keep answers short.';

/**
 * Runs frames through the assistant. Resolves when the source ends (or `signal` aborts) with every event, the
 * latency figures, drop counters and the event loop's delay percentiles.
 */
export async function runVoiceAssistant({ frames, whisper, lm, maxTokens = 32, onEvent = () => {}, signal }) {
  const transcribeStats = createExclusiveStats(), generateStats = createExclusiveStats();
  const utteranceStats = { emitted: 0, discarded: 0, partials: 0 };
  const tracker = new LatencyTracker();
  const events = [];
  let frameCount = 0, audioSeconds = 0;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const sub = frames.pipe(
      // every frame the source produced enters the pipeline (the test compares this with the file's length)
      tap((f) => { frameCount++; audioSeconds += f.samples.length / f.channels / f.sampleRate; }),
      voiceAssistant({
        transcriber: whisper, lm,
        utterances: { stats: utteranceStats },
        transcribe: { stats: transcribeStats },
        generate: { system: SYSTEM_PROMPT, maxTokens, temperature: 0, repetitionPenalty: 1.1, maxHistory: 4, stats: generateStats },
      }),
    ).subscribe({
      next: (e) => { events.push(e); tracker.observe(e); onEvent(e); },
      error: reject,
      complete: resolve,
    });
    signal?.addEventListener('abort', () => { sub.unsubscribe(); resolve(); }, { once: true });
  });
  loop.disable();
  return {
    events, tracker, seconds: (performance.now() - t0) / 1000, frames: frameCount, audioSeconds,
    stats: { utterances: utteranceStats, transcribe: transcribeStats, generate: generateStats },
    eventLoop: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
  };
}

/** A console printer: transcripts and replies as they arrive. */
export function consolePrinter(out = process.stdout) {
  let openReply; // the reply whose tokens are being printed on the current line
  const breakLine = () => { if (openReply !== undefined) { out.write('\n'); openReply = undefined; } };
  return (e) => {
    if (e.type === 'final') {
      breakLine();
      out.write(`\n  you [${e.start.toFixed(1)}–${e.end.toFixed(1)} s]: ${e.text}\n`);
    } else if (e.type === 'token') {
      if (openReply !== e.replyIndex) { breakLine(); out.write(`  assistant (to #${e.utteranceIndex + 1}): `); openReply = e.replyIndex; }
      out.write(e.text);
    } else if (e.type === 'reply') {
      breakLine();
    }
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      mic: { type: 'boolean' }, wav: { type: 'string' }, pace: { type: 'string', default: 'realtime' },
      'asr-model': { type: 'string', default: 'whisper-tiny.en' }, 'lm-model': { type: 'string', default: 'smollm2-135m-instruct' },
      'max-tokens': { type: 'string', default: '32' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: voice-assistant.mjs [--mic | --wav file] [--pace realtime|asap|<speed>] [--asr-model name] [--lm-model name] [--max-tokens n]');
    return;
  }
  let wav = values.wav;
  if (!values.mic && !wav) {
    if (!hasEspeak()) throw new Error('espeak-ng is not installed: install it, or pass --wav <file> or --mic');
    wav = join(mkdtempSync(join(tmpdir(), 'mlx-voice-')), 'questions.wav');
    const made = makeSpeechWav(wav);
    console.log(`Synthesised ${made.utterances.length} questions with espeak-ng (${made.duration.toFixed(1)} s of audio), played at real time.`);
  }
  console.log(`Loading ${values['asr-model']} and ${values['lm-model']}…`);
  const [whisper, lm] = await Promise.all([loadWhisper(values['asr-model']), loadLM(values['lm-model'])]);
  const pace = values.pace === 'realtime' || values.pace === 'asap' ? values.pace : Number(values.pace);
  const frames = values.mic ? micSource({ sampleRate: 16000 }) : wavFileSource(wav, { pace });
  if (values.mic) console.log('Listening: speak, pause, and the assistant answers (Ctrl-C to stop).');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const r = await runVoiceAssistant({ frames, whisper, lm, maxTokens: Number(values['max-tokens']), onEvent: consolePrinter(), signal: controller.signal });
  whisper.dispose(); lm.dispose?.();
  console.log(`\n${r.tracker.report()}`);
  console.log(`${r.frames} frames (${r.audioSeconds.toFixed(1)} s of audio) in ${r.seconds.toFixed(1)} s; ` +
    `${r.stats.utterances.emitted} utterances, ${r.stats.transcribe.dropped} dropped transcriptions, ${r.stats.generate.dropped} dropped replies; ` +
    `event loop delay p99 ${r.eventLoop.p99.toFixed(1)} ms`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => { console.error(`voice-assistant: ${e.message}`); process.exitCode = 1; });
}
