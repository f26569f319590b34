// Embedding (mlx.nn.layers.embedding).
import * as mx from '@mlx/core';
import { Module } from '../module.js';
import { quantizedHooks } from './linear.js';

type A = mx.array;

/** Lookup table weight [numEmbeddings, dims], initialised N(0, 1/dims). */
export class Embedding extends Module {
  weight: A;
  constructor(numEmbeddings: number, dims: number) {
    super();
    this.weight = mx.random.normal([numEmbeddings, dims], null, 0, Math.sqrt(1 / dims));
  }
  forward(x: A): A { return mx.take(this.weight, x, 0); }
  /** Uses the table as an output projection: x Wᵀ. */
  asLinear(x: A): A { return mx.matmul(x, mx.transpose(this.weight)); }
  toQuantized(groupSize?: number, bits?: number, mode = 'affine'): Module {
    return quantizedHooks.fromEmbedding!(this, groupSize, bits, mode);
  }
}
