// Max/Avg pooling in 1, 2 and 3 spatial dimensions over channels-last input (mlx.nn.layers.pooling).
import * as mx from '@mlx/core';
import { Module } from '../module.js';

type A = mx.array;
type IntOrList = number | number[];

function valueOrList(x: IntOrList, n: number, msg: string): number[] {
  if (Array.isArray(x)) { if (x.length !== n) throw new mx.InvalidArgumentError(msg); return [...x]; }
  if (!Number.isInteger(x)) throw new mx.InvalidArgumentError(msg);
  return Array(n).fill(x);
}

function nonOverlappingWindows(x: A, shape: number[], window: number[]): A {
  const newShape = [shape[0]];
  shape.slice(1, -1).forEach((s, i) => newShape.push(Math.floor(s / window[i]), window[i]));
  newShape.push(shape[shape.length - 1]);
  const last = newShape.length - 1;
  const order = [0];
  for (let i = 1; i < last; i += 2) order.push(i);
  for (let i = 2; i < last; i += 2) order.push(i);
  order.push(last);
  return mx.transpose(mx.reshape(x, newShape), order);
}

/** [N, *spatial, C] → [N, *out, *window, C] as a strided view (a reshape when windows tile exactly). */
export function slidingWindows(x: A, window: number[], strides: number[]): A {
  if (x.ndim < 3) {
    throw new mx.ShapeError(`To extract sliding windows at least 1 spatial dimension (3 total) is needed but the input only has ${x.ndim} dimensions.`);
  }
  const spatial = x.shape.slice(1, -1);
  if (!(spatial.length === window.length && window.length === strides.length)) {
    throw new mx.ShapeError(`To extract sliding windows the window shapes and strides must have the same number of spatial dimensions as the signal but the signal has ${spatial.length} dims and the window shape has ${window.length} and strides have ${strides.length}.`);
  }
  const shape = x.shape;
  if (spatial.every((s, i) => window[i] === strides[i] && s % window[i] === 0)) return nonOverlappingWindows(x, shape, window);
  const st: number[] = Array(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { st[i] = acc; acc *= shape[i]; }
  const finalShape = [shape[0], ...spatial.map((s, i) => Math.floor((s - window[i]) / strides[i]) + 1), ...window, shape[shape.length - 1]];
  const finalStrides = [st[0], ...st.slice(1, -1).map((s, i) => s * strides[i]), ...st.slice(1, -1), st[st.length - 1]];
  return mx.asStrided(x, finalShape, finalStrides);
}

abstract class Pool extends Module {
  private _kernelSize: number[];
  private _stride: number[];
  private _padding: [number, number][];
  private _paddingValue: number;
  private _axes: number[];
  private _fn: (x: A, axes: number[]) => A;
  constructor(fn: (x: A, axes: number[]) => A, paddingValue: number, n: number, kernelSize: IntOrList, stride?: IntOrList | null, padding: IntOrList = 0) {
    super();
    const name = this.constructor.name;
    const msg = (w: string) => `[${name}] '${w}' must be an integer or a tuple containing ${n} integer${n > 1 ? 's' : ''}`;
    const ks = valueOrList(kernelSize, n, msg('kernel_size'));
    const sd = stride === undefined || stride === null ? ks : valueOrList(stride, n, msg('stride'));
    const pd = valueOrList(padding, n, msg('padding'));
    for (const [w, v] of [['kernel_size', ks], ['stride', sd]] as const) {
      if (v.some((x) => x <= 0)) throw new mx.InvalidArgumentError(`[${name}] '${w}' must be positive but got (${v.join(', ')}).`);
    }
    if (pd.some((p) => p < 0)) throw new mx.InvalidArgumentError(`[${name}] 'padding' must be non-negative but got (${pd.join(', ')}).`);
    this._fn = fn;
    this._kernelSize = ks;
    this._stride = sd;
    this._padding = pd.map((p) => [p, p]);
    this._paddingValue = paddingValue;
    this._axes = Array.from({ length: n }, (_, i) => -n - 1 + i);
  }
  forward(x: A): A {
    if (this._padding.some((p) => p[0] > 0)) {
      x = mx.pad(x, [[0, 0], ...this._padding, [0, 0]], 'constant', this._paddingValue);
    }
    return this._fn(slidingWindows(x, this._kernelSize, this._stride), this._axes);
  }
}

const maxFn = (x: A, axes: number[]) => mx.max(x, axes);
const meanFn = (x: A, axes: number[]) => mx.mean(x, axes);

export class MaxPool1d extends Pool { constructor(kernelSize: IntOrList, stride?: IntOrList | null, padding: IntOrList = 0) { super(maxFn, -Infinity, 1, kernelSize, stride, padding); } }
export class AvgPool1d extends Pool { constructor(kernelSize: IntOrList, stride?: IntOrList | null, padding: IntOrList = 0) { super(meanFn, 0, 1, kernelSize, stride, padding); } }
export class MaxPool2d extends Pool { constructor(kernelSize: IntOrList, stride?: IntOrList | null, padding: IntOrList = 0) { super(maxFn, -Infinity, 2, kernelSize, stride, padding); } }
export class AvgPool2d extends Pool { constructor(kernelSize: IntOrList, stride?: IntOrList | null, padding: IntOrList = 0) { super(meanFn, 0, 2, kernelSize, stride, padding); } }
export class MaxPool3d extends Pool { constructor(kernelSize: IntOrList, stride?: IntOrList | null, padding: IntOrList = 0) { super(maxFn, -Infinity, 3, kernelSize, stride, padding); } }
export class AvgPool3d extends Pool { constructor(kernelSize: IntOrList, stride?: IntOrList | null, padding: IntOrList = 0) { super(meanFn, 0, 3, kernelSize, stride, padding); } }
