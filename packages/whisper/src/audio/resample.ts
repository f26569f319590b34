// Rational polyphase resampling with a Kaiser-windowed sinc low-pass (the design of scipy.signal.resample_poly:
// half length 10·max(up, down) taps of the upsampled rate, cutoff at the lower Nyquist, Kaiser β = 5), evaluated
// directly per output sample so only the taps that touch real input samples are summed.
import * as mx from '@mlx/core';

function gcd(a: number, b: number): number { while (b) [a, b] = [b, a % b]; return a; }

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 20). */
function besselI0(x: number): number {
  let sum = 1, term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

const filterCache = new Map<string, Float64Array>();

/** Low-pass FIR (length 2·halfLen+1) with unit DC gain times `up`, cutoff `1/max(up, down)` of the Nyquist. */
export function designResampleFilter(up: number, down: number, beta = 5.0): Float64Array {
  const key = `${up}/${down}/${beta}`;
  const hit = filterCache.get(key);
  if (hit) return hit;
  const maxRate = Math.max(up, down);
  const halfLen = 10 * maxRate;
  const n = 2 * halfLen + 1;
  const cutoff = 1 / maxRate;
  const h = new Float64Array(n);
  const i0beta = besselI0(beta);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const m = i - halfLen;
    const x = cutoff * m;
    const sinc = m === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = (2 * i) / (n - 1) - 1;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0beta;
    h[i] = cutoff * sinc * w;
    sum += h[i];
  }
  for (let i = 0; i < n; i++) h[i] = (h[i] / sum) * up;
  if (filterCache.size > 16) filterCache.clear();
  filterCache.set(key, h);
  return h;
}

/**
 * Resamples `x` from `fromRate` to `toRate` (any positive integer rates). Output length ceil(n·up/down), aligned
 * like scipy's resample_poly (output sample 0 is input sample 0).
 */
export function resample(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
    throw new mx.InvalidArgumentError(`[resample] rates must be positive integers, got ${fromRate} → ${toRate}.`);
  }
  if (fromRate === toRate) return Float32Array.from(x);
  const g = gcd(fromRate, toRate);
  const up = toRate / g, down = fromRate / g;
  const h = designResampleFilter(up, down);
  const halfLen = (h.length - 1) / 2;
  const nIn = x.length;
  const nOut = Math.ceil((nIn * up) / down);
  const y = new Float32Array(nOut);
  for (let m = 0; m < nOut; m++) {
    // y[m] = Σ_j x[j] · h[m·down − j·up + halfLen] over the taps inside the filter.
    const t = m * down + halfLen;
    let jLo = Math.ceil((t - (h.length - 1)) / up);
    let jHi = Math.floor(t / up);
    if (jLo < 0) jLo = 0;
    if (jHi > nIn - 1) jHi = nIn - 1;
    let acc = 0;
    for (let j = jLo, k = t - jLo * up; j <= jHi; j++, k -= up) acc += x[j] * h[k];
    y[m] = acc;
  }
  return y;
}
