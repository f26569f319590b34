// Upsample (nearest, linear, cubic; align_corners; antialias) over channels-last input (mlx.nn.layers.upsample).
import * as mx from '@mlx/core';
import { Module } from '../module.js';

type A = mx.array;
type IdxW = [A, A | number];

function shaped(indices: A, dim: number, ndims: number): A {
  const shape = Array(ndims).fill(1);
  shape[dim] = -1;
  return mx.reshape(indices, shape);
}

function scaledIndices(N: number, scale: number, alignCorners: boolean, dim: number, ndims: number): A {
  const M = Math.floor(scale * N);
  let idx: A;
  if (alignCorners) idx = mx.multiply(mx.arange(M, mx.float32), (N - 1) / Math.max(M - 1, 1));
  else {
    const step = 1 / scale;
    const start = ((M - 1) * step - N + 1) / 2;
    idx = mx.subtract(mx.multiply(mx.arange(M, mx.float32), step), start);
  }
  return shaped(idx, dim, ndims);
}

function nearestIndices(N: number, scale: number, dim: number, ndims: number): A {
  const M = Math.floor(scale * N);
  let idx = mx.arange(M, mx.float32);
  if (M > N) idx = mx.round(mx.subtract(mx.multiply(mx.add(idx, 0.5), N / M), 0.5));
  else idx = mx.multiply(idx, N / M);
  return mx.reshape(mx.astype(idx, mx.uint32), Array(ndims).fill(1).map((v, i) => (i === dim ? -1 : v)));
}

function linearIndices(N: number, scale: number, alignCorners: boolean, dim: number, ndims: number): IdxW[] {
  const idx = mx.clip(scaledIndices(N, scale, alignCorners, dim, ndims), 0, N - 1);
  const l = mx.floor(idx), r = mx.ceil(idx);
  const w = mx.expandDims(mx.subtract(idx, l), -1);
  return [[mx.astype(l, mx.uint32), mx.subtract(1, w)], [mx.astype(r, mx.uint32), w]];
}

const triangle = (x: A) => mx.maximum(mx.subtract(1.0, x), 0.0);
function cubicKernel(x: A): A {
  const a = -0.5;
  const inner = mx.add(mx.multiply(mx.multiply(mx.subtract(mx.multiply(a + 2.0, x), a + 3.0), x), x), 1);
  const outer = mx.multiply(mx.subtract(mx.multiply(mx.add(mx.multiply(mx.subtract(x, 5), x), 8), x), 4), a);
  return mx.where(mx.lessEqual(x, 1.0), inner, mx.where(mx.lessEqual(x, 2.0), outer, 0.0));
}

function aaIndices(kernel: (x: A) => A, radius: number) {
  return (N: number, scale: number, alignCorners: boolean, dim: number, ndims: number): IdxW[] => {
    const indices = scaledIndices(N, scale, alignCorners, dim, ndims);
    const inv = scale < 1 ? 1 / scale : 1.0;
    const taps = Math.ceil(radius * inv) + 1;
    const idxs: A[] = [], ws: A[] = [];
    for (let k = -taps + 1; k < taps; k++) {
      const idx = mx.add(mx.floor(indices), k);
      const w = kernel(mx.divide(mx.abs(mx.subtract(indices, idx)), inv));
      idxs.push(idx);
      ws.push(mx.where(mx.logicalAnd(mx.greaterEqual(idx, 0), mx.less(idx, N)), w, 0.0));
    }
    let wsum = ws.reduce((a, b) => mx.add(a, b));
    wsum = mx.where(mx.greater(wsum, 0), wsum, 1.0);
    return idxs.map((idx, i) => [mx.astype(mx.clip(idx, 0, N - 1), mx.uint32), mx.expandDims(mx.divide(ws[i], wsum), -1)]);
  };
}

function cubicIndices(N: number, scale: number, alignCorners: boolean, dim: number, ndims: number): IdxW[] {
  const indices = scaledIndices(N, scale, alignCorners, dim, ndims);
  const l1 = mx.floor(indices), r1 = mx.floor(mx.add(indices, 1));
  const l2 = mx.subtract(l1, 1), r2 = mx.add(r1, 1);
  const weight = (grid: A, dist: number) => {
    const a = -0.75;
    const x = mx.abs(mx.subtract(indices, grid));
    const w = dist === 1
      ? mx.add(mx.multiply(mx.multiply(mx.subtract(mx.multiply(a + 2.0, x), a + 3.0), x), x), 1)
      : mx.multiply(mx.subtract(mx.multiply(mx.add(mx.multiply(mx.subtract(x, 5), x), 8), x), 4), a);
    return mx.expandDims(w, -1);
  };
  const c = (i: A) => mx.astype(mx.clip(i, 0, N - 1), mx.uint32);
  return [[c(l1), weight(l1, 1)], [c(r1), weight(r1, 1)], [c(l2), weight(l2, 2)], [c(r2), weight(r2, 2)]];
}

type IndicesFn = (N: number, scale: number, alignCorners: boolean, dim: number, ndims: number) => IdxW[];

function checkDims(x: A, scale: number[]) {
  if (x.ndim - 2 !== scale.length) throw new mx.InvalidArgumentError('A scale needs to be provided for each spatial dimension');
}

