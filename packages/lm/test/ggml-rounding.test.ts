// ggml's activation quantization (ggml-rounding.ts) against a scalar transcription of ggml's formulas
// (quantize_row_q8_0 / q8_1 on x86: d = amax/127 kept as f16, q = rint(x·127/amax); quantize_row_q8_K_ref:
// iscale = −127/max, q = min(127, nearest_int(x·iscale)), d = 1/iscale), all in float32 (Math.fround).
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { f16Round } from '../src/emulation.js';
import { ggmlActivationFormat, gegluGgml, roundActivations } from '../src/ggml-rounding.js';
import { GenerationOptionsError, loadLM } from '../src/index.js';

const f = Math.fround;
/** Round half to even, as rint / nearest_int. */
function rint(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function refQ8(x: Float32Array, k: boolean): Float32Array {
  const out = new Float32Array(x.length), B = k ? 256 : 32;
  for (let b = 0; b < x.length; b += B) {
    let amax = 0, max = 0;
    for (let j = b; j < b + B; j++) if (Math.abs(x[j]) > amax) { amax = Math.abs(x[j]); max = x[j]; }
    if (amax === 0) continue;
    if (k) {
      const iscale = f(-127 / max), d = f(1 / iscale);
      for (let j = b; j < b + B; j++) out[j] = f(Math.min(127, rint(f(x[j] * iscale))) * d);
    } else {
      const d16 = f16Round(f(amax / 127)), id = f(127 / amax);
      for (let j = b; j < b + B; j++) out[j] = f(rint(f(x[j] * id)) * d16);
    }
  }
  return out;
}

function sample(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = ((s / 2147483648) - 0.5) * (i % 97 === 0 ? 40 : 3);  // a few outliers set the block scales
  }
  out[5] = 0.5;  // exact ties appear through rounding checks below
  return out;
}

describe('ggml activation rounding', () => {
  it('maps GGML weight types to their activation formats', () => {
    expect(ggmlActivationFormat('Q4_1')).toBe('q8_1');
    expect(ggmlActivationFormat('Q5_0')).toBe('q8_0');
    expect(ggmlActivationFormat('Q8_0')).toBe('q8_0');
    expect(ggmlActivationFormat('Q6_K')).toBe('q8_K');
    expect(ggmlActivationFormat('F32')).toBeNull();
  });

  it.each([['q8_0', false], ['q8_K', true]] as const)('%s matches the scalar formula', (format, k) => {
    const x = sample(1024, 7);
    const got = roundActivations(mx.reshape(mx.array(x), [2, 512]), format).x.toTypedArray() as Float32Array;
    const want = refQ8(x, k);
    let same = 0;
    for (let i = 0; i < x.length; i++) same += got[i] === want[i] ? 1 : 0;
    expect(same).toBe(x.length);
    // and it is a real rounding: values move
    expect(got.some((v, i) => v !== x[i])).toBe(true);
  });

  it('q8_1 carries the f16 block-sum difference', () => {
    const x = sample(64, 3);
    const r = roundActivations(mx.array(x), 'q8_1');
    const corr = r.q81Correction!.toTypedArray() as Float32Array;
    for (let b = 0; b < 2; b++) {
      let amax = 0;
      for (let j = 32 * b; j < 32 * b + 32; j++) amax = Math.max(amax, Math.abs(x[j]));
      const d = f(amax / 127), id = f(127 / amax);
      let sq = 0;
      for (let j = 32 * b; j < 32 * b + 32; j++) sq += rint(f(x[j] * id));
      expect(corr[b]).toBeCloseTo(f16Round(f(d * sq)) - f(f16Round(d) * sq), 6);
    }
  });

  it('GeGLU reads gelu from f16 values', () => {
    const g = Float32Array.from([-12, -3.3, -0.7001, 0.1234567, 1.5, 9.99, 12]);
    const u = Float32Array.from([1, 2, 3, 4, 5, 6, 7]);
    const got = gegluGgml(mx.array(g), mx.array(u)).toTypedArray() as Float32Array;
    for (let i = 0; i < g.length; i++) {
      const x = f16Round(g[i]);
      const gelu = f16Round(0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * x * (1 + 0.044715 * x * x))));
      const want = g[i] <= -10 ? 0 : g[i] >= 10 ? g[i] * u[i] : gelu * u[i];
      expect(got[i]).toBeCloseTo(want, 5);
    }
  });

  it('rejects a non-boolean load option with a typed error', async () => {
    await expect(loadLM('/nonexistent-model-dir.gguf', { ggmlActivationRounding: 'yes' as unknown as boolean })).rejects.toBeInstanceOf(GenerationOptionsError);
  });
});
