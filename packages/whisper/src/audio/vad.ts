// Voice activity detection. `EnergyVad` scores 30 ms frames by energy above an adaptive noise floor and by spectral
// flatness (noise is flat, voiced speech is peaky), then turns scores into start/end events with hysteresis.
// Other detectors (a neural VAD, for instance) plug in through `FrameScorer` + `HysteresisVad`, or implement
// `VoiceActivityDetector` directly.
import { InvalidArgumentError } from '@mlx/core';

export interface VadEvent { type: 'start' | 'end'; time: number }

export interface VoiceActivityDetector {
  /** Feeds samples; returns the events whose decision became final with them (times in seconds of the stream). */
  push(samples: Float32Array): VadEvent[];
  /** Ends the stream: an open utterance gets its 'end'. */
  flush(): VadEvent[];
  /** Whether an utterance is open (a 'start' without its 'end'). */
  readonly inSpeech: boolean;
  reset(): void;
}

/** Scores one frame of samples: the probability that it contains speech (0..1). */
export interface FrameScorer { score(frame: Float32Array): number; reset?(): void }

export interface VadOptions {
  sampleRate?: number;
  /** Frame length (default 30 ms). */
  frameMs?: number;
  /** Frame score at or above which a frame counts as speech (default 0.5). */
  threshold?: number;
  /** Speech must last this long before an utterance starts (default 150 ms). */
  minSpeechMs?: number;
  /** Silence must last this long before an utterance ends (default 500 ms). */
  minSilenceMs?: number;
  /** Padding added before a start and after an end (default 200 ms). */
  padMs?: number;
}

/** Start/end decisions with hysteresis over frame scores from any scorer. */
export class HysteresisVad implements VoiceActivityDetector {
  readonly sampleRate: number;
  readonly frameSize: number;
  readonly threshold: number;
  private readonly minSpeechFrames: number;
  private readonly minSilenceFrames: number;
  private readonly pad: number;
  private buf: Float32Array;
  private bufLen = 0;
  private frameIndex = 0;
  private speechRun = 0;
  private silenceRun = 0;
  private runStart = 0;
  private lastSpeechEnd = 0;
  private open = false;

  constructor(readonly scorer: FrameScorer, opts: VadOptions = {}) {
    this.sampleRate = opts.sampleRate ?? 16000;
    const frameMs = opts.frameMs ?? 30;
    this.threshold = opts.threshold ?? 0.5;
    const checks: Array<[string, number]> = [['sampleRate', this.sampleRate], ['frameMs', frameMs]];
    for (const [k, v] of checks) if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new InvalidArgumentError(`[EnergyVad] ${k} must be a positive number, got ${String(v)}.`);
    for (const k of ['minSpeechMs', 'minSilenceMs', 'padMs'] as const) {
      const v = opts[k];
      if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new InvalidArgumentError(`[EnergyVad] ${k} must be a number ≥ 0, got ${String(v)}.`);
    }
    if (!(this.threshold >= 0 && this.threshold <= 1)) throw new InvalidArgumentError(`[EnergyVad] threshold must be in [0, 1], got ${String(opts.threshold)}.`);
    this.frameSize = Math.max(1, Math.round((this.sampleRate * frameMs) / 1000));
    this.minSpeechFrames = Math.max(1, Math.round((opts.minSpeechMs ?? 150) / frameMs));
    this.minSilenceFrames = Math.max(1, Math.round((opts.minSilenceMs ?? 500) / frameMs));
    this.pad = (opts.padMs ?? 200) / 1000;
    this.buf = new Float32Array(this.frameSize);
  }

  get inSpeech(): boolean { return this.open; }

  push(samples: Float32Array): VadEvent[] {
    if (!(samples instanceof Float32Array)) throw new InvalidArgumentError('[EnergyVad] push() takes a Float32Array of samples.');
    const events: VadEvent[] = [];
    let i = 0;
    while (i < samples.length) {
      const n = Math.min(this.frameSize - this.bufLen, samples.length - i);
      this.buf.set(samples.subarray(i, i + n), this.bufLen);
      this.bufLen += n; i += n;
      if (this.bufLen === this.frameSize) {
        this.frame(this.scorer.score(this.buf), events);
        this.bufLen = 0;
      }
    }
    return events;
  }

  flush(): VadEvent[] {
    const events: VadEvent[] = [];
    if (this.open) {
      events.push({ type: 'end', time: Math.min(this.lastSpeechEnd + this.pad, this.time(this.frameIndex) + this.bufLen / this.sampleRate) });
      this.open = false;
    }
    this.speechRun = 0; this.silenceRun = 0;
    return events;
  }

  reset(): void {
    this.bufLen = 0; this.frameIndex = 0; this.speechRun = 0; this.silenceRun = 0; this.open = false; this.lastSpeechEnd = 0;
    this.scorer.reset?.();
  }

  private time(frame: number): number { return (frame * this.frameSize) / this.sampleRate; }

