// MultiHeadAttention and the Transformer encoder/decoder stacks (mlx.nn.layers.transformer).
import * as mx from '@mlx/core';
import { Module } from '../module.js';
import { relu } from './activations.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { LayerNorm } from './normalization.js';

type A = mx.array;
type Mask = A | 'causal' | null | undefined;
type Act = (x: A) => A;

export class MultiHeadAttention extends Module {
  numHeads: number;
  queryProj: Linear;
  keyProj: Linear;
  valueProj: Linear;
  outProj: Linear;
  constructor(dims: number, numHeads: number, queryInputDims?: number | null, keyInputDims?: number | null,
              valueInputDims?: number | null, valueDims?: number | null, valueOutputDims?: number | null, bias = false) {
    super();
    if (dims % numHeads !== 0) {
      throw new mx.InvalidArgumentError(`The input feature dimensions should be divisible by the number of heads (${dims} % ${numHeads}) != 0`);
    }
    const qd = queryInputDims || dims, kd = keyInputDims || dims, vd = valueInputDims || kd;
    const vdims = valueDims || dims, vod = valueOutputDims || dims;
    this.numHeads = numHeads;
    this.queryProj = new Linear(qd, dims, bias);
    this.keyProj = new Linear(kd, dims, bias);
    this.valueProj = new Linear(vd, vdims, bias);
    this.outProj = new Linear(vdims, vod, bias);
  }
  forward(queries: A, keys: A, values: A, mask?: Mask): A {
    const h = this.numHeads;
    const split = (x: A) => mx.transpose(mx.unflatten(x, -1, [h, -1]), [0, 2, 1, 3]);
    const q = split(this.queryProj.forward(queries));
    const k = split(this.keyProj.forward(keys));
    const v = split(this.valueProj.forward(values));
    const scale = Math.sqrt(1 / q.shape[q.ndim - 1]);
    const out = mx.fast.scaledDotProductAttention(q, k, v, scale, mask ?? undefined);
    return this.outProj.forward(mx.flatten(mx.transpose(out, [0, 2, 1, 3]), -2, -1));
  }
  /** Additive mask with finfo(dtype).min above the diagonal. */
  static createAdditiveCausalMask(N: number, dtype: mx.Dtype = mx.float32): A {
    const idx = mx.arange(N, mx.int32);
    const m = mx.less(mx.expandDims(idx, 1), mx.expandDims(idx, 0));
    return mx.multiply(mx.astype(m, dtype), mx.finfo(dtype).min);
  }
}

export class TransformerEncoderLayer extends Module {
  attention: MultiHeadAttention;
  ln1: LayerNorm; ln2: LayerNorm;
  linear1: Linear; linear2: Linear;
  dropout1: Dropout; dropout2: Dropout;
  activation: Act;
  normFirst: boolean;
  constructor(dims: number, numHeads: number, mlpDims?: number | null, dropout = 0.0, activation: Act = relu, normFirst = true) {
    super();
    const md = mlpDims || dims * 4;
    this.attention = new MultiHeadAttention(dims, numHeads);
    this.ln1 = new LayerNorm(dims); this.ln2 = new LayerNorm(dims);
    this.linear1 = new Linear(dims, md); this.linear2 = new Linear(md, dims);
    this.dropout1 = new Dropout(dropout); this.dropout2 = new Dropout(dropout);
    this.activation = activation;
    this.normFirst = normFirst;
  }
  private mlp(x: A): A {
    return this.linear2.forward(this.dropout2.forward(this.activation(this.linear1.forward(x))));
  }
  forward(x: A, mask?: Mask): A {
    if (this.normFirst) {
      let y = this.ln1.forward(x);
      y = this.dropout1.forward(this.attention.forward(y, y, y, mask));
      x = mx.add(x, y);
      return mx.add(x, this.mlp(this.ln2.forward(x)));
    }
    const y = this.dropout1.forward(this.attention.forward(x, x, x, mask));
    x = this.ln1.forward(mx.add(x, y));
    return this.ln2.forward(mx.add(x, this.mlp(x)));
  }
}

