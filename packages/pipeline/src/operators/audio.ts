// Frame-level audio operators: channel downmix and a streaming windowed-sinc resampler.
import { map, Observable, type OperatorFunction } from 'rxjs';
import { mixToMono, type AudioFrame } from '../frames.js';
import { FrameFormatError } from '../errors.js';

/** Averages all channels into one. */
export function downmix(): OperatorFunction<AudioFrame, AudioFrame> {
  return map((f) => (f.channels === 1 ? f : { ...f, samples: mixToMono(f.samples, f.channels), channels: 1 }));
}

const HALF_TAPS = 16; // zero crossings each side of the kernel: ~1 ms look-ahead at 16 kHz
const TABLE_STEPS = 512; // kernel samples per input sample; linear interpolation between them

/**
 * Band-limited resampling of one channel, fed in pieces. Output sample n sits at input time n * from / to; each
 * is a Blackman-windowed sinc sum over the nearby inputs, with the cutoff at the lower Nyquist frequency. The kernel
 * is tabulated once per instance. State (the last inputs and the output position) carries across pushes, so chunked
 * and whole-signal results are identical.
 */
export class StreamingResampler {
  private readonly step: number; // input samples per output sample
  private readonly cutoff: number; // fraction of the input Nyquist that passes
  private readonly half: number; // kernel half-width in input samples
  private readonly table: Float32Array; // kernel at d = i / TABLE_STEPS for i in [0, half * TABLE_STEPS + 1]
  private buf = new Float32Array(0);
  private bufStart = 0; // absolute input index of buf[0]
  private received = 0; // absolute input samples seen
  private produced = 0; // absolute output samples produced
  constructor(readonly fromRate: number, readonly toRate: number) {
    if (!(fromRate > 0 && toRate > 0)) throw new FrameFormatError(`sample rates must be positive, got ${fromRate} → ${toRate}`);
    this.step = fromRate / toRate;
    this.cutoff = Math.min(1, toRate / fromRate);
    this.half = Math.ceil(HALF_TAPS / this.cutoff);
    const n = this.half * TABLE_STEPS + 2;
    this.table = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const d = i / TABLE_STEPS;
      if (d >= this.half) break;
      const x = Math.PI * d * this.cutoff;
      const w = 0.42 + 0.5 * Math.cos((Math.PI * d) / this.half) + 0.08 * Math.cos((2 * Math.PI * d) / this.half); // Blackman, centred
      this.table[i] = (d === 0 ? 1 : Math.sin(x) / x) * w * this.cutoff;
    }
  }
  private kernel(d: number): number {
    const p = Math.abs(d) * TABLE_STEPS, i = Math.floor(p), f = p - i;
    return this.table[i]! + f * (this.table[i + 1]! - this.table[i]!);
  }
  /** Pushes input; returns the outputs whose kernel window is complete (all of them with `final`). */
  push(input: Float32Array, final = false): Float32Array {
    if (input.length) {
      const merged = new Float32Array(this.buf.length + input.length);
      merged.set(this.buf); merged.set(input, this.buf.length);
      this.buf = merged; this.received += input.length;
    }
    if (this.fromRate === this.toRate) { const out = this.buf; this.bufStart += out.length; this.buf = new Float32Array(0); this.produced += out.length; return out; }
    const limit = final ? Math.ceil((this.received * this.toRate) / this.fromRate) : Infinity;
    const out = new Float32Array(Math.max(0, Math.ceil((this.received + 1) / this.step) - this.produced + 1));
    let count = 0;
    for (;;) {
      const t = this.produced * this.step; // input-time of this output
      if (final ? this.produced >= limit : Math.floor(t) + this.half >= this.received) break;
      const lo = Math.max(Math.floor(t) - this.half + 1, 0), hi = Math.min(Math.floor(t) + this.half, this.received - 1);
      let acc = 0;
      for (let k = lo; k <= hi; k++) acc += this.buf[k - this.bufStart]! * this.kernel(t - k);
      out[count++] = acc;
      this.produced++;
    }
    // Drop inputs no future output can reach.
    const keepFrom = Math.max(0, Math.floor(this.produced * this.step) - this.half);
    if (keepFrom > this.bufStart) { this.buf = this.buf.slice(keepFrom - this.bufStart); this.bufStart = keepFrom; }
    return out.slice(0, count);
  }
}

/** One-shot band-limited resampling (same kernel as the streaming form). */
export function resampleArray(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return x;
  return new StreamingResampler(fromRate, toRate).push(x, true);
}

/** Resamples frames to `toRate` (channels kept). Timestamps stay exact: each frame starts at outputs-so-far / toRate. */
export function resample(toRate: number): OperatorFunction<AudioFrame, AudioFrame> {
  return (source) => new Observable<AudioFrame>((subscriber) => {
    let resamplers: StreamingResampler[] | undefined;
    let rate = 0, channels = 0, produced = 0, index = 0, t0 = 0;
    const emit = (perChannel: Float32Array[]) => {
      const n = Math.min(...perChannel.map((c) => c.length));
      if (n === 0) return;
      const samples = new Float32Array(n * channels);
      for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) samples[i * channels + c] = perChannel[c]![i]!;
      subscriber.next({ samples, sampleRate: toRate, channels, timestamp: t0 + produced / toRate, index: index++ });
      produced += n;
    };
    return source.subscribe({
      next: (f) => {
        if (f.sampleRate === toRate && !resamplers) { subscriber.next(f); return; }
        if (!resamplers) {
          rate = f.sampleRate; channels = f.channels; t0 = f.timestamp;
          resamplers = Array.from({ length: channels }, () => new StreamingResampler(rate, toRate));
        } else if (f.sampleRate !== rate || f.channels !== channels) {
          subscriber.error(new FrameFormatError(`resample: the stream changed format from ${rate} Hz × ${channels} to ${f.sampleRate} Hz × ${f.channels}`));
          return;
        }
        const n = f.samples.length / channels;
        emit(resamplers.map((r, c) => {
          const ch = new Float32Array(n);
          for (let i = 0; i < n; i++) ch[i] = f.samples[i * channels + c]!;
          return r.push(ch);
        }));
      },
      error: (e) => subscriber.error(e),
      complete: () => { if (resamplers) emit(resamplers.map((r) => r.push(new Float32Array(0), true))); subscriber.complete(); },
    });
  });
}
