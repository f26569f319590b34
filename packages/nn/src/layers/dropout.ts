// Dropout, Dropout2d, Dropout3d (mlx.nn.layers.dropout): active only in training mode.
import * as mx from '@mlx/core';
import { Module } from '../module.js';

type A = mx.array;

function checkP(p: number) {
  if (p < 0 || p >= 1) throw new mx.InvalidArgumentError(`The dropout probability ${p} is not in [0, 1)`);
  return 1 - p;
}

export class Dropout extends Module {
  private _p1: number;
  constructor(p = 0.5) { super(); this._p1 = checkP(p); }
  forward(x: A): A {
    if (this._p1 === 1 || !this.training) return x;
    const mask = mx.random.bernoulli(this._p1, x.shape);
    return mx.multiply(mx.multiply(mask, x), 1 / this._p1);
  }
}

/** Zeroes whole channels: input [N, H, W, C] or [H, W, C]. */
export class Dropout2d extends Module {
  private _p1: number;
  constructor(p = 0.5) { super(); this._p1 = checkP(p); }
  forward(x: A): A {
    if (x.ndim !== 3 && x.ndim !== 4) throw new mx.ShapeError(`Received input with ${x.ndim} dimensions. Expected 3 or 4 dimensions.`);
    if (this._p1 === 1 || !this.training) return x;
    const shape = [...x.shape];
    shape[shape.length - 2] = shape[shape.length - 3] = 1;
    const mask = mx.random.bernoulli(this._p1, shape);
    return mx.multiply(mx.multiply(mask, x), 1 / this._p1);
  }
}

/** Zeroes whole channels: input [N, D, H, W, C] or [D, H, W, C]. */
export class Dropout3d extends Module {
  private _p1: number;
  constructor(p = 0.5) { super(); this._p1 = checkP(p); }
  forward(x: A): A {
    if (x.ndim !== 4 && x.ndim !== 5) throw new mx.ShapeError(`Received input with ${x.ndim} dimensions. Expected 4 or 5 dimensions.`);
    if (this._p1 === 1 || !this.training) return x;
    const shape = [...x.shape];
    shape[shape.length - 2] = shape[shape.length - 3] = shape[shape.length - 4] = 1;
    const mask = mx.random.bernoulli(this._p1, shape);
    return mx.multiply(mx.multiply(mask, x), 1 / this._p1);
  }
}
