// Voice-activity detection over frames: passes audio through and interleaves speech start/end events.
import { Observable, type OperatorFunction } from 'rxjs';
import { EnergyVad } from '@mlx/whisper';
import { mixToMono, type AudioFrame } from '../frames.js';
import type { VoiceActivityDetector } from '../contracts.js';

export interface EnergyVadOptions {
  frameMs?: number; threshold?: number; minSpeechMs?: number; minSilenceMs?: number; padMs?: number;
}
export interface VadOptions extends EnergyVadOptions {
  /** a detector or a factory taking the stream's sample rate; default: @mlx/whisper's EnergyVad */
  detector?: VoiceActivityDetector | ((sampleRate: number) => VoiceActivityDetector);
}

export type VadEvent =
  | { type: 'audio'; frame: AudioFrame }
  | { type: 'start'; time: number }
  | { type: 'end'; time: number };

/** The built-in energy detector (from @mlx/whisper). */
export function energyVad(sampleRate: number, opts: EnergyVadOptions = {}): VoiceActivityDetector {
  const { frameMs, threshold, minSpeechMs, minSilenceMs, padMs } = opts;
  const clean = Object.fromEntries(Object.entries({ frameMs, threshold, minSpeechMs, minSilenceMs, padMs }).filter(([, v]) => v !== undefined));
  return new EnergyVad({ sampleRate, ...clean });
}

/**
 * For each frame: an 'audio' event, then the detector's start/end events it caused (times in stream seconds, offset by
 * the first frame's timestamp). Multi-channel frames are mixed to mono for detection only.
 */
export function vad(opts: VadOptions = {}): OperatorFunction<AudioFrame, VadEvent> {
  return (source) => new Observable<VadEvent>((subscriber) => {
    let detector: VoiceActivityDetector | undefined;
    let t0 = 0;
    const emitEvents = (events: Array<{ type: 'start' | 'end'; time: number }>) => {
      for (const e of events) subscriber.next({ type: e.type, time: e.time + t0 });
    };
    return source.subscribe({
      next: (frame) => {
        try {
          if (!detector) {
            t0 = frame.timestamp;
            const d = opts.detector;
            detector = d === undefined ? energyVad(frame.sampleRate, opts) : typeof d === 'function' ? d(frame.sampleRate) : d;
          }
          subscriber.next({ type: 'audio', frame });
          emitEvents(detector.push(mixToMono(frame.samples, frame.channels)));
        } catch (e) { subscriber.error(e); }
      },
      error: (e) => subscriber.error(e),
      complete: () => {
        try { if (detector?.flush) emitEvents(detector.flush()); } catch (e) { subscriber.error(e); return; }
        subscriber.complete();
      },
    });
  });
}
