// Conv1d/2d/3d and ConvTranspose1d/2d/3d (mlx.nn.layers.convolution*), channels-last. The
// convolutions themselves are mx.conv*d / mx.convTranspose*d from @mlx/core.
import * as mx from '@mlx/core';
import { Module } from '../module.js';

type A = mx.array;
type Ints = number | number[];
const tup = (x: Ints, n: number): number[] => (Array.isArray(x) ? x : Array(n).fill(x));
// The core op for each spatial rank (arguments differ only in their array forms).
const CONV: Record<number, (...args: any[]) => A> = { 1: mx.conv1d, 2: mx.conv2d, 3: mx.conv3d };
const CONV_T: Record<number, (...args: any[]) => A> = { 1: mx.convTranspose1d, 2: mx.convTranspose2d, 3: mx.convTranspose3d };

abstract class ConvNd extends Module {
  weight: A;
  declare bias?: A;
  constructor(protected _n: number, inChannels: number, outChannels: number, kernelSize: Ints, public stride: Ints,
              public padding: Ints, public dilation: Ints, public groups: number, bias: boolean) {
    super();
    if (inChannels % groups !== 0) {
      throw new mx.InvalidArgumentError(`The number of input channels (${inChannels}) must be divisible by the number of groups (${groups})`);
    }
    const ks = tup(kernelSize, _n);
    const scale = Math.sqrt(1 / ((inChannels / groups) * ks.reduce((a, b) => a * b, 1)));
    this.weight = mx.random.uniform(-scale, scale, [outChannels, ...ks, inChannels / groups]);
    if (bias) this.bias = mx.zeros([outChannels]);
  }
  forward(x: A): A {
    const n = this._n;
    const args = n === 1 ? [this.stride, this.padding, this.dilation] : [tup(this.stride, n), tup(this.padding, n), tup(this.dilation, n)];
    const y = CONV[n](x, this.weight, ...args, this.groups);
    return this.bias ? mx.add(y, this.bias) : y;
  }
}

export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number, stride = 1, padding = 0, dilation = 1, groups = 1, bias = true) {
    super(1, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias);
  }
}
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, stride: Ints = 1, padding: Ints = 0, dilation: Ints = 1, groups = 1, bias = true) {
    super(2, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias);
  }
}
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, stride: Ints = 1, padding: Ints = 0, dilation: Ints = 1, groups = 1, bias = true) {
    super(3, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias);
  }
}

abstract class ConvTransposeNd extends Module {
  weight: A;
  declare bias?: A;
  constructor(protected _n: number, inChannels: number, outChannels: number, kernelSize: Ints, public stride: Ints,
              public padding: Ints, public dilation: Ints, public outputPadding: Ints, bias: boolean) {
    super();
    const ks = tup(kernelSize, _n);
    const scale = Math.sqrt(1 / (inChannels * ks.reduce((a, b) => a * b, 1)));
    this.weight = mx.random.uniform(-scale, scale, [outChannels, ...ks, inChannels]);
    if (bias) this.bias = mx.zeros([outChannels]);
  }
  forward(x: A): A {
    const n = this._n;
    const args = n === 1 ? [this.stride, this.padding, this.dilation, this.outputPadding]
      : [tup(this.stride, n), tup(this.padding, n), tup(this.dilation, n), tup(this.outputPadding, n)];
    const y = CONV_T[n](x, this.weight, ...args);
    return this.bias ? mx.add(y, this.bias) : y;
  }
}

export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number, stride = 1, padding = 0, dilation = 1, outputPadding = 0, bias = true) {
    super(1, inChannels, outChannels, kernelSize, stride, padding, dilation, outputPadding, bias);
  }
}
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, stride: Ints = 1, padding: Ints = 0, dilation: Ints = 1, outputPadding: Ints = 0, bias = true) {
    super(2, inChannels, outChannels, kernelSize, stride, padding, dilation, outputPadding, bias);
  }
}
export class ConvTranspose3d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Ints, stride: Ints = 1, padding: Ints = 0, dilation: Ints = 1, outputPadding: Ints = 0, bias = true) {
    super(3, inChannels, outChannels, kernelSize, stride, padding, dilation, outputPadding, bias);
  }
}
