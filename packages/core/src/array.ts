// mx.array: the native array class with MLX's JS-facing surface. `array(v)` works with and
// without `new`, and `x instanceof mx.array` holds, because `array.prototype` is the native
// class's prototype.
import { bool, complex64, Dtype, dtypes, float32, float64, int32, int64, uint64 } from './dtype.js';
import { InvalidArgumentError, ShapeError } from './errors.js';
import { track } from './memory.js';
import { N } from './native.js';
import { formatArray } from './format.js';

/** A complex scalar, `mx.Complex(re, im)` (callable with or without `new`). */
export interface Complex { re: number; im: number }
export const Complex = function Complex(this: unknown, re: number, im = 0): Complex {
  const c = Object.create(Complex.prototype);
  c.re = re;
  c.im = im;
  return c;
} as unknown as { new (re: number, im?: number): Complex; (re: number, im?: number): Complex; prototype: Complex };

export type Scalar = number | boolean | Complex | bigint;
export type NestedArray<T> = T | NestedArray<T>[];
export type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
export type ArrayLike = array | NestedArray<Scalar | array> | TypedArray;

/** The array type. Methods are installed in array-methods.ts. */
export interface array {
  readonly shape: number[];
  readonly ndim: number;
  readonly size: number;
  readonly dtype: Dtype;
  readonly itemsize: number;
  readonly nbytes: number;
  readonly length: number;
  readonly disposed: boolean;
  dispose(): void;
  [Symbol.dispose](): void;
  item(): number | boolean | Complex;
  tolist(): any;
  toTypedArray(): TypedArray;
  toString(): string;
  [Symbol.iterator](): Iterator<array>;
}

function typedArrayDtype(t: TypedArray): Dtype {
  if (t instanceof Float32Array) return float32;
  if (t instanceof Float64Array) return float64;
  if (t instanceof Int32Array) return int32;
  if (t instanceof Uint8Array || t instanceof Uint8ClampedArray) return dtypes[1];
  if (t instanceof Int8Array) return dtypes[5];
  if (t instanceof Int16Array) return dtypes[6];
  if (t instanceof Uint16Array) return dtypes[2];
  if (t instanceof Uint32Array) return dtypes[3];
  if (t instanceof BigInt64Array) return int64;
  if (t instanceof BigUint64Array) return uint64;
  throw new InvalidArgumentError('[array] Unsupported typed array.');
}

const isComplex = (v: unknown): v is Complex => v instanceof (Complex as any);

// Walks a nested JS list: infers the shape, rejects ragged input, flattens the leaves.
function flattenNested(value: unknown[]): { shape: number[]; leaves: unknown[] } {
  const shape: number[] = [];
  for (let v: unknown = value; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const leaves: unknown[] = [];
  const walk = (v: unknown, d: number) => {
    if (d === shape.length) {
      if (Array.isArray(v)) throw new ShapeError('[array] Inhomogeneous (ragged) nested list: depths differ.');
      leaves.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d]) {
      throw new ShapeError(`[array] Inhomogeneous (ragged) nested list at depth ${d}: expected length ${shape[d]}.`);
    }
    for (const x of v) walk(x, d + 1);
  };
  walk(value, 0);
  return { shape, leaves };
}

function fromNested(value: unknown[], dtype?: Dtype): array {
  const { shape, leaves } = flattenNested(value);
  // Leaves may themselves be arrays of equal shape (MLX allows lists of arrays).
  if (leaves.length > 0 && leaves[0] instanceof N.NativeArray) {
    const parts = leaves.map((l) => {
      if (!(l instanceof N.NativeArray)) throw new InvalidArgumentError('[array] Cannot mix arrays and scalars in a list.');
      return l;
    });
    let out = N.stack(parts, 0);
    out = N.reshape(out, [...shape, ...(parts[0] as any).shape]);
    return track(dtype ? N.astype(out, dtype.id) : out);
  }
  let inferred: Dtype = bool;
  for (const l of leaves) {
    if (typeof l === 'boolean') continue;
    if (typeof l === 'number' || typeof l === 'bigint') { if (inferred === bool) inferred = float32; continue; }
    if (isComplex(l)) { inferred = complex64; continue; }
    throw new InvalidArgumentError(`[array] Cannot convert ${typeof l} to an array element.`);
  }
  const dt = dtype ?? inferred;
  if (dt === complex64) {
    const buf = new Float64Array(leaves.length * 2);
    leaves.forEach((l, i) => {
      if (isComplex(l)) { buf[2 * i] = l.re; buf[2 * i + 1] = l.im; } else buf[2 * i] = Number(l);
    });
    return track(N.fromBuffer(buf, shape, dt.id));
  }
  if (dt === int64 || dt === uint64) {
    const buf = new BigInt64Array(leaves.length);
    leaves.forEach((l, i) => { buf[i] = BigInt(typeof l === 'bigint' ? l : Math.trunc(Number(l))); });
    return track(N.fromBuffer(buf, shape, dt.id));
  }
  const buf = new Float64Array(leaves.length);
  leaves.forEach((l, i) => {
    if (isComplex(l)) throw new InvalidArgumentError('[array] Complex values need dtype complex64.');
    buf[i] = Number(l);
  });
  return track(N.fromBuffer(buf, shape, dt.id));
}