export class TransformerEncoder extends Module {
  layers: TransformerEncoderLayer[];
  ln: LayerNorm;
  constructor(numLayers: number, dims: number, numHeads: number, mlpDims?: number | null, dropout = 0.0,
              activation: Act = relu, normFirst = true, public checkpoint = false) {
    super();
    this.layers = Array.from({ length: numLayers }, () => new TransformerEncoderLayer(dims, numHeads, mlpDims, dropout, activation, normFirst));
    this.ln = new LayerNorm(dims);
  }
  forward(x: A, mask?: Mask): A {
    for (const l of this.layers) x = l.forward(x, mask);
    return this.ln.forward(x);
  }
}

export class TransformerDecoderLayer extends Module {
  selfAttention: MultiHeadAttention;
  crossAttention: MultiHeadAttention;
  ln1: LayerNorm; ln2: LayerNorm; ln3: LayerNorm;
  linear1: Linear; linear2: Linear;
  dropout1: Dropout; dropout2: Dropout; dropout3: Dropout;
  activation: Act;
  normFirst: boolean;
  constructor(dims: number, numHeads: number, mlpDims?: number | null, dropout = 0.0, activation: Act = relu, normFirst = true) {
    super();
    const md = mlpDims || dims * 4;
    this.selfAttention = new MultiHeadAttention(dims, numHeads);
    this.crossAttention = new MultiHeadAttention(dims, numHeads);
    this.ln1 = new LayerNorm(dims); this.ln2 = new LayerNorm(dims); this.ln3 = new LayerNorm(dims);
    this.linear1 = new Linear(dims, md); this.linear2 = new Linear(md, dims);
    this.dropout1 = new Dropout(dropout); this.dropout2 = new Dropout(dropout); this.dropout3 = new Dropout(dropout);
    this.activation = activation;
    this.normFirst = normFirst;
  }
  private mlp(x: A): A {
    return this.linear2.forward(this.dropout3.forward(this.activation(this.linear1.forward(x))));
  }
  forward(x: A, memory: A, xMask?: Mask, memoryMask?: Mask): A {
    if (this.normFirst) {
      let y = this.ln1.forward(x);
      x = mx.add(x, this.dropout1.forward(this.selfAttention.forward(y, y, y, xMask)));
      y = this.ln2.forward(x);
      x = mx.add(x, this.dropout2.forward(this.crossAttention.forward(y, memory, memory, memoryMask)));
      return mx.add(x, this.mlp(this.ln3.forward(x)));
    }
    x = this.ln1.forward(mx.add(x, this.dropout1.forward(this.selfAttention.forward(x, x, x, xMask))));
    x = this.ln2.forward(mx.add(x, this.dropout2.forward(this.crossAttention.forward(x, memory, memory, memoryMask))));
    return this.ln3.forward(mx.add(x, this.mlp(x)));
  }
}

export class TransformerDecoder extends Module {
  layers: TransformerDecoderLayer[];
  ln: LayerNorm;
  constructor(numLayers: number, dims: number, numHeads: number, mlpDims?: number | null, dropout = 0.0,
              activation: Act = relu, normFirst = true, public checkpoint = false) {
    super();
    this.layers = Array.from({ length: numLayers }, () => new TransformerDecoderLayer(dims, numHeads, mlpDims, dropout, activation, normFirst));
    this.ln = new LayerNorm(dims);
  }
  forward(x: A, memory: A, xMask?: Mask, memoryMask?: Mask): A {
    for (const l of this.layers) x = l.forward(x, memory, xMask, memoryMask);
    return this.ln.forward(x);
  }
}

export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  constructor(dims = 512, numHeads = 8, numEncoderLayers = 6, numDecoderLayers = 6, mlpDims?: number | null, dropout = 0.0,
              activation: Act = relu, customEncoder?: Module | null, customDecoder?: Module | null, normFirst = true, checkpoint = false) {
    super();
    this.encoder = customEncoder ?? new TransformerEncoder(numEncoderLayers, dims, numHeads, mlpDims, dropout, activation, normFirst, checkpoint);
    this.decoder = customDecoder ?? new TransformerDecoder(numDecoderLayers, dims, numHeads, mlpDims, dropout, activation, normFirst, checkpoint);
  }
  forward(src: A, tgt: A, srcMask?: Mask, tgtMask?: Mask, memoryMask?: Mask): A {
    const memory = this.encoder.forward(src, srcMask);
    return this.decoder.forward(tgt, memory, tgtMask, memoryMask);
  }
}
