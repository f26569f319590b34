// Speech to text: per-utterance transcription (partials latest-wins, finals queued) and continuous streaming.
import { Observable, type OperatorFunction } from 'rxjs';
import * as whisper from '@mlx/whisper';
import type { AudioFrame } from '../frames.js';
import type { StreamingTranscriber, Transcriber, TranscriptSegment, TranscriptionResult } from '../contracts.js';
import { FrameFormatError, MissingModelError } from '../errors.js';
import { exclusive, type ExclusiveStats } from './exclusive.js';
import { resampleArray } from './audio.js';
import type { Utterance } from './utterances.js';

export interface Transcript {
  type: 'partial' | 'final';
  utteranceIndex: number;
  text: string;
  /** stream seconds */
  start: number; end: number;
  language?: string;
  segments?: TranscriptSegment[];
  utterance?: Utterance;
  /** performance.now() when the text was ready */
  at: number;
}

export interface TranscribeStageOptions {
  language?: string; task?: 'transcribe' | 'translate'; initialPrompt?: string;
  /** passed through to the transcriber (e.g. Whisper's beamSize, temperature) */
  decodeOptions?: Record<string, unknown>;
  /** most final utterances waiting (default unbounded: finals are never dropped unless you bound them) */
  bound?: number;
  stats?: ExclusiveStats;
}

/** A loaded Whisper (the @mlx/whisper contract) as far as this module needs to recognise it. */
export interface WhisperLike { model: unknown; tokenizer: unknown; dispose(): void }

type WhisperTranscribeFn = (w: WhisperLike, audio: Float32Array, opts: Record<string, unknown>) => Promise<TranscriptionResult>;
type StreamingFactory = (w: WhisperLike, opts?: Record<string, unknown>) => StreamingTranscriber;

export function isWhisper(x: unknown): x is WhisperLike {
  return typeof x === 'object' && x !== null && 'model' in x && 'tokenizer' in x && !('transcribe' in x);
}

/** Adapts a loaded Whisper to the `Transcriber` interface through @mlx/whisper's `transcribe`. */
export function whisperTranscriber(w: WhisperLike, defaults: Record<string, unknown> = {}): Transcriber {
  const fn = (whisper as unknown as { transcribe?: WhisperTranscribeFn }).transcribe;
  if (!fn) throw new MissingModelError('this @mlx/whisper build has no transcribe()');
  return {
    async transcribe(audio, opts) {
      const r = await fn(w, audio, { ...defaults, ...opts });
      return { text: r.text, language: r.language, segments: r.segments?.map((s) => ({ start: s.start, end: s.end, text: s.text, tokens: s.tokens })) };
    },
  };
}

const asTranscriber = (t: Transcriber | WhisperLike): Transcriber => (isWhisper(t) ? whisperTranscriber(t) : t);

/**
 * Utterances → transcripts. One transcription runs at a time: a newer utterance event replaces a waiting partial, a
 * final one aborts a running partial (its text is about to be superseded), finals wait in order.
 */
export function transcribe(model: Transcriber | WhisperLike, opts: TranscribeStageOptions = {}): OperatorFunction<Utterance, Transcript> {
  const transcriber = asTranscriber(model);
  return exclusive<Utterance, Transcript>(
    async (u, signal) => {
      const audio = u.sampleRate === 16000 ? u.samples : resampleArray(u.samples, u.sampleRate, 16000);
      const r = await transcriber.transcribe(audio, {
        ...opts.decodeOptions, signal, language: opts.language, task: opts.task, initialPrompt: opts.initialPrompt,
      });
      return {
        type: u.final ? 'final' : 'partial', utteranceIndex: u.index, text: r.text.trim(), start: u.start, end: u.end,
        language: r.language, segments: r.segments, utterance: u, at: performance.now(),
      };
    },
    {
      policy: 'queue', bound: opts.bound, stats: opts.stats,
      supersedes: (_newer, older) => !older.final,
      preempts: (newer, running) => newer.final && !running.final,
    },
  );
}

/**
 * Continuous 16 kHz mono frames → partial and final segments from @mlx/whisper's streaming transcriber (or any
 * factory with that contract). Unsubscribing aborts it.
 */
export function transcribeStream(
  model: WhisperLike | (() => StreamingTranscriber), opts: Record<string, unknown> = {},
): OperatorFunction<AudioFrame, Transcript> {
  return (source) => new Observable<Transcript>((subscriber) => {
    let st: StreamingTranscriber;
    try {
      if (typeof model === 'function') st = model();
      else {
        const factory = (whisper as unknown as { createStreamingTranscriber?: StreamingFactory }).createStreamingTranscriber;
        if (!factory) throw new MissingModelError('this @mlx/whisper build has no createStreamingTranscriber()');
        st = factory(model, opts);
      }
    } catch (e) { subscriber.error(e); return; }
    let finals = 0, closed = false;
    (async () => {
      try {
        for await (const ev of { [Symbol.asyncIterator]: () => st[Symbol.asyncIterator]() }) {
          if (closed) return;
          const s = ev.segment;
          subscriber.next({ type: ev.type, utteranceIndex: finals, text: s.text.trim(), start: s.start, end: s.end, segments: [s], at: performance.now() });
          if (ev.type === 'final') finals++;
        }
        if (!closed) subscriber.complete();
      } catch (e) { if (!closed) subscriber.error(e); }
    })();
    const sub = source.subscribe({
      next: (f) => {
        if (f.sampleRate !== 16000 || f.channels !== 1) {
          subscriber.error(new FrameFormatError(`transcribeStream needs 16 kHz mono frames, got ${f.sampleRate} Hz × ${f.channels}; add downmix() and resample(16000)`));
          return;
        }
        st.push(f.samples);
      },
      error: (e) => subscriber.error(e),
      complete: () => st.end(),
    });
    return () => { closed = true; sub.unsubscribe(); st.abort(); };
  });
}
