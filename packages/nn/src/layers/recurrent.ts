// RNN, GRU, LSTM over [..., L, D] input (mlx.nn.layers.recurrent); same parameter names as MLX.
import * as mx from '@mlx/core';
import { Module } from '../module.js';

type A = mx.array;
const S = mx.Slice;

/** x[..., idx, :] */
const stepOf = (x: A, idx: number) => x.index('...', idx, S());
const lastCols = (x: A, start: number, stop?: number) => x.index('...', S(start, stop ?? null));

export class RNN extends Module {
  Wxh: A;
  Whh: A;
  bias: A | null;
  hiddenSize: number;
  nonlinearity: (x: A) => A;
  constructor(inputSize: number, hiddenSize: number, bias = true, nonlinearity?: ((x: A) => A) | null) {
    super();
    this.nonlinearity = nonlinearity ?? ((x: A) => mx.tanh(x));
    if (typeof this.nonlinearity !== 'function') throw new mx.InvalidArgumentError(`Nonlinearity must be callable. Current value: ${nonlinearity}.`);
    const scale = 1.0 / Math.sqrt(hiddenSize);
    this.hiddenSize = hiddenSize;
    this.Wxh = mx.random.uniform(-scale, scale, [hiddenSize, inputSize]);
    this.Whh = mx.random.uniform(-scale, scale, [hiddenSize, hiddenSize]);
    this.bias = bias ? mx.random.uniform(-scale, scale, [hiddenSize]) : null;
  }
  forward(x: A, hidden?: A | null): A {
    x = this.bias ? mx.addmm(this.bias, x, mx.transpose(this.Wxh)) : mx.matmul(x, mx.transpose(this.Wxh));
    const all: A[] = [];
    let h = hidden ?? null;
    for (let i = 0; i < x.shape[x.ndim - 2]; i++) {
      h = h ? mx.addmm(stepOf(x, i), h, mx.transpose(this.Whh)) : stepOf(x, i);
      h = this.nonlinearity(h);
      all.push(h);
    }
    return mx.stack(all, -2);
  }
}

export class GRU extends Module {
  Wx: A;
  Wh: A;
  b: A | null;
  bhn: A | null;
  hiddenSize: number;
  constructor(inputSize: number, hiddenSize: number, bias = true) {
    super();
    this.hiddenSize = hiddenSize;
    const scale = 1.0 / Math.sqrt(hiddenSize);
    this.Wx = mx.random.uniform(-scale, scale, [3 * hiddenSize, inputSize]);
    this.Wh = mx.random.uniform(-scale, scale, [3 * hiddenSize, hiddenSize]);
    this.b = bias ? mx.random.uniform(-scale, scale, [3 * hiddenSize]) : null;
    this.bhn = bias ? mx.random.uniform(-scale, scale, [hiddenSize]) : null;
  }
  forward(x: A, hidden?: A | null): A {
    const H = this.hiddenSize;
    x = this.b ? mx.addmm(this.b, x, mx.transpose(this.Wx)) : mx.matmul(x, mx.transpose(this.Wx));
    const xrz = lastCols(x, 0, -H), xn = lastCols(x, -H);
    const all: A[] = [];
    let h = hidden ?? null;
    for (let i = 0; i < x.shape[x.ndim - 2]; i++) {
      let rz = stepOf(xrz, i);
      let hpn: A | null = null;
      if (h) {
        const hp = mx.matmul(h, mx.transpose(this.Wh));
        hpn = lastCols(hp, -H);
        if (this.bhn) hpn = mx.add(hpn, this.bhn);
        rz = mx.add(rz, lastCols(hp, 0, -H));
      }
      rz = mx.sigmoid(rz);
      const [r, z] = mx.split(rz, 2, -1);
      let n = stepOf(xn, i);
      if (h) n = mx.add(n, mx.multiply(r, hpn!));
      else if (this.bhn) n = mx.add(n, mx.multiply(r, this.bhn));
      n = mx.tanh(n);
      h = h ? mx.add(mx.multiply(mx.subtract(1, z), n), mx.multiply(z, h)) : mx.multiply(mx.subtract(1, z), n);
      all.push(h);
    }
    return mx.stack(all, -2);
  }
}

export class LSTM extends Module {
  Wx: A;
  Wh: A;
  bias: A | null;
  hiddenSize: number;
  constructor(inputSize: number, hiddenSize: number, bias = true) {
    super();
    this.hiddenSize = hiddenSize;
    const scale = 1.0 / Math.sqrt(hiddenSize);
    this.Wx = mx.random.uniform(-scale, scale, [4 * hiddenSize, inputSize]);
    this.Wh = mx.random.uniform(-scale, scale, [4 * hiddenSize, hiddenSize]);
    this.bias = bias ? mx.random.uniform(-scale, scale, [4 * hiddenSize]) : null;
  }
  /** Returns [all hidden states, all cell states], each [..., L, hiddenSize]. */
  forward(x: A, hidden?: A | null, cell?: A | null): [A, A] {
    x = this.bias ? mx.addmm(this.bias, x, mx.transpose(this.Wx)) : mx.matmul(x, mx.transpose(this.Wx));
    const hs: A[] = [], cs: A[] = [];
    let h = hidden ?? null, c = cell ?? null;
    for (let idx = 0; idx < x.shape[x.ndim - 2]; idx++) {
      let ifgo = stepOf(x, idx);
      if (h) ifgo = mx.addmm(ifgo, h, mx.transpose(this.Wh));
      const [i0, f0, g0, o0] = mx.split(ifgo, 4, -1);
      const i = mx.sigmoid(i0), f = mx.sigmoid(f0), g = mx.tanh(g0), o = mx.sigmoid(o0);
      c = c ? mx.add(mx.multiply(f, c), mx.multiply(i, g)) : mx.multiply(i, g);
      h = mx.multiply(o, mx.tanh(c));
      cs.push(c); hs.push(h);
    }
    return [mx.stack(hs, -2), mx.stack(cs, -2)];
  }
}
