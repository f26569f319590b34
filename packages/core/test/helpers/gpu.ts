// Comparisons shared by the GPU test files (results on the GPU against the CPU backend).
import { expect } from 'vitest';
import * as mx from '@mlx/core';

// Complex arrays compare as interleaved float32 pairs.
const asReal = (a: mx.array) => (a.dtype === mx.complex64 ? mx.view(a, mx.float32, mx.cpu) : a);

/** ||a - b|| / ||b|| over float32 copies; equal NaNs and equal infinities count as equal, other non-finite as Infinity. */
export function relErr(a: mx.array, b: mx.array): number {
  const x = mx.astype(asReal(a), mx.float32, mx.cpu).toTypedArray() as Float32Array;
  const y = mx.astype(asReal(b), mx.float32, mx.cpu).toTypedArray() as Float32Array;
  expect(x.length).toBe(y.length);
  let num = 0, den = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === y[i] || (Number.isNaN(x[i]) && Number.isNaN(y[i]))) { if (Number.isFinite(y[i])) den += y[i] ** 2; continue; }
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) return Infinity;
    num += (x[i] - y[i]) ** 2;
    den += y[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Same shape, dtype and values (NaNs equal). */
export const same = (a: mx.array, b: mx.array) => {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  expect(mx.arrayEqual(a, b, true, mx.cpu).item()).toBe(true);
};