export function upsampleNearest(x: A, scaleFactor: number[]): A {
  checkDims(x, scaleFactor);
  const dims = x.ndim - 2;
  if (scaleFactor.every(Number.isInteger)) {
    const shape = [...x.shape];
    for (let d = 0; d < dims; d++) shape.splice(2 + 2 * d, 0, 1);
    let y = mx.reshape(x, shape);
    for (let d = 0; d < dims; d++) shape[2 + 2 * d] = scaleFactor[d];
    y = mx.broadcastTo(y, shape);
    for (let d = 0; d < dims; d++) { shape[d + 1] *= shape[d + 2]; shape.splice(d + 2, 1); }
    return mx.reshape(y, shape);
  }
  const N = x.shape.slice(1, -1);
  return x.index(mx.Slice(), ...N.map((n, i) => nearestIndices(n, scaleFactor[i], i, dims)));
}

function product<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, l) => acc.flatMap((p) => l.map((v) => [...p, v])), [[]]);
}

function interpolate(x: A, scaleFactor: number[], fn: IndicesFn, alignCorners: boolean): A {
  checkDims(x, scaleFactor);
  const dims = x.ndim - 2;
  const N = x.shape.slice(1, -1);
  const per = N.map((n, i) => fn(n, scaleFactor[i], alignCorners, i, dims));
  let out: A | null = null;
  for (const combo of product(per)) {
    const sample = x.index(mx.Slice(), ...combo.map(([idx]) => idx));
    const w = combo.map(([, w]) => w).reduce((a, b) => mx.multiply(a, b) as any);
    const term = mx.multiply(w, sample);
    out = out ? mx.add(out, term) : term;
  }
  return out!;
}

function interpolateSeparable(x: A, scaleFactor: number[], fn: IndicesFn, alignCorners: boolean): A {
  checkDims(x, scaleFactor);
  const dims = x.ndim - 2;
  const N = x.shape.slice(1, -1);
  let out = x;
  N.forEach((n, i) => {
    let acc: A | null = null;
    for (const [idx, w] of fn(n, scaleFactor[i], alignCorners, i, dims)) {
      const term = mx.multiply(mx.take(out, mx.reshape(idx, [-1]), i + 1), w);
      acc = acc ? mx.add(acc, term) : term;
    }
    out = acc!;
  });
  return out;
}

function validate(alignCorners: boolean, antialias: boolean) {
  if (antialias && alignCorners) {
    throw new mx.InvalidArgumentError('[Upsample] antialias=True with align_corners=True is not supported. Use align_corners=False for antialiased interpolation.');
  }
}

export function upsampleLinear(x: A, scaleFactor: number[], alignCorners = false, antialias = false): A {
  validate(alignCorners, antialias);
  if (antialias) return interpolateSeparable(x, scaleFactor, aaIndices(triangle, 1.0), alignCorners);
  if (!alignCorners) return interpolateSeparable(x, scaleFactor, linearIndices, alignCorners);
  return interpolate(x, scaleFactor, linearIndices, alignCorners);
}

export function upsampleCubic(x: A, scaleFactor: number[], alignCorners = false, antialias = false): A {
  validate(alignCorners, antialias);
  if (antialias) return interpolateSeparable(x, scaleFactor, aaIndices(cubicKernel, 2.0), alignCorners);
  return interpolate(x, scaleFactor, cubicIndices, alignCorners);
}

export class Upsample extends Module {
  scaleFactor: number | number[];
  mode: 'nearest' | 'linear' | 'cubic';
  alignCorners: boolean;
  antialias: boolean;
  constructor(scaleFactor: number | number[], mode: 'nearest' | 'linear' | 'cubic' = 'nearest', alignCorners = false, antialias = false) {
    super();
    if (!['nearest', 'linear', 'cubic'].includes(mode)) throw new mx.InvalidArgumentError(`[Upsample] Got unsupported upsampling algorithm: ${mode}`);
    if (antialias && mode === 'nearest') throw new mx.InvalidArgumentError('[Upsample] Antialiasing is not supported for nearest neighbor upsampling');
    validate(alignCorners, antialias);
    this.scaleFactor = scaleFactor;
    this.mode = mode;
    this.alignCorners = alignCorners;
    this.antialias = antialias;
  }
  forward(x: A): A {
    const dims = x.ndim - 2;
    if (dims <= 0) {
      throw new mx.ShapeError(`[Upsample] The input should have at least 1 spatial dimension which means it should be at least 3D but ${x.ndim}D was provided`);
    }
    let sf: number[];
    if (Array.isArray(this.scaleFactor)) {
      if (this.scaleFactor.length !== dims) {
        throw new mx.InvalidArgumentError(`[Upsample] One scale per spatial dimension is required but scale_factor=(${this.scaleFactor}) and the number of spatial dimensions were ${dims}`);
      }
      sf = this.scaleFactor;
    } else sf = Array(dims).fill(this.scaleFactor);
    if (this.mode === 'nearest') return upsampleNearest(x, sf);
    if (this.mode === 'linear') return upsampleLinear(x, sf, this.alignCorners, this.antialias);
    return upsampleCubic(x, sf, this.alignCorners, this.antialias);
  }
}
