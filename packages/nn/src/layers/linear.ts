// Identity, Linear, Bilinear (mlx.nn.layers.linear).
import * as mx from '@mlx/core';
import { Module } from '../module.js';

type A = mx.array;

export class Identity extends Module {
  constructor(..._args: unknown[]) { super(); }
  forward(x: A): A { return x; }
}

/** y = x Wᵀ + b with weight [outputDims, inputDims], initialised U(-1/√in, 1/√in). */
export class Linear extends Module {
  weight: A;
  declare bias?: A;
  constructor(inputDims: number, outputDims: number, bias = true) {
    super();
    const scale = Math.sqrt(1.0 / inputDims);
    this.weight = mx.random.uniform(-scale, scale, [outputDims, inputDims]);
    if (bias) this.bias = mx.random.uniform(-scale, scale, [outputDims]);
  }
  forward(x: A): A {
    return this.bias ? mx.addmm(this.bias, x, mx.transpose(this.weight)) : mx.matmul(x, mx.transpose(this.weight));
  }
  /** QuantizedLinear with this layer's weights (needs mx.quantize). */
  toQuantized(groupSize?: number, bits?: number, mode = 'affine'): Module {
    return quantizedHooks.fromLinear!(this, groupSize, bits, mode);
  }
}

/** Set by quantized.ts (avoids an import cycle). */
export const quantizedHooks: {
  fromLinear?: (l: Linear, groupSize?: number, bits?: number, mode?: string) => Module;
  fromEmbedding?: (e: any, groupSize?: number, bits?: number, mode?: string) => Module;
} = {};

/** y = x1ᵀ W x2 + b with weight [outputDims, input2Dims, input1Dims]. */
export class Bilinear extends Module {
  weight: A;
  declare bias?: A;
  constructor(input1Dims: number, input2Dims: number, outputDims: number, bias = true) {
    super();
    const scale = Math.sqrt(1.0 / input1Dims);
    this.weight = mx.random.uniform(-scale, scale, [outputDims, input2Dims, input1Dims]);
    if (bias) this.bias = mx.random.uniform(-scale, scale, [outputDims]);
  }
  forward(x1: A, x2: A): A {
    const [out, in2, in1] = this.weight.shape;
    const xshape = x1.shape.slice(0, -1);
    const a = mx.reshape(x1, [-1, in1]);
    const b = mx.reshape(x2, [-1, 1, in2]);
    const w = mx.reshape(this.weight, [out * in2, in1]);
    let y = mx.matmul(a, mx.transpose(w));
    y = mx.swapaxes(mx.reshape(y, [-1, out, in2]), -2, -1);
    y = mx.squeeze(mx.matmul(b, y), 1);
    y = mx.reshape(y, [...xshape, out]);
    return this.bias ? mx.add(y, this.bias) : y;
  }
}
