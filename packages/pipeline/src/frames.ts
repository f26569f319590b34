// Audio frames and PCM conversions shared by sources and operators.

/** A chunk of audio. `samples` is interleaved when channels > 1. `timestamp` is the stream time (s) of its first sample. */
export interface AudioFrame {
  readonly samples: Float32Array;
  readonly sampleRate: number;
  readonly channels: number;
  readonly timestamp: number;
  readonly index: number;
}

export type PcmEncoding = 's16le' | 'f32le' | 's32le' | 'u8';
export interface PcmFormat { sampleRate: number; channels: number; encoding?: PcmEncoding }

export function bytesPerSample(encoding: PcmEncoding): number {
  return encoding === 'u8' ? 1 : encoding === 's16le' ? 2 : 4;
}

/** Decodes little-endian PCM bytes (a whole number of samples) into float32 in [-1, 1). */
export function pcmToFloat32(bytes: Uint8Array, encoding: PcmEncoding): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Math.floor(bytes.byteLength / bytesPerSample(encoding));
  const out = new Float32Array(n);
  switch (encoding) {
    case 's16le': for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true) / 32768; break;
    case 's32le': for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true) / 2147483648; break;
    case 'f32le': for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true); break;
    case 'u8': for (let i = 0; i < n; i++) out[i] = (bytes[i]! - 128) / 128; break;
  }
  return out;
}

/** Averages interleaved channels into one. */
export function mixToMono(samples: Float32Array, channels: number): Float32Array {
  if (channels === 1) return samples;
  const n = Math.floor(samples.length / channels);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += samples[i * channels + c]!;
    out[i] = s / channels;
  }
  return out;
}

/** Slices a growing sample stream into fixed-size frames with exact timestamps. */
export class Framer {
  private pending: Float32Array[] = [];
  private pendingLength = 0;
  private emittedSamples = 0; // per channel
  private nextIndex = 0;
  readonly frameSamples: number; // per channel
  constructor(readonly sampleRate: number, readonly channels: number, frameMs: number, private readonly startTime = 0) {
    this.frameSamples = Math.max(1, Math.round((sampleRate * frameMs) / 1000));
  }
  /** Adds interleaved samples; returns the complete frames now available. */
  push(samples: Float32Array): AudioFrame[] {
    if (samples.length) { this.pending.push(samples); this.pendingLength += samples.length; }
    const size = this.frameSamples * this.channels;
    const frames: AudioFrame[] = [];
    if (this.pendingLength < size) return frames;
    const all = this.concatPending();
    let off = 0;
    for (; off + size <= all.length; off += size) frames.push(this.make(all.slice(off, off + size)));
    this.pending = off < all.length ? [all.slice(off)] : [];
    this.pendingLength = all.length - off;
    return frames;
  }
  /** Emits what is left as a final, shorter frame (whole sample groups only). */
  flush(): AudioFrame[] {
    const all = this.concatPending();
    this.pending = []; this.pendingLength = 0;
    const usable = all.length - (all.length % this.channels);
    return usable > 0 ? [this.make(all.slice(0, usable))] : [];
  }
  private concatPending(): Float32Array {
    if (this.pending.length === 1) return this.pending[0]!;
    const all = new Float32Array(this.pendingLength);
    let o = 0;
    for (const p of this.pending) { all.set(p, o); o += p.length; }
    return all;
  }
  private make(samples: Float32Array): AudioFrame {
    const frame: AudioFrame = {
      samples, sampleRate: this.sampleRate, channels: this.channels,
      timestamp: this.startTime + this.emittedSamples / this.sampleRate, index: this.nextIndex++,
    };
    this.emittedSamples += samples.length / this.channels;
    return frame;
  }
}
