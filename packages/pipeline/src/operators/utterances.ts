// Utterance segmentation: turns VAD events into utterances (mono audio between a speech start and end).
import { Observable, type OperatorFunction } from 'rxjs';
import { mixToMono } from '../frames.js';
import type { VadEvent } from './vad.js';

export interface Utterance {
  /** 0, 1, 2 … in stream order; a partial shares the index of the final it grows into (none comes when the
   *  utterance ends up shorter than minLengthMs; that index is then skipped) */
  readonly index: number;
  /** false for a growing snapshot (see `partialEveryMs`), true once the utterance is complete */
  readonly final: boolean;
  readonly reason?: 'silence' | 'max-length' | 'end-of-stream';
  /** stream seconds */
  readonly start: number; readonly end: number;
  readonly sampleRate: number;
  readonly samples: Float32Array;
  /** performance.now() when the audio at `end` arrived (for latency figures) */
  readonly audioEndArrivedAt: number;
  /** performance.now() when this event was emitted */
  readonly emittedAt: number;
}

export interface UtterancesOptions {
  /** cut an utterance that grows longer than this (default 30 000 ms, Whisper's window) */
  maxLengthMs?: number;
  /** drop utterances shorter than this (default 200 ms) */
  minLengthMs?: number;
  /** also emit growing partial utterances this often while speech goes on (default: never) */
  partialEveryMs?: number;
  /** audio kept before the current position so a start event that points back in time finds its samples (default 2000 ms) */
  preRollMs?: number;
  /** counters: utterances emitted and discarded as too short */
  stats?: { emitted: number; discarded: number; partials: number };
}

export function utterances(opts: UtterancesOptions = {}): OperatorFunction<VadEvent, Utterance> {
  const maxLengthMs = opts.maxLengthMs ?? 30_000, minLengthMs = opts.minLengthMs ?? 200, preRollMs = opts.preRollMs ?? 2000;
  if (!(maxLengthMs > minLengthMs)) throw new RangeError(`maxLengthMs (${maxLengthMs}) must exceed minLengthMs (${minLengthMs})`);
  return (source) => new Observable<Utterance>((subscriber) => {
    let rate = 0, t0 = 0;
    let buf = new Float32Array(1 << 16), bufStart = 0, total = 0; // absolute sample indices: buf[i] is sample bufStart+i
    const arrivals: Array<{ endSample: number; at: number }> = [];
    let speechStart: number | undefined; // absolute sample
    let lastPartialAt = 0, index = 0, partialsOfCurrent = 0;
    const stats = opts.stats ?? { emitted: 0, discarded: 0, partials: 0 };

    const append = (x: Float32Array) => {
      const used = total - bufStart;
      if (used + x.length > buf.length) {
        // Keep the open utterance (or the pre-roll while silent); grow only when that does not fit.
        const keepFrom = speechStart ?? Math.max(bufStart, total - Math.ceil((preRollMs / 1000) * rate));
        const need = total - keepFrom + x.length;
        if (need > buf.length) {
          const next = new Float32Array(2 * need);
          next.set(buf.subarray(keepFrom - bufStart, used));
          buf = next;
        } else buf.copyWithin(0, keepFrom - bufStart, used);
        bufStart = keepFrom;
      }
      buf.set(x, total - bufStart);
      total += x.length;
    };
    const arrivalOf = (sample: number) => {
      for (const a of arrivals) if (a.endSample >= sample) return a.at;
      return performance.now();
    };
    const emit = (from: number, to: number, final: boolean, reason?: Utterance['reason']) => {
      const lo = Math.max(from, bufStart), hi = Math.min(to, total);
      if (final && (hi - lo) / rate * 1000 < minLengthMs) {
        stats.discarded++;
        if (partialsOfCurrent) { index++; partialsOfCurrent = 0; } // its partials went out: never reuse their index
        return;
      }
      const u: Utterance = {
        index, final, reason, start: t0 + lo / rate, end: t0 + hi / rate, sampleRate: rate,
        samples: buf.slice(lo - bufStart, hi - bufStart), audioEndArrivedAt: arrivalOf(hi), emittedAt: performance.now(),
      };
      if (final) { stats.emitted++; index++; partialsOfCurrent = 0; } else { stats.partials++; partialsOfCurrent++; }
      subscriber.next(u);
    };
    return source.subscribe({
      next: (e) => {
        if (e.type === 'audio') {
          const f = e.frame;
          if (!rate) { rate = f.sampleRate; t0 = f.timestamp; }
          append(mixToMono(f.samples, f.channels));
          arrivals.push({ endSample: total, at: performance.now() });
          while (arrivals.length > 1 && arrivals[0]!.endSample < Math.min(bufStart, speechStart ?? Infinity)) arrivals.shift();
          if (speechStart !== undefined) {
            if ((total - speechStart) / rate * 1000 >= maxLengthMs) {
              const cut = speechStart + Math.floor((maxLengthMs / 1000) * rate);
              emit(speechStart, cut, true, 'max-length');
              speechStart = cut; lastPartialAt = cut;
            } else if (opts.partialEveryMs && (total - lastPartialAt) / rate * 1000 >= opts.partialEveryMs) {
              lastPartialAt = total;
              emit(speechStart, total, false);
            }
          }
        } else if (e.type === 'start') {
          if (speechStart !== undefined || !rate) return;
          speechStart = Math.min(total, Math.max(bufStart, Math.round((e.time - t0) * rate)));
          lastPartialAt = speechStart;
        } else if (speechStart !== undefined) {
          const end = Math.max(speechStart, Math.min(total, Math.round((e.time - t0) * rate)));
          emit(speechStart, end, true, 'silence');
          speechStart = undefined;
        }
      },
      error: (err) => subscriber.error(err),
      complete: () => {
        if (speechStart !== undefined) emit(speechStart, total, true, 'end-of-stream');
        subscriber.complete();
      },
    });
  });
}
