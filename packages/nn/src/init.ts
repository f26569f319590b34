// nn.init: initialiser factories (MLX's mlx.nn.init); each returns (array, ...) => new array.
import * as mx from '@mlx/core';

type A = mx.array;

export const constant = (value: number, dtype: mx.Dtype = mx.float32) => (a: A): A => mx.full(a.shape, value, dtype);

export const normal = (mean = 0.0, std = 1.0, dtype: mx.Dtype = mx.float32) => (a: A): A =>
  mx.random.normal(a.shape, dtype, mean, std);

export const uniform = (low = 0.0, high = 1.0, dtype: mx.Dtype = mx.float32) => (a: A): A =>
  mx.random.uniform(low, high, a.shape, dtype);

export const identity = (dtype: mx.Dtype = mx.float32) => (a: A): A => {
  if (a.ndim !== 2 || a.shape[0] !== a.shape[1]) {
    throw new mx.ShapeError(`The input array must be a square matrix but got shape (${a.shape.join(', ')}).`);
  }
  return mx.eye(a.shape[0], null, 0, dtype);
};

function fans(x: A): [number, number] {
  if (x.ndim < 2) throw new mx.ShapeError(`Glorot / He initialization requires at least 2 dimensional input but input with ${x.ndim} dimensions.`);
  let fanIn = x.shape[x.ndim - 1], fanOut = x.shape[0];
  if (x.ndim > 2) {
    const rf = x.shape.slice(1, -1).reduce((a, b) => a * b, 1);
    fanIn *= rf; fanOut *= rf;
  }
  return [fanIn, fanOut];
}

export const glorotNormal = (dtype: mx.Dtype = mx.float32) => (a: A, gain = 1.0): A => {
  const [fi, fo] = fans(a);
  return mx.random.normal(a.shape, dtype, 0, gain * Math.sqrt(2.0 / (fi + fo)));
};

export const glorotUniform = (dtype: mx.Dtype = mx.float32) => (a: A, gain = 1.0): A => {
  const [fi, fo] = fans(a);
  const limit = gain * Math.sqrt(6.0 / (fi + fo));
  return mx.random.uniform(-limit, limit, a.shape, dtype);
};

function fanFor(a: A, mode: string): number {
  const [fi, fo] = fans(a);
  if (mode === 'fan_in' || mode === 'fanIn') return fi;
  if (mode === 'fan_out' || mode === 'fanOut') return fo;
  throw new mx.InvalidArgumentError(`Invalid mode: ${mode}. Valid modes are: fan_in, fan_out`);
}

export const heNormal = (dtype: mx.Dtype = mx.float32) => (a: A, mode: 'fan_in' | 'fan_out' = 'fan_in', gain = 1.0): A =>
  mx.random.normal(a.shape, dtype, 0, gain / Math.sqrt(fanFor(a, mode)));

export const heUniform = (dtype: mx.Dtype = mx.float32) => (a: A, mode: 'fan_in' | 'fan_out' = 'fan_in', gain = 1.0): A => {
  const limit = gain * Math.sqrt(3.0 / fanFor(a, mode));
  return mx.random.uniform(-limit, limit, a.shape, dtype);
};

/** Normal values with a `sparsity` fraction of each row set to zero (2-D only). */
export const sparse = (sparsity: number, mean = 0.0, std = 1.0, dtype: mx.Dtype = mx.float32) => (a: A): A => {
  if (a.ndim !== 2) throw new mx.ShapeError('Only tensors with 2 dimensions are supported');
  const [rows, cols] = a.shape;
  const numZeros = Math.ceil(sparsity * cols);
  const order = mx.argsort(mx.random.uniform(0, 1, a.shape), 1);
  const values = mx.random.normal(a.shape, dtype, mean, std);
  if (numZeros === 0) return values;
  const zeroCols = order.index(mx.Slice(), mx.Slice(0, numZeros));
  return mx.putAlongAxis(values, zeroCols, mx.zeros(zeroCols.shape, dtype), 1);
};

/** Orthogonal matrix (QR of a Gaussian matrix, needs mx.linalg.qr) scaled by gain. */
export const orthogonal = (gain = 1.0, dtype: mx.Dtype = mx.float32) => (a: A): A => {
  if (a.ndim !== 2) throw new mx.ShapeError(`Orthogonal initialization requires a 2D array but got a ${a.ndim}D array.`);
  const [rows, cols] = a.shape;
  const n = Math.max(rows, cols);
  const [q0, r] = mx.linalg.qr(mx.random.normal([n, n]), mx.cpu);
  let q = mx.multiply(q0, mx.sign(mx.diag(r)));
  q = q.index(mx.Slice(0, rows), mx.Slice(0, cols));
  return mx.astype(mx.multiply(q, gain), dtype);
};
