// Minimal layers for inference: each weight may be dense or affine-quantized with its own bits and group size
// (a GGUF file mixes types per tensor), so these hold the quantized triple directly instead of building
// nn.QuantizedLinear (whose constructor initialises and quantizes random weights first).
import * as mx from '@mlx/core';

type A = mx.array;

export interface QuantSpec { bits: number; groupSize: number }

/** A weight as stored: dense [out, in], or packed uint32 [out, in*bits/32] with scales/biases [out, in/groupSize]. */
export interface WeightTensor {
  weight: A;
  scales?: A;
  biases?: A;
  quant?: QuantSpec;
}

export class Linear {
  constructor(readonly w: WeightTensor, readonly bias?: A) {}
  get outputDims(): number { return this.w.weight.shape[0]; }
  forward(x: A): A {
    const { weight, scales, biases, quant } = this.w;
    const y = quant
      ? mx.quantizedMatmul(x, weight, scales!, biases, true, quant.groupSize, quant.bits)
      : mx.matmul(x, mx.transpose(weight));
    return this.bias ? mx.add(y, this.bias) : y;
  }
  arrays(): A[] { return [this.w.weight, this.w.scales, this.w.biases, this.bias].filter((a): a is A => !!a); }
}

/** Token embedding; `asLinear` reuses the (possibly quantized) table as the tied output projection. */
export class Embedding {
  constructor(readonly w: WeightTensor) {}
  forward(ids: A): A {
    const { weight, scales, biases, quant } = this.w;
    if (!quant) return mx.take(weight, ids, 0);
    // float32 scales: the rows come out exactly as float32 products (GGUF's own dequantization does this).
    const s = mx.astype(mx.take(scales!, ids, 0), mx.float32);
    const b = biases ? mx.astype(mx.take(biases, ids, 0), mx.float32) : null;
    return mx.dequantize(mx.take(weight, ids, 0), s, b, quant.groupSize, quant.bits);
  }
  asLinear(x: A): A { return new Linear(this.w).forward(x); }
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