  private frame(score: number, events: VadEvent[]): void {
    const f = this.frameIndex++;
    const speech = score >= this.threshold;
    if (speech) {
      if (this.speechRun === 0) this.runStart = f;
      this.speechRun++;
      this.silenceRun = 0;
      this.lastSpeechEnd = this.time(f + 1);
      if (!this.open && this.speechRun >= this.minSpeechFrames) {
        this.open = true;
        events.push({ type: 'start', time: Math.max(0, this.time(this.runStart) - this.pad) });
      }
    } else {
      this.speechRun = 0;
      if (this.open && ++this.silenceRun >= this.minSilenceFrames) {
        this.open = false;
        events.push({ type: 'end', time: Math.min(this.lastSpeechEnd + this.pad, this.time(f + 1)) });
      }
    }
  }
}

/** In-place radix-2 FFT (re, im of power-of-two length). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) { [re[i], re[j]] = [re[j]!, re[i]!]; [im[i], im[j]] = [im[j]!, im[i]!]; }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang), wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k, b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci, ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr; im[b] = im[a]! - ti; re[a] += tr; im[a] += ti;
        const ncr = cr * wr - ci * wi; ci = cr * wi + ci * wr; cr = ncr;
      }
    }
  }
}

export interface EnergyScorerOptions {
  /** Frames quieter than this (dBFS of RMS) are never speech (default −55). */
  absoluteFloorDb?: number;
  /** SNR above the noise floor at which the energy score is 0.5 (default 9 dB). */
  snrDb?: number;
}

/** Energy above an adaptive noise floor × a spectral-flatness penalty. */
export class EnergyScorer implements FrameScorer {
  private floorDb = -60;
  private re = new Float64Array(0);
  private im = new Float64Array(0);
  private window = new Float64Array(0);
  readonly absoluteFloorDb: number;
  readonly snrDb: number;
  /** The last frame's measures, for inspection and tests. */
  last = { db: -120, flatness: 1, floorDb: -60 };
  constructor(opts: EnergyScorerOptions = {}) {
    this.absoluteFloorDb = opts.absoluteFloorDb ?? -55;
    this.snrDb = opts.snrDb ?? 9;
  }
  reset(): void { this.floorDb = -60; }
  score(frame: Float32Array): number {
    let e = 0;
    for (let i = 0; i < frame.length; i++) e += frame[i]! * frame[i]!;
    const db = 10 * Math.log10(e / frame.length + 1e-12);
    // The floor follows quiet frames quickly and loud ones slowly (~1 dB/s), so speech does not raise it much.
    if (db < this.floorDb) this.floorDb = 0.7 * this.floorDb + 0.3 * db;
    else this.floorDb += Math.min(db - this.floorDb, 0.03);
    this.floorDb = Math.max(this.floorDb, -90);
    const flatness = this.flatness(frame);
    this.last = { db, flatness, floorDb: this.floorDb };
    if (db < this.absoluteFloorDb) return 0;
    const energy = 1 / (1 + Math.exp(-(db - this.floorDb - this.snrDb) / 2));
    const tonal = flatness <= 0.3 ? 1 : flatness >= 0.6 ? 0.2 : 1 - (0.8 * (flatness - 0.3)) / 0.3;
    return energy * tonal;
  }
  private flatness(frame: Float32Array): number {
    let n = 1;
    while (n < frame.length) n <<= 1;
    if (this.re.length !== n) {
      this.re = new Float64Array(n); this.im = new Float64Array(n);
      this.window = Float64Array.from({ length: frame.length }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / frame.length));
    }
    this.re.fill(0); this.im.fill(0);
    for (let i = 0; i < frame.length; i++) this.re[i] = frame[i]! * this.window[i]!;
    fft(this.re, this.im);
    // Flatness over 100 Hz .. ~4 kHz bins (speech band), geometric mean / arithmetic mean of power.
    const lo = Math.max(1, Math.floor(n / 160)), hi = Math.max(lo + 1, Math.floor(n / 4));
    let logSum = 0, sum = 0;
    for (let k = lo; k < hi; k++) {
      const p = this.re[k]! * this.re[k]! + this.im[k]! * this.im[k]! + 1e-12;
      logSum += Math.log(p); sum += p;
    }
    const m = hi - lo;
    return Math.exp(logSum / m) / (sum / m);
  }
}

/** The default detector: energy + spectral flatness with hysteresis (contract: `new EnergyVad(opts).push(samples)`). */
export class EnergyVad extends HysteresisVad {
  constructor(opts: VadOptions & EnergyScorerOptions = {}) { super(new EnergyScorer(opts), opts); }
}

/** Speech regions [start, end] in seconds of a whole recording. */
export function speechRegions(audio: Float32Array, vad: VoiceActivityDetector = new EnergyVad()): Array<{ start: number; end: number }> {
  const events = [...vad.push(audio), ...vad.flush()];
  const out: Array<{ start: number; end: number }> = [];
  let start = -1;
  for (const e of events) {
    if (e.type === 'start') start = e.time;
    else if (start >= 0) { out.push({ start, end: e.time }); start = -1; }
  }
  return out;
}