function fromValue(value: unknown, dtype?: Dtype): array {
  if (value instanceof N.NativeArray) {
    const a = value as array;
    return track(dtype && dtype !== a.dtype ? N.astype(a, dtype.id) : N.copy(a));
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return fromNested([value], dtype).reshape([]);
  }
  if (isComplex(value)) return fromNested([value], dtype ?? complex64).reshape([]);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const t = value as TypedArray;
    const dt = dtype ?? typedArrayDtype(t);
    // complex64 from a real typed array reads interleaved (re, im) pairs.
    return track(N.fromBuffer(t, [dt === complex64 ? t.length / 2 : t.length], dt.id));
  }
  if (Array.isArray(value)) return fromNested(value, dtype);
  throw new InvalidArgumentError(`[array] Cannot convert ${value === null ? 'null' : typeof value} to mx.array.`);
}

/** Creates an array from a number, boolean, Complex, nested list, TypedArray, Buffer or array. */
export const array = function array(value: ArrayLike, dtype?: Dtype): array {
  return fromValue(value, dtype);
} as unknown as {
  new (value: ArrayLike, dtype?: Dtype): array;
  (value: ArrayLike, dtype?: Dtype): array;
  prototype: array;
};
(array as any).prototype = N.NativeArray.prototype;
Object.defineProperty(N.NativeArray.prototype, 'constructor', { value: array, writable: true, configurable: true });

/** Converts an op argument: arrays pass through, JS scalars stay scalars (native weak typing). */
export function toArr(x: ArrayLike | number | boolean): any {
  if (typeof x === 'number' || typeof x === 'boolean') return x;
  if (x instanceof N.NativeArray) return x;
  return fromValue(x);
}

const proto = N.NativeArray.prototype;
Object.defineProperties(proto, {
  dtype: { get(this: any) { return dtypes[this._dtype]; } },
  itemsize: { get(this: any) { return dtypes[this._dtype].size; } },
  nbytes: { get(this: any) { return dtypes[this._dtype].size * this.size; } },
  length: {
    get(this: any) {
      if (this.ndim === 0) throw new TypeError('len() of unsized object');
      return this.shape[0];
    },
  },
});
proto[Symbol.dispose] = function (this: array) { this.dispose(); };
proto.item = function (this: array) {
  const v = N.item(this);
  return typeof v === 'object' ? Complex(v.re, v.im) : v;
};
proto.tolist = function (this: array) {
  const conv = (v: any): any => (Array.isArray(v) ? v.map(conv) : typeof v === 'object' ? Complex(v.re, v.im) : v);
  const l = N.tolist(this);
  return this.dtype === complex64 ? conv(l) : l;
};
proto.toTypedArray = function (this: array): TypedArray {
  const buf: ArrayBuffer = N.toBuffer(this);
  switch (this.dtype.name) {
    case 'bool': case 'uint8': return new Uint8Array(buf);
    case 'int8': return new Int8Array(buf);
    case 'uint16': case 'float16': case 'bfloat16': return new Uint16Array(buf);
    case 'int16': return new Int16Array(buf);
    case 'uint32': return new Uint32Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'uint64': return new BigUint64Array(buf);
    case 'int64': return new BigInt64Array(buf);
    case 'float64': return new Float64Array(buf);
    default: return new Float32Array(buf);  // float32; complex64 as interleaved pairs
  }
};
proto.toString = function (this: array) { return formatArray(this); };
proto[Symbol.for('nodejs.util.inspect.custom')] = function (this: array) {
  return this.disposed ? 'array(<disposed>)' : formatArray(this);
};
proto[Symbol.iterator] = function* (this: array) {
  const n = this.length;
  for (let i = 0; i < n; i++) yield (this as any).index(i);
};
