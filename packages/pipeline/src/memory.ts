// Memory over time for long-running pipelines: samples of engine and process memory, and a steady-state verdict
// (window means and a least-squares slope) that tells growth apart from one-off steps and noise.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as mx from '@mlx/core';

export interface MemorySample {
  /** stream seconds of audio processed when sampled (or any other progress measure) */
  at: number;
  /** engine bytes held by live arrays */
  active: number;
  /** engine bytes freed but kept by the allocator for reuse */
  cache: number;
  /** engine high-water mark since the previous sample (the sampler resets it) */
  peak: number;
  /** V8 heap in use, and memory of ArrayBuffers/Buffers outside it (Node's `external`, `arrayBuffers`) */
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** resident set size of the whole process */
  rss: number;
}

export type MemoryMetric = Exclude<keyof MemorySample, 'at'>;
export const MEMORY_METRICS: readonly MemoryMetric[] = ['active', 'cache', 'peak', 'heapUsed', 'external', 'arrayBuffers', 'rss'];

export interface SampleMemoryOptions {
  /** run a full GC first so arrays only garbage still holds do not count as retained */
  gc?: boolean;
}

let gcFn: (() => void) | undefined;
/** `global.gc`, exposing it on demand when node was started without --expose-gc (a fresh context then has it). */
export function fullGc(): void {
  if (!gcFn) {
    gcFn = (globalThis as { gc?: () => void }).gc;
    if (!gcFn) { setFlagsFromString('--expose-gc'); gcFn = runInNewContext('gc') as () => void; }
  }
  gcFn();
}

/** Takes one sample and resets the engine's peak so the next sample's peak covers only its own interval. */
export function sampleMemory(at: number, opts: SampleMemoryOptions = {}): MemorySample {
  if (opts.gc) fullGc();
  const m = process.memoryUsage();
  const s: MemorySample = {
    at, active: mx.getActiveMemory(), cache: mx.getCacheMemory(), peak: mx.getPeakMemory(),
    heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss,
  };
  mx.resetPeakMemory();
  return s;
}

export interface MemoryTrend {
  /** samples in the steady state (at ≥ warm-up) */
  n: number;
  /** mean of the first and of the last window of the steady state */
  firstWindowMean: number;
  lastWindowMean: number;
  /** (last − first) / first */
  windowChange: number;
  /** least-squares slope over the steady state, bytes per unit of `at` */
  slope: number;
  /** slope × steady-state span / mean: how much the fitted line moves across the run, as a fraction */
  drift: number;
  /** largest |x − mean| / mean over the steady state (a single step or spike shows here, not in the two above) */
  maxDeviation: number;
  mean: number; min: number; max: number;
}

export interface TrendOptions {
  /** samples before this `at` are warm-up and ignored (first use allocates lasting tables and caches) */
  warmup: number;
  /** length of the first/last windows in units of `at` (default a quarter of the steady span) */
  window?: number;
}

/** Least-squares slope of y over x (0 when x does not vary). */
export function linearSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx_ = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) { sxy += (xs[i]! - mx_) * (ys[i]! - my); sxx += (xs[i]! - mx_) ** 2; }
  return sxx === 0 ? 0 : sxy / sxx;
}

/** Steady-state figures of one metric over a time series of samples. */
export function memoryTrend(samples: readonly MemorySample[], metric: MemoryMetric, opts: TrendOptions): MemoryTrend {
  const steady = samples.filter((s) => s.at >= opts.warmup);
  if (steady.length < 2) throw new RangeError(`memoryTrend needs at least 2 samples after warm-up ${opts.warmup}, got ${steady.length}`);
  const t0 = steady[0]!.at, t1 = steady.at(-1)!.at, span = t1 - t0;
  const window = opts.window ?? span / 4;
  const xs = steady.map((s) => s.at), ys = steady.map((s) => s[metric]);
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
  const avg = (sel: MemorySample[]) => sel.reduce((a, s) => a + s[metric], 0) / sel.length;
  // Windows are closed intervals at both ends so a window shorter than the sampling period still holds one sample.
  const first = steady.filter((s) => s.at <= t0 + window), last = steady.filter((s) => s.at >= t1 - window);
  const firstWindowMean = avg(first), lastWindowMean = avg(last);
  const slope = linearSlope(xs, ys);
  const rel = (x: number) => (mean === 0 ? 0 : x / mean);
  return {
    n: steady.length, firstWindowMean, lastWindowMean,
    windowChange: firstWindowMean === 0 ? 0 : (lastWindowMean - firstWindowMean) / firstWindowMean,
    slope, drift: rel(slope * span), maxDeviation: rel(Math.max(...ys.map((y) => Math.abs(y - mean)))),
    mean, min: Math.min(...ys), max: Math.max(...ys),
  };
}

/**
 * The soak criterion: after warm-up, neither the window means nor the fitted line move by more than `bound`
 * (a fraction, 0.05 = ±5%). Max deviation is reported, not judged: one KV-cache growth step or a GC spike is not growth.
 */
export function withinBound(t: MemoryTrend, bound: number): boolean {
  return Math.abs(t.windowChange) <= bound && Math.abs(t.drift) <= bound;
}
