// llama.cpp's activation rounding (load option `ggmlActivationRounding`): before a product with a quantized
// weight, ggml's CPU backend quantizes the activation row to the weight type's "vec_dot_type" and multiplies
// integers. Emulated here as a fake-quantize of x before our float32 product (same values, float summation):
//   Q8_0 (weights Q4_0/Q5_0/Q8_0/IQ4_NL), per 32 values: d = amax/127, q = rint(x·127/amax), x̂ = q·f16(d).
//   Q8_1 (weights Q4_1/Q5_1): as Q8_0, and the weight's offset term uses the block sum s = f16(d·Σq) (d before
//        its f16 rounding), which differs from f16(d)·Σq: `q81Correction` adds the difference.
//   Q8_K (K-quants), per 256 values: m = the value of largest magnitude, iscale = −127/m, q = min(127,
//        rint(x·iscale)), x̂ = q·(1/iscale) in float32.
// rint is round-half-even (ggml's nearest_int and _mm256_round_ps). The KV cache and attention are not
// emulated (the llama.cpp reference then runs with an f32 KV cache and flash attention off).
import * as mx from '@mlx/core';

type A = mx.array;
export type ActivationFormat = 'q8_0' | 'q8_1' | 'q8_K';

/** The activation format ggml's CPU backend pairs with a GGML weight type (null: no rounding emulated). */
export function ggmlActivationFormat(ggmlType: string | undefined): ActivationFormat | null {
  switch (ggmlType) {
    case 'Q4_0': case 'Q5_0': case 'Q8_0': case 'IQ4_NL': return 'q8_0';
    case 'Q4_1': case 'Q5_1': return 'q8_1';
    case 'Q2_K': case 'Q3_K': case 'Q4_K': case 'Q5_K': case 'Q6_K': return 'q8_K';
    default: return null;
  }
}

const toF16 = (a: A): A => mx.astype(mx.astype(a, mx.float16), mx.float32);

/** x rounded like ggml's activation quantization of `format`; `sums`: Q8_1's per-block correction [.., K/32]. */
export function roundActivations(x: A, format: ActivationFormat): { x: A; q81Correction: A | null } {
  const K = x.shape[x.ndim - 1];
  const block = format === 'q8_K' ? 256 : 32;
  if (K % block !== 0) return { x, q81Correction: null };
  const lead = x.shape.slice(0, -1);
  const xb = mx.reshape(x, [...lead, K / block, block]);
  const amax = mx.max(mx.abs(xb), -1, true);
  if (format === 'q8_K') {
    // the signed value of largest magnitude (a tie between +m and −m rounds identically either way)
    const m = mx.max(mx.where(mx.equal(mx.abs(xb), amax), xb, -Infinity), -1, true);
    const iscale = mx.where(mx.greater(amax, 0), mx.divide(-127, m), 0);
    const q = mx.minimum(mx.round(mx.multiply(xb, iscale)), 127);
    const d = mx.where(mx.greater(amax, 0), mx.divide(1, iscale), 0);
    return { x: mx.reshape(mx.multiply(q, d), x.shape), q81Correction: null };
  }
  const d = mx.divide(amax, 127);
  const id = mx.where(mx.greater(amax, 0), mx.divide(127, amax), 0);
  const q = mx.round(mx.multiply(xb, id));
  const d16 = toF16(d);
  const xq = mx.reshape(mx.multiply(q, d16), x.shape);
  if (format === 'q8_0') return { x: xq, q81Correction: null };
  const sq = mx.sum(q, -1, true);
  return { x: xq, q81Correction: mx.squeeze(mx.subtract(toF16(mx.multiply(d, sq)), mx.multiply(d16, sq)), -1) };
}

/**
 * ggml's CPU GeGLU (GGML_GELU_FP16, its default): gelu(g) read from a table indexed by f16(g), holding f16
 * values, times u; g ≤ −10 gives 0 and g ≥ 10 gives g·u.
 */
export function gegluGgml(g: A, u: A): A {
  const g16 = toF16(g);
  const c = Math.fround(Math.sqrt(2 / Math.PI));
  const gelu = toF16(mx.multiply(mx.multiply(0.5, g16),
    mx.add(1, mx.tanh(mx.multiply(mx.multiply(c, g16), mx.add(1, mx.multiply(0.044715, mx.multiply(g16, g16))))))));
  const act = mx.where(mx.lessEqual(g, -10), 0, mx.where(mx.greaterEqual(g, 10), g, gelu));
  return mx.multiply(act, u);
}
