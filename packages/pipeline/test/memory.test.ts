// The soak's memory metric against series whose answers are known in closed form: a line of known slope, a step,
// symmetric noise; and sampleMemory against arrays of known size.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { linearSlope, memoryTrend, sampleMemory, withinBound, type MemorySample } from '../src/index.js';

const series = (f: (t: number) => number, n = 61, dt = 60): MemorySample[] => Array.from({ length: n }, (_, i) => {
  const v = f(i * dt);
  return { at: i * dt, active: v, cache: 0, peak: v, heapUsed: v, external: 0, arrayBuffers: 0, rss: v };
});

describe('memoryTrend', () => {
  it('recovers the slope of a line exactly and reports its drift and window change', () => {
    // 100 MB + 1 kB per second: over the 3300 s after a 300 s warm-up the line moves 3.3 MB = 3.3e6 / mean
    const t = memoryTrend(series((s) => 1e8 + 1e3 * s), 'active', { warmup: 300, window: 600 });
    expect(t.n).toBe(56);
    expect(t.slope).toBeCloseTo(1e3, 6);
    const mean = 1e8 + 1e3 * (300 + 3600) / 2;
    expect(t.mean).toBeCloseTo(mean, 3);
    expect(t.drift).toBeCloseTo(3.3e6 / mean, 9);
    // first window: samples at 300..900 s (mean at 600 s); last: 3000..3600 s (mean at 3300 s)
    expect(t.firstWindowMean).toBeCloseTo(1e8 + 6e5, 3);
    expect(t.lastWindowMean).toBeCloseTo(1e8 + 3.3e6, 3);
    expect(t.windowChange).toBeCloseTo(2.7e6 / (1e8 + 6e5), 9);
    expect(withinBound(t, 0.05)).toBe(true);
    expect(withinBound(memoryTrend(series((s) => 1e8 + 3e3 * s), 'active', { warmup: 300 }), 0.05)).toBe(false);
  });

  it('a constant series with alternating noise has no slope and no window change; a late step shows in both', () => {
    // 61 samples −,+,−,…,−: symmetric about the middle (slope 0), each 10-sample window half + and half −
    const noisy = memoryTrend(series((s) => 1e8 + ((s / 60) % 2 ? 1e6 : -1e6)), 'rss', { warmup: 0, window: 540 });
    expect(noisy.slope).toBeCloseTo(0, 9);
    expect(noisy.windowChange).toBeCloseTo(0, 12);
    const mean = 1e8 - 1e6 / 61;
    expect(noisy.mean).toBeCloseTo(mean, 4);
    expect(noisy.maxDeviation).toBeCloseTo((1e8 + 1e6 - mean) / mean, 12); // the + samples are farther from the mean
    const step = memoryTrend(series((s) => (s >= 3000 ? 1.1e8 : 1e8)), 'rss', { warmup: 0, window: 600 });
    expect(step.windowChange).toBeCloseTo(0.1, 12);
    expect(step.drift).toBeGreaterThan(0.05);
    expect(withinBound(step, 0.05)).toBe(false);
  });

  it('ignores warm-up samples and insists on two steady samples', () => {
    const t = memoryTrend(series((s) => (s < 300 ? 5e8 : 1e8)), 'heapUsed', { warmup: 300 });
    expect(t.max).toBe(1e8);
    expect(t.windowChange).toBe(0);
    expect(() => memoryTrend(series(() => 1, 3), 'active', { warmup: 120 })).toThrow(RangeError);
  });

  it('linearSlope matches the closed form on uneven x and is 0 when x does not vary', () => {
    expect(linearSlope([0, 1, 3, 7], [1, 3, 7, 15])).toBeCloseTo(2, 12); // y = 2x + 1
    expect(linearSlope([5, 5, 5], [1, 2, 3])).toBe(0);
  });
});

describe('sampleMemory', () => {
  it('sees a retained array in active memory and resets the peak per interval', () => {
    const before = sampleMemory(0, { gc: true });
    const a = mx.zeros([1 << 20], mx.float32); // 4 MiB
    mx.eval(a);
    const held = sampleMemory(1);
    expect(held.active - before.active).toBeGreaterThanOrEqual(4 * 2 ** 20);
    expect(held.peak).toBeGreaterThanOrEqual(held.active);
    a.dispose();
    const after = sampleMemory(2);
    expect(after.active).toBe(before.active);
    expect(after.peak).toBe(held.active); // the peak was reset to the level at the previous sample
    for (const k of ['heapUsed', 'external', 'arrayBuffers', 'rss'] as const) expect(after[k]).toBeGreaterThan(0);
  });
});
