// Minimal layers for inference: each weight may be dense or affine-quantized with its own bits and group size
// (a GGUF file mixes types per tensor), so these hold the quantized triple directly instead of building
// nn.QuantizedLinear (whose constructor initialises and quantizes random weights first).
import * as mx from '@mlx/core';
import { roundActivations, type ActivationFormat } from './ggml-rounding.js';

type A = mx.array;

export interface QuantSpec { bits: number; groupSize: number }

/** A weight as stored: dense [out, in], or packed uint32 [out, in*bits/32] with scales/biases [out, in/groupSize]. */
export interface WeightTensor {
  weight: A;
  /** GGML block type the tensor came from (GGUF), e.g. 'Q4_1'. */
  ggmlType?: string;
  scales?: A;
  biases?: A;
  quant?: QuantSpec;
}

/**
 * Numerics experiment: round like llama.cpp's CPU kernels (set MLX_LM_EMULATE_Q8=1; off by default). Before a
 * product with a 32-block quantized weight, activations become Q8_0/Q8_1 blocks: d = amax/127 (kept as f16),
 * q = round(x/d). For Q4_1 weights the dot adds m·s per block with s = f16(d·Σq) (Q8_1's stored sum, rounded
 * from the unrounded d), which differs from d16·Σq: `q8Correction` carries that difference.
 */
const emulateEnv = process.env.MLX_LM_EMULATE_Q8 ?? '';
export const emulateQ8Activations = emulateEnv !== '' && emulateEnv !== '0';
/** Attention rounding to emulate: llama.cpp's flash attention (its CPU default, 'auto') or the non-flash path. */
export const emulatedAttention: 'flash' | 'noflash' = emulateEnv === 'noflash' ? 'noflash' : 'flash';
const toF16 = (a: A): A => mx.astype(mx.astype(a, mx.float16), mx.float32);
function roundQ8(x: A): { xq: A; sumCorrection: A } | null {
  const K = x.shape[x.ndim - 1];
  if (K % 32 !== 0) return null;
  const xr = mx.reshape(x, [...x.shape.slice(0, -1), K / 32, 32]);
  const amax = mx.max(mx.abs(xr), -1, true);
  const d = mx.divide(amax, 127);
  const id = mx.where(mx.greater(amax, 0), mx.divide(127, amax), 0);
  const q = mx.round(mx.multiply(xr, id));
  const d16 = toF16(d);
  const sq = mx.sum(q, -1, true);
  const sumCorrection = mx.squeeze(mx.subtract(toF16(mx.multiply(d, sq)), mx.multiply(d16, sq)), -1);
  return { xq: mx.reshape(mx.multiply(q, d16), x.shape), sumCorrection };
}

export class Linear {
  /** llama.cpp's activation rounding before this product (load option ggmlActivationRounding; null: none). */
  activationFormat: ActivationFormat | null = null;
  constructor(readonly w: WeightTensor, readonly bias?: A) {}
  get outputDims(): number { return this.w.weight.shape[0]; }
  forward(x: A): A {
    const { weight, scales, biases, quant } = this.w;
    let correction: A | null = null;
    if (this.activationFormat) {
      const r = roundActivations(x, this.activationFormat);
      x = r.x;
      if (r.q81Correction && biases && quant?.groupSize === 32) correction = mx.matmul(r.q81Correction, mx.transpose(mx.astype(biases, mx.float32)));
    } else if (quant && emulateQ8Activations && quant.groupSize === 32) {
      const r = roundQ8(x);
      if (r) {
        x = r.xq;
        // Q4_1 (4-bit with offsets): the offset term uses Q8_1's f16 block sum
        if (this.w.ggmlType === 'Q4_1' && biases) correction = mx.matmul(r.sumCorrection, mx.transpose(mx.astype(biases, mx.float32)));
      }
    }
    let y = quant
      ? mx.quantizedMatmul(x, weight, scales!, biases, true, quant.groupSize, quant.bits)
      : mx.matmul(x, mx.transpose(weight));
    if (correction) y = mx.add(y, correction);
    return this.bias ? mx.add(y, this.bias) : y;
  }
  arrays(): A[] { return [this.w.weight, this.w.scales, this.w.biases, this.bias].filter((a): a is A => !!a); }
}

/** Token embedding; `asLinear` reuses the (possibly quantized) table as the tied output projection. */
export class Embedding {
  /** Activation rounding of the tied output projection (see Linear). */
  activationFormat: ActivationFormat | null = null;
  constructor(readonly w: WeightTensor) {}
  forward(ids: A): A {
    const { weight, scales, biases, quant } = this.w;
    if (!quant) return mx.take(weight, ids, 0);
    // float32 scales: the rows come out exactly as float32 products (GGUF's own dequantization does this).
    const s = mx.astype(mx.take(scales!, ids, 0), mx.float32);
    const b = biases ? mx.astype(mx.take(biases, ids, 0), mx.float32) : null;
    return mx.dequantize(mx.take(weight, ids, 0), s, b, quant.groupSize, quant.bits);
  }
  asLinear(x: A): A {
    const l = new Linear(this.w);
    l.activationFormat = this.activationFormat;
    return l.forward(x);
  }
  arrays(): A[] { return [this.w.weight, this.w.scales, this.w.biases].filter((a): a is A => !!a); }
}

/** RMSNorm with the effective weight (Gemma's `1 + w` is folded in at load time). */
export class RMSNorm {
  constructor(readonly weight: A, readonly eps: number) {}
  forward(x: A): A { return mx.fast.rmsNorm(x, this.weight, this.eps); }
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
/** GELU, tanh approximation (Gemma's `gelu_pytorch_tanh`). */
export const geluTanh = (x: A): A =>
  mx.multiply(mx.multiply(0.5, x),
    mx.add(1, mx.tanh(mx.multiply(SQRT_2_OVER_PI, mx.add(x, mx.multiply(0.044715, mx.multiply(x, mx.multiply(x, x))))))));
export const silu = (x: A): A => mx.multiply(x, mx.sigmoid(x));

// Fused activation × up-projection (one generated kernel each through mx.compile).
export const swiglu = mx.compile((g: A, u: A) => mx.multiply(silu(g), u));
export const gegluTanh = mx.compile((g: A, u: A) => mx.multiply(geluTanh(g), u));
