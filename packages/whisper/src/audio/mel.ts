// Whisper's log-mel front end: 16 kHz audio, 400-point STFT (periodic Hann, hop 160, reflect padding of 200),
// power spectrum, Slaney mel filterbank (computed here), log10 clamped at 1e-10 and at (max − 8), then (x + 4) / 4.
import * as mx from '@mlx/core';

export const SAMPLE_RATE = 16000;
export const N_FFT = 400;
export const HOP_LENGTH = 160;
export const CHUNK_LENGTH = 30;
export const N_SAMPLES = CHUNK_LENGTH * SAMPLE_RATE; // 480000
export const N_FRAMES = N_SAMPLES / HOP_LENGTH; // 3000

const hzToMel = (f: number): number => {
  const fSp = 200 / 3, minLogHz = 1000, minLogMel = minLogHz / fSp, logStep = Math.log(6.4) / 27;
  return f < minLogHz ? f / fSp : minLogMel + Math.log(f / minLogHz) / logStep;
};
const melToHz = (m: number): number => {
  const fSp = 200 / 3, minLogHz = 1000, minLogMel = minLogHz / fSp, logStep = Math.log(6.4) / 27;
  return m < minLogMel ? m * fSp : minLogHz * Math.exp(logStep * (m - minLogMel));
};

/** Slaney-style mel filterbank with Slaney area normalisation, [nMels, nFft/2 + 1] row-major (float64). */
export function melFilterbank(nMels: number, sampleRate = SAMPLE_RATE, nFft = N_FFT): Float64Array {
  const nBins = nFft / 2 + 1;
  const fftFreqs = Array.from({ length: nBins }, (_, i) => (i * sampleRate) / nFft);
  const lo = hzToMel(0), hi = hzToMel(sampleRate / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (nMels + 1)));
  const out = new Float64Array(nMels * nBins);
  for (let m = 0; m < nMels; m++) {
    const enorm = 2 / (melF[m + 2] - melF[m]);
    for (let k = 0; k < nBins; k++) {
      const lower = (fftFreqs[k] - melF[m]) / (melF[m + 1] - melF[m]);
      const upper = (melF[m + 2] - fftFreqs[k]) / (melF[m + 2] - melF[m + 1]);
      out[m * nBins + k] = Math.max(0, Math.min(lower, upper)) * enorm;
    }
  }
  return out;
}

// The tables are cached as JS arrays, not mx arrays: a cached mx array created inside a caller's mx.tidy would be
// freed when that tidy ends.
const filterTables = new Map<number, Float32Array>();
/** [nBins, nMels] float32 (the filterbank transposed for a right-hand matmul). */
function filtersT(nMels: number): mx.array {
  const nBins = N_FFT / 2 + 1;
  let t = filterTables.get(nMels);
  if (!t) {
    const fb = melFilterbank(nMels);
    t = new Float32Array(nBins * nMels);
    for (let m = 0; m < nMels; m++) for (let k = 0; k < nBins; k++) t[k * nMels + m] = fb[m * nBins + k];
    filterTables.set(nMels, t);
  }
  return mx.array(t).reshape([nBins, nMels]);
}

const HANN = Float32Array.from({ length: N_FFT }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N_FFT));
const hann = (): mx.array => mx.array(HANN);

/**
 * Log-mel spectrogram [nMels, frames] of 16 kHz mono audio, frames = (samples + padding) / 160 (floored).
 * `padding` zeros are appended first (transcription passes N_SAMPLES so every 30 s window is complete).
 */
export function logMelSpectrogram(audio: Float32Array | mx.array, nMels = 80, padding = 0): mx.array {
  if (nMels !== 80 && nMels !== 128) throw new mx.InvalidArgumentError(`[logMelSpectrogram] nMels must be 80 or 128, got ${nMels}.`);
  let x = audio instanceof Float32Array ? audio : (audio.astype(mx.float32).toTypedArray() as Float32Array);
  if (padding > 0) {
    const p = new Float32Array(x.length + padding);
    p.set(x);
    x = p;
  }
  const n = x.length;
  const nFrames = Math.floor(n / HOP_LENGTH); // 1 + n/hop STFT frames, the last one dropped
  if (nFrames === 0) return mx.zeros([nMels, 0]);
  // Reflect padding of N_FFT/2 on each side (needs n > 200; shorter input is zero-extended first).
  const half = N_FFT / 2;
  const src = n > half ? x : (() => { const z = new Float32Array(half + 1); z.set(x); return z; })();
  const padded = new Float32Array(src.length + 2 * half);
  padded.set(src, half);
  for (let i = 1; i <= half; i++) {
    padded[half - i] = src[i];
    padded[half + src.length - 1 + i] = src[src.length - 1 - i];
  }
  return mx.tidy(() => {
    const signal = mx.array(padded);
    const frames = mx.asStrided(signal, [nFrames, N_FFT], [HOP_LENGTH, 1], 0);
    const spec = mx.fft.rfft(mx.multiply(frames, hann()), N_FFT, -1);
    const power = mx.square(mx.abs(spec));
    const mel = mx.matmul(power, filtersT(nMels)); // [frames, nMels]
    const logSpec = mx.log10(mx.maximum(mel, 1e-10));
    const clamped = mx.maximum(logSpec, mx.subtract(mx.max(logSpec), 8));
    return mx.transpose(mx.divide(mx.add(clamped, 4), 4), [1, 0]);
  });
}

/** Pads with zeros or trims `mel` [nMels, frames] along the last axis to `length` frames. */
export function padOrTrimMel(mel: mx.array, length = N_FRAMES): mx.array {
  const frames = mel.shape[mel.ndim - 1];
  if (frames === length) return mel;
  if (frames > length) return mel.index('...', mx.Slice(0, length));
  const widths = mel.shape.map((_, i) => (i === mel.ndim - 1 ? [0, length - frames] : [0, 0])) as [number, number][];
  return mx.pad(mel, widths);
}
