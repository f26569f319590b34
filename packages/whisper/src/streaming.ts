// Live transcription: PCM chunks in, partial and final segments out. A VAD cuts the stream into utterances; while
// one is open the growing audio is re-decoded about once a second (only when the previous decode has finished, so a
// slow CPU drops partials instead of falling behind); when it ends (or reaches maxUtteranceSeconds) it is decoded
// once more and emitted as final. Decoding runs on the engine thread (asyncEval), so push() never blocks.
import * as mx from '@mlx/core';
import { CancelledError, InvalidArgumentError } from '@mlx/core';
import { logMelSpectrogram } from './audio/mel.js';
import { EnergyVad, type VadOptions, type VoiceActivityDetector } from './audio/vad.js';
import { N_FRAMES, N_SAMPLES, SAMPLE_RATE, type WhisperLike } from './decoding/contract.js';
import { decodeWindow, type DecodeContext } from './decoding/decode.js';
import type { WhisperTask } from './decoding/options.js';
import { asCancelled } from './decoding/util.js';

export interface StreamingOptions {
  language?: string;
  task?: WhisperTask;
  /** A detector, or options for the default EnergyVad. */
  vad?: VoiceActivityDetector | VadOptions;
  /** Re-decode an open utterance this often (default 1000 ms of new audio); 0 disables partials. */
  partialIntervalMs?: number;
  /** Force a final after this much speech (default 25 s; a window holds 30 s). */
  maxUtteranceSeconds?: number;
  /** Beam size for finals (partials are always greedy). Default greedy. */
  beamSize?: number;
  /** Prompt each utterance with the previous final's text (default false). */
  conditionOnPreviousText?: boolean;
  signal?: AbortSignal;
}

export interface StreamingSegment { start: number; end: number; text: string; tokens: number[] }
export interface StreamingEvent {
  type: 'partial' | 'final';
  segment: StreamingSegment;
  /** Wall-clock ms spent decoding this event, and ms from the utterance end being known to the event (finals). */
  decodeMs: number;
  latencyMs?: number;
}

export interface StreamingStats { audioSeconds: number; decodeSeconds: number; realTimeFactor: number; partials: number; finals: number; droppedPartials: number }

export interface StreamingTranscriber extends AsyncIterable<StreamingEvent> {
  push(pcm16k: Float32Array): void;
  end(): void;
  abort(): void;
  stats(): StreamingStats;
}

interface Job { type: 'partial' | 'final'; start: number; end: number; audio: Float32Array; knownAt: number }

