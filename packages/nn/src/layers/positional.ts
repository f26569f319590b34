// RoPE, SinusoidalPositionalEncoding, ALiBi (mlx.nn.layers.positional_encoding).
import * as mx from '@mlx/core';
import { Module } from '../module.js';

type A = mx.array;

export class RoPE extends Module {
  constructor(public dims: number, public traditional = false, public base = 10000, public scale = 1.0) { super(); }
  forward(x: A, offset = 0): A { return mx.fast.rope(x, this.dims, this.traditional, this.base, this.scale, offset); }
}

export class SinusoidalPositionalEncoding extends Module {
  private _sigmas: A;
  scale: number;
  cosFirst: boolean;
  constructor(dims: number, minFreq = 0.0001, maxFreq = 1, scale: number | null = null, cosFirst = false, fullTurns = false) {
    super();
    if (dims <= 0 || dims % 2 !== 0) {
      throw new mx.InvalidArgumentError(`[SinusoidalPositionalEncoding] dims must be positive and even but got ${dims}.`);
    }
    const oneZero = dims === 2 ? mx.array([1.0])
      : mx.subtract(1, mx.divide(mx.arange(0, dims / 2, 1, mx.float32), dims / 2 - 1));
    const lo = Math.log(minFreq), hi = Math.log(maxFreq);
    this._sigmas = mx.exp(mx.add(mx.multiply(oneZero, hi - lo), lo));
    if (fullTurns) this._sigmas = mx.multiply(this._sigmas, 2 * Math.PI);
    this.scale = scale ?? Math.sqrt(2 / dims);
    this.cosFirst = cosFirst;
  }
  forward(x: A): A {
    const y = mx.multiply(mx.expandDims(x, -1), this._sigmas);
    const c = mx.cos(y), s = mx.sin(y);
    const out = mx.concatenate(this.cosFirst ? [c, s] : [s, c], -1);
    return this.scale !== 1 ? mx.multiply(out, this.scale) : out;
  }
}

export class ALiBi extends Module {
  static createAlibiMatrix(qSequenceLength: number, kSequenceLength: number, numHeads: number, offset = 0, dtype: mx.Dtype = mx.float32): A {
    const x1 = mx.arange(offset, qSequenceLength, 1, mx.int32);
    const x2 = mx.arange(0, kSequenceLength, 1, mx.int32);
    const d = mx.negative(mx.abs(mx.expandDims(mx.subtract(mx.expandDims(x1, 1), mx.expandDims(x2, 0)), [0, 1])));
    const slope = ALiBi.createAlibiSlope(numHeads, dtype);
    return mx.astype(mx.multiply(d, slope), dtype);
  }
  static createAlibiSlope(numHeads: number, dtype: mx.Dtype = mx.float32): A {
    const slopes = (n: number): number[] => {
      if (Number.isInteger(Math.log2(n))) {
        const start = 2 ** -(2 ** -(Math.log2(n) - 3));
        return Array.from({ length: n }, (_, i) => start * start ** i);
      }
      const p = 2 ** Math.floor(Math.log2(n));
      return [...slopes(p), ...slopes(2 * p).filter((_, i) => i % 2 === 0).slice(0, n - p)];
    };
    return mx.expandDims(mx.astype(mx.array(slopes(numHeads)), dtype), [-1, -2]);
  }
  forward(attentionScores: A, offset = 0, mask?: A | null): A {
    let m = ALiBi.createAlibiMatrix(attentionScores.shape[attentionScores.ndim - 2] + offset, attentionScores.shape[attentionScores.ndim - 1],
      attentionScores.shape[1], offset, attentionScores.dtype);
    if (mask) m = mx.add(m, mask);
    return mx.add(attentionScores, m);
  }
}
