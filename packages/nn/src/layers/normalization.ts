// InstanceNorm, LayerNorm, RMSNorm, GroupNorm, BatchNorm (mlx.nn.layers.normalization).
import * as mx from '@mlx/core';
import { Module } from '../module.js';

type A = mx.array;
const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

function checkEps(name: string, eps: number) {
  if (!(eps > 0)) throw new mx.InvalidArgumentError(`[${name}] 'eps' must be positive but got ${eps}.`);
}

export class InstanceNorm extends Module {
  declare weight?: A;
  declare bias?: A;
  constructor(public dims: number, public eps = 1e-5, affine = false) {
    super();
    checkEps('InstanceNorm', eps);
    if (affine) { this.weight = mx.ones([dims]); this.bias = mx.zeros([dims]); }
  }
  forward(x: A): A {
    if (x.ndim < 3) throw new mx.ShapeError(`InstanceNorm expects inputs with at least 3 dimensions (N, ..., C) but the input has ${x.ndim} dimensions.`);
    const [batch, features] = [x.shape[0], x.shape[x.ndim - 1]];
    const spatial = x.shape.slice(1, -1);
    const cf = mx.transpose(x, [0, x.ndim - 1, ...range(1, x.ndim - 1)]);
    let y = mx.fast.layerNorm(mx.reshape(cf, [batch, features, -1]), null, null, this.eps);
    y = mx.transpose(mx.reshape(y, [batch, features, ...spatial]), [0, ...range(2, spatial.length + 2), 1]);
    return this.weight ? mx.add(mx.multiply(this.weight, y), this.bias!) : y;
  }
}

export class LayerNorm extends Module {
  declare weight?: A;
  declare bias?: A;
  constructor(public dims: number, public eps = 1e-5, affine = true, bias = true) {
    super();
    checkEps('LayerNorm', eps);
    if (affine) {
      this.weight = mx.ones([dims]);
      if (bias) this.bias = mx.zeros([dims]);
    }
  }
  forward(x: A): A { return mx.fast.layerNorm(x, this.weight ?? null, this.bias ?? null, this.eps); }
}

export class RMSNorm extends Module {
  weight: A;
  constructor(dims: number, public eps = 1e-5) {
    super();
    checkEps('RMSNorm', eps);
    this.weight = mx.ones([dims]);
  }
  forward(x: A): A { return mx.fast.rmsNorm(x, this.weight ?? null, this.eps); }
}

export class GroupNorm extends Module {
  declare weight?: A;
  declare bias?: A;
  constructor(public numGroups: number, public dims: number, public eps = 1e-5, affine = true, public pytorchCompatible = false) {
    super();
    checkEps('GroupNorm', eps);
    if (!(numGroups > 0)) throw new mx.InvalidArgumentError(`The number of groups (${numGroups}) must be a positive integer.`);
    if (!(dims > 0)) throw new mx.InvalidArgumentError(`The number of features (${dims}) must be a positive integer.`);
    if (dims % numGroups !== 0) {
      throw new mx.InvalidArgumentError(`The number of features (${dims}) must be evenly divisible by the number of groups (${numGroups}).`);
    }
    if (affine) { this.bias = mx.zeros([dims]); this.weight = mx.ones([dims]); }
  }
  private _pytorchGroupNorm(x: A): A {
    const g = this.numGroups, [batch] = x.shape, rest = x.shape.slice(1, -1), dims = x.shape[x.ndim - 1];
    const gs = dims / g;
    let y = mx.reshape(mx.transpose(mx.reshape(x, [batch, -1, g, gs]), [0, 2, 1, 3]), [batch, g, -1]);
    y = mx.fast.layerNorm(y, null, null, this.eps);
    y = mx.transpose(mx.reshape(y, [batch, g, -1, gs]), [0, 2, 1, 3]);
    return mx.reshape(y, [batch, ...rest, dims]);
  }
  private _groupNorm(x: A): A {
    const [batch] = x.shape;
    const y = mx.reshape(x, [batch, -1, this.numGroups]);
    const means = mx.mean(y, 1, true);
    const v = mx.variance(y, 1, true);
    return mx.reshape(mx.multiply(mx.subtract(y, means), mx.rsqrt(mx.add(v, this.eps))), x.shape);
  }
  forward(x: A): A {
    const y = this.pytorchCompatible ? this._pytorchGroupNorm(x) : this._groupNorm(x);
    return this.weight ? mx.add(mx.multiply(this.weight, y), this.bias!) : y;
  }
}

/**
 * Batch normalisation over all axes but the last. runningMean/runningVar are parameters that stay
 * frozen (as in MLX), so they are saved with the weights but never trained.
 */
export class BatchNorm extends Module {
  declare weight?: A;
  declare bias?: A;
  declare runningMean?: A;
  declare runningVar?: A;
  constructor(public numFeatures: number, public eps = 1e-5, public momentum = 0.1, affine = true, public trackRunningStats = true) {
    super();
    checkEps('BatchNorm', eps);
    if (affine) { this.weight = mx.ones([numFeatures]); this.bias = mx.zeros([numFeatures]); }
    if (trackRunningStats) {
      this.runningMean = mx.zeros([numFeatures]);
      this.runningVar = mx.ones([numFeatures]);
      this.freeze(['runningMean', 'runningVar'], false);
    }
  }
  override unfreeze(keys?: string | string[], recurse = true): this {
    super.unfreeze(keys, recurse);
    if (this.trackRunningStats) this.freeze(['runningMean', 'runningVar'], false);
    return this;
  }
  private _stats(x: A, ddof = 0): [A, A] {
    const axes = range(0, x.ndim - 1);
    return [mx.mean(x, axes), mx.variance(x, axes, false, ddof)];
  }
  forward(x: A): A {
    if (x.ndim < 2 || x.ndim > 4) throw new mx.ShapeError(`Expected input tensor to have 2, 3 or 4 dimensions, but got ${x.ndim}`);
    if (this.training && x.shape.slice(0, -1).reduce((a, b) => a * b, 1) === 1) {
      throw new mx.InvalidArgumentError('BatchNorm training requires more than one value per channel.');
    }
    let [mean, v] = this._stats(x);
    if (this.training && this.trackRunningStats) {
      const mu = this.momentum;
      const [, unbiased] = this._stats(x, 1);
      this.runningMean = mx.add(mx.multiply(1 - mu, this.runningMean!), mx.multiply(mu, mean));
      this.runningVar = mx.add(mx.multiply(1 - mu, this.runningVar!), mx.multiply(mu, unbiased));
    } else if (this.trackRunningStats) {
      mean = this.runningMean!;
      v = this.runningVar!;
    }
    const y = mx.multiply(mx.subtract(x, mean), mx.rsqrt(mx.add(v, this.eps)));
    return this.weight ? mx.add(mx.multiply(this.weight, y), this.bias!) : y;
  }
}