export function createStreamingTranscriber(w: WhisperLike, opts: StreamingOptions = {}): StreamingTranscriber {
  const vad: VoiceActivityDetector = opts.vad && 'push' in opts.vad ? opts.vad : new EnergyVad((opts.vad as VadOptions) ?? {});
  const partialEvery = Math.round(((opts.partialIntervalMs ?? 1000) / 1000) * SAMPLE_RATE);
  const maxUtterance = Math.round(Math.min(29, opts.maxUtteranceSeconds ?? 25) * SAMPLE_RATE);
  if (!(maxUtterance > 0)) throw new InvalidArgumentError('[streaming] maxUtteranceSeconds must be > 0.');
  const ctx: DecodeContext = { model: w.model, tokenizer: w.tokenizer, defaultSuppressTokens: w.suppressTokens };

  // Audio kept since the start of the open utterance (or a short pre-roll while idle), as chunks.
  let chunks: Float32Array[] = [];
  let bufferStart = 0;  // stream sample index of chunks[0][0]
  let total = 0;        // samples pushed
  let uttStart = -1;    // stream sample index of the open utterance's start, -1 when none
  let lastPartialAt = 0;
  const preRoll = SAMPLE_RATE;  // 1 s

  const jobs: Job[] = [];
  const events: StreamingEvent[] = [];
  let waiting: { resolve: (r: IteratorResult<StreamingEvent>) => void; reject: (e: unknown) => void } | undefined;
  let ended = false, aborted = false, busy = false, failure: unknown;
  let previousText: number[] = [];
  const st = { decodeMs: 0, partials: 0, finals: 0, dropped: 0 };

  const slice = (from: number, to: number): Float32Array => {
    const out = new Float32Array(Math.max(0, to - from));
    let pos = bufferStart;
    for (const c of chunks) {
      const a = Math.max(from, pos), b = Math.min(to, pos + c.length);
      if (b > a) out.set(c.subarray(a - pos, b - pos), a - from);
      pos += c.length;
    }
    return out;
  };
  const trim = (keepFrom: number) => {
    while (chunks.length && bufferStart + chunks[0]!.length <= keepFrom) { bufferStart += chunks[0]!.length; chunks.shift(); }
  };

  const deliver = (e: StreamingEvent) => {
    if (waiting) { const w0 = waiting; waiting = undefined; w0.resolve({ value: e, done: false }); } else events.push(e);
  };
  const finish = () => {
    if (waiting && !busy && jobs.length === 0 && events.length === 0 && (ended || aborted)) {
      const w0 = waiting; waiting = undefined;
      if (failure) w0.reject(failure); else w0.resolve({ value: undefined, done: true });
    }
  };

  async function run(job: Job): Promise<void> {
    const t0 = performance.now();
    const mel = mx.tidy(() => {
      const x = new Float32Array(N_SAMPLES);
      x.set(job.audio.subarray(0, N_SAMPLES));
      return logMelSpectrogram(x, w.model.dims.nMels, 0).reshape([1, w.model.dims.nMels, N_FRAMES]);
    });
    let features: mx.array | undefined;
    try {
      features = mx.tidy(() => w.model.embedAudio(mel));
      mel.dispose();
      await mx.asyncEval(features);
      const r = await decodeWindow(ctx, features, {
        language: opts.language, task: opts.task, withoutTimestamps: true,
        beamSize: job.type === 'final' ? opts.beamSize : undefined,
        prompt: opts.conditionOnPreviousText ? previousText : undefined,
        signal: opts.signal,
      });
      const decodeMs = performance.now() - t0;
      st.decodeMs += decodeMs;
      // Hallucination guard for noise-triggered utterances: nothing spoken → no event.
      const silent = r.noSpeechProb > 0.6 && r.avgLogprob < -1;
      const text = silent ? '' : r.text;
      const segment = { start: job.start / SAMPLE_RATE, end: job.end / SAMPLE_RATE, text, tokens: silent ? [] : r.tokens };
      if (job.type === 'final') {
        st.finals++;
        if (text) previousText = r.tokens;
        if (text) deliver({ type: 'final', segment, decodeMs, latencyMs: performance.now() - job.knownAt });
      } else {
        st.partials++;
        // A partial that arrives after its utterance ended is stale.
        if (text && uttStart >= 0 && job.start === uttStart) deliver({ type: 'partial', segment, decodeMs });
      }
    } finally {
      if (!mel.disposed) mel.dispose();
      features?.dispose();
    }
  }

  async function pump(): Promise<void> {
    if (busy || aborted) return;
    busy = true;
    try {
      while (jobs.length && !aborted) await run(jobs.shift()!);
    } catch (e) {
      failure = asCancelled(e);
      aborted = true;
    } finally {
      busy = false;
      if (failure && waiting) { const w0 = waiting; waiting = undefined; w0.reject(failure); }
      finish();
    }
  }

  const closeUtterance = (endSample: number, knownAt: number) => {
    if (uttStart < 0) return;
    const end = Math.min(endSample, total);
    // Finals replace any queued partial of the same utterance.
    for (let i = jobs.length - 1; i >= 0; i--) if (jobs[i]!.type === 'partial') { jobs.splice(i, 1); st.dropped++; }
    jobs.push({ type: 'final', start: uttStart, end, audio: slice(uttStart, end), knownAt });
    uttStart = -1;
    trim(Math.max(0, total - preRoll));
    void pump();
  };

  const onAbort = () => transcriber.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const transcriber: StreamingTranscriber = {
    push(pcm: Float32Array) {
      if (!(pcm instanceof Float32Array)) throw new InvalidArgumentError('[streaming] push() takes a Float32Array of 16 kHz samples.');
      if (ended || aborted) throw new InvalidArgumentError('[streaming] push() after end() or abort().');
      const now = performance.now();
      chunks.push(pcm.slice());
      total += pcm.length;
      for (const e of vad.push(pcm)) {
        const at = Math.round(e.time * SAMPLE_RATE);
        if (e.type === 'start') { uttStart = Math.max(bufferStart, at); lastPartialAt = uttStart; }
        else closeUtterance(at, now);
      }
      if (uttStart >= 0) {
        if (total - uttStart >= maxUtterance) {
          closeUtterance(total, now);
          uttStart = total; lastPartialAt = total;  // speech continues: a new utterance starts here
        } else if (partialEvery > 0 && total - lastPartialAt >= partialEvery) {
          lastPartialAt = total;
          if (!busy && jobs.length === 0) { jobs.push({ type: 'partial', start: uttStart, end: total, audio: slice(uttStart, total), knownAt: now }); void pump(); }
          else st.dropped++;
        }
      } else {
        trim(Math.max(0, total - preRoll));
      }
    },
    end() {
      if (ended) return;
      const now = performance.now();
      for (const e of vad.flush()) if (e.type === 'end') closeUtterance(Math.round(e.time * SAMPLE_RATE), now);
      if (uttStart >= 0) closeUtterance(total, now);
      ended = true;
      opts.signal?.removeEventListener('abort', onAbort);
      finish();
    },
    abort() {
      if (aborted) return;
      aborted = true;
      failure ??= new CancelledError('The streaming transcription was aborted.');
      jobs.length = 0;
      chunks = [];
      if (waiting && !busy) { const w0 = waiting; waiting = undefined; w0.reject(failure); }
    },
    stats(): StreamingStats {
      const audioSeconds = total / SAMPLE_RATE;
      return { audioSeconds, decodeSeconds: st.decodeMs / 1000, realTimeFactor: audioSeconds ? st.decodeMs / 1000 / audioSeconds : 0,
        partials: st.partials, finals: st.finals, droppedPartials: st.dropped };
    },
    [Symbol.asyncIterator](): AsyncIterator<StreamingEvent> {
      return {
        next: () => new Promise((resolve, reject) => {
          if (events.length) return resolve({ value: events.shift()!, done: false });
          if (failure && !busy) return reject(failure);
          waiting = { resolve, reject };
          finish();
        }),
        return: async () => { transcriber.abort(); return { value: undefined, done: true }; },
      };
    },
  };
  return transcriber;
}
