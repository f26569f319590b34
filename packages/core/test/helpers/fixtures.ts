// Reads oracle fixtures written by scripts/oracles/common.py and compares arrays against them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import * as mx from '@mlx/core';

export interface EncodedArray { shape: number[]; dtype: string; data: string }
export interface FixtureCase { name: string; op: string; args?: any; inputs: EncodedArray[]; expected: any; [k: string]: any }

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function loadFixture(name: string): FixtureCase[] {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')).cases;
}

export function dtypeByName(name: string): mx.Dtype {
  const d = mx.dtypes.find((t) => t.name === name);
  if (!d) throw new Error(`unknown dtype ${name}`);
  return d;
}

/** Decodes a fixture array into an mx.array of the same dtype (exact bytes). */
export function decode(e: EncodedArray): mx.array {
  const bytes = Buffer.from(e.data, 'base64');
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const dt = dtypeByName(e.dtype);
  const n = e.shape.reduce((a, b) => a * b, 1);
  let ta: any;
  switch (dt.name) {
    case 'bool': case 'uint8': ta = new Uint8Array(ab); break;
    case 'int8': ta = new Int8Array(ab); break;
    case 'uint16': case 'float16': case 'bfloat16': ta = new Uint16Array(ab); break;
    case 'int16': ta = new Int16Array(ab); break;
    case 'uint32': ta = new Uint32Array(ab); break;
    case 'int32': ta = new Int32Array(ab); break;
    case 'uint64': ta = new BigUint64Array(ab); break;
    case 'int64': ta = new BigInt64Array(ab); break;
    case 'float32': case 'complex64': ta = new Float32Array(ab); break;
    case 'float64': ta = new Float64Array(ab); break;
  }
  if (ta.length !== (dt.name === 'complex64' ? 2 * n : n)) throw new Error('fixture length mismatch');
  if (dt.name === 'bool') return mx.astype(mx.array(ta).reshape(e.shape), mx.bool);
  return mx.reshape(mx.array(ta, dt), e.shape);
}

/** Values of an array as float64 numbers (complex as interleaved re/im), any dtype. */
export function values(a: mx.array): number[] {
  if (a.dtype === mx.complex64) return Array.from(a.toTypedArray() as Float32Array);
  const b = a.dtype === mx.float64 ? a : mx.astype(a, a.dtype === mx.int64 || a.dtype === mx.uint64 ? mx.float64 : mx.float64);
  return Array.from(b.toTypedArray() as Float64Array);
}

const defaultTol: Record<string, [number, number]> = {
  float16: [1e-3, 1e-3], bfloat16: [1e-2, 1e-2], float32: [1e-5, 1e-6], float64: [1e-12, 1e-12], complex64: [1e-5, 1e-6],
};

/** Asserts shape, dtype and values (NaN matches NaN, infinities must match exactly). */
export function expectArrayClose(actual: mx.array, expected: EncodedArray | mx.array, rtol?: number, atol?: number) {
  const exp = expected instanceof mx.array ? expected : decode(expected);
  expect(actual.shape).toEqual(exp.shape);
  expect(actual.dtype.name).toBe(exp.dtype.name);
  const [r, t] = defaultTol[exp.dtype.name] ?? [0, 0];
  const rt = rtol ?? r, at = atol ?? t;
  const av = values(actual), ev = values(exp);
  for (let i = 0; i < ev.length; i++) {
    const x = av[i], y = ev[i];
    if (Number.isNaN(y)) { if (!Number.isNaN(x)) throw new Error(`element ${i}: expected NaN, got ${x}`); continue; }
    if (!Number.isFinite(y)) { if (x !== y) throw new Error(`element ${i}: expected ${y}, got ${x}`); continue; }
    if (!(Math.abs(x - y) <= at + rt * Math.abs(y))) {
      throw new Error(`element ${i}: expected ${y}, got ${x} (rtol ${rt}, atol ${at}); shape ${exp.shape}, dtype ${exp.dtype.name}`);
    }
  }
}
