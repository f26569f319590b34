// Array manipulation (MLX semantics): pad, tile, repeat, roll, flip, diagonals, triangles,
// meshgrid, atleast*, strided and dtype views, kron/outer/inner/tensordot, Hadamard, median.
import { toArr, type array, type ArrayLike } from '../array.js';
import { Device, Stream, streamArg, type StreamOrDevice } from '../device.js';
import type { Dtype } from '../dtype.js';
import { InvalidArgumentError } from '../errors.js';
import { track, trackAll } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike;
const isStream = (x: unknown): x is Stream | Device => x instanceof Stream || x instanceof Device;

export type PadWidth = number | [number] | [number, number] | Array<[number, number] | [number]>;
export type PadMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** MLX's pad_width forms: `n`, `[n]`, `[before, after]`, or one `[before, after]` pair per axis. */
function padPairs(w: PadWidth): number[][] {
  const pair = (p: unknown): number[] => {
    if (typeof p === 'number') return [p, p];
    if (Array.isArray(p) && p.length === 1 && typeof p[0] === 'number') return [p[0], p[0]];
    if (Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number')) return p as number[];
    throw new InvalidArgumentError(`[pad] Invalid pad_width entry ${JSON.stringify(p)}: expected an int or (before, after).`);
  };
  if (typeof w === 'number') return [[w, w]];
  if (!Array.isArray(w)) throw new InvalidArgumentError('[pad] pad_width must be an int, a pair or a list of pairs.');
  if (w.length === 0) return [];
  if (w.every((v) => typeof v === 'number')) return [pair(w)];
  return (w as unknown[]).map(pair);
}

/**
 * `pad(a, padWidth, mode = 'constant', constantValues = 0)`: constant, edge, reflect or
 * symmetric padding; the constant is cast to `a`'s dtype.
 */
export function pad(a: A, padWidth: PadWidth, mode: PadMode = 'constant', constantValues: A | number | boolean = 0,
  s?: StreamOrDevice): array {
  return track(N.pad(toArr(a), padPairs(padWidth), toArr(constantValues as A), mode, streamArg(s)));
}

/** Repeats the whole array `reps` times along each axis (NumPy's tile). */
export const tile = (a: A, reps: number | number[], s?: StreamOrDevice): array =>
  track(N.tile(toArr(a), reps, streamArg(s)));

/** Repeats each element `repeats` times along `axis` (the flattened array when omitted). */
export function repeat(a: A, repeats: number, axis?: number | null | StreamOrDevice, s?: StreamOrDevice): array {
  if (isStream(axis)) return track(N.repeat(toArr(a), repeats, undefined, streamArg(axis)));
  return track(N.repeat(toArr(a), repeats, axis ?? undefined, streamArg(s)));
}

/** Rolls elements by `shift` along `axis` (ints or matching lists); no axis rolls the flattened array. */
export function roll(a: A, shift: number | number[], axis?: number | number[] | null | StreamOrDevice,
  s?: StreamOrDevice): array {
  if (isStream(axis)) return track(N.roll(toArr(a), shift, undefined, streamArg(axis)));
  return track(N.roll(toArr(a), shift, axis ?? undefined, streamArg(s)));
}

/** Reverses the order of elements along `axis` (every axis when omitted). A view. */
export function flip(a: A, axis?: number | number[] | null | StreamOrDevice, s?: StreamOrDevice): array {
  if (isStream(axis)) return track(N.flip(toArr(a), undefined, streamArg(axis)));
  return track(N.flip(toArr(a), axis ?? undefined, streamArg(s)));
}

/** Diagonal `k` of a 2-D array, or a 2-D array with `a` (1-D) on diagonal `k`. */
export const diag = (a: A, k = 0, s?: StreamOrDevice): array => track(N.diag(toArr(a), k, streamArg(s)));
/** Diagonals over `axis1`/`axis2`, appended as the last axis. */
export const diagonal = (a: A, offset = 0, axis1 = 0, axis2 = 1, s?: StreamOrDevice): array =>
  track(N.diagonal(toArr(a), offset, axis1, axis2, streamArg(s)));
/** Sum along a diagonal; `dtype` casts the diagonal before summing. */
export const trace = (a: A, offset = 0, axis1 = 0, axis2 = 1, dtype?: Dtype | null, s?: StreamOrDevice): array =>
  track(N.trace(toArr(a), offset, axis1, axis2, dtype?.id, streamArg(s)));
/** Zeros the elements above diagonal `k` of the last two axes. */
export const tril = (x: A, k = 0, s?: StreamOrDevice): array => track(N.tril(toArr(x), k, streamArg(s)));
/** Zeros the elements below diagonal `k` of the last two axes. */
export const triu = (x: A, k = 0, s?: StreamOrDevice): array => track(N.triu(toArr(x), k, streamArg(s)));

export interface MeshgridOptions { sparse?: boolean; indexing?: 'xy' | 'ij' }
/**
 * `meshgrid(...arrays, sparse?, indexing?)` or `meshgrid(arrays[], sparse?, indexing?)`; an
 * options object `{ sparse, indexing }` may replace the trailing flags.
 */
export function meshgrid(...args: Array<A | boolean | string | MeshgridOptions | StreamOrDevice | A[]>): array[] {
  let arrays: A[] = [];
  let sparse = false;
  let indexing = 'xy';
  let s: StreamOrDevice;
  const rest = [...args];
  if (Array.isArray(rest[0]) && (rest[0] as unknown[]).every((v) => v instanceof N.NativeArray)) arrays = rest.shift() as A[];
  for (const v of rest) {
    if (typeof v === 'boolean') sparse = v;
    else if (typeof v === 'string') indexing = v;
    else if (isStream(v)) s = v;
    else if (v instanceof N.NativeArray || Array.isArray(v) || ArrayBuffer.isView(v)) arrays.push(v as A);
    else if (v && typeof v === 'object') {
      const o = v as MeshgridOptions;
      if (o.sparse !== undefined) sparse = o.sparse;
      if (o.indexing !== undefined) indexing = o.indexing;
    }
  }
  return trackAll(N.meshgrid(arrays.map(toArr), sparse, indexing, streamArg(s)));
}

function atleast(n: number) {
  function f(a: A, s?: StreamOrDevice): array;
  function f(...arys: A[]): array[];
  function f(...args: unknown[]): array | array[] {
    let s: StreamOrDevice;
    if (args.length && isStream(args[args.length - 1])) s = args.pop() as StreamOrDevice;
    const out = args.map((a) => track(N.atleast(toArr(a as A), n, streamArg(s))) as array);
    return out.length === 1 ? out[0] : out;
  }
  return f;
}
/** Arrays with at least 1 (2, 3) dimensions; one argument gives an array, several a list. */
export const atleast1d = atleast(1);
export const atleast2d = atleast(2);
export const atleast3d = atleast(3);

/**
 * A view with the given shape, strides (elements) and offset into the row-major flattened `a`.
 * Views reaching outside `a` throw an IndexError (MLX would read foreign memory).
 */
export const asStrided = (a: A, shape?: number[] | null, strides?: number[] | null, offset = 0, s?: StreamOrDevice): array =>
  track(N.asStrided(toArr(a), shape ?? undefined, strides ?? undefined, offset, streamArg(s)));

/** Reinterprets the bytes as `dtype`; the last axis scales by the itemsize ratio. */
export const view = (a: A, dtype: Dtype, s?: StreamOrDevice): array => track(N.view(toArr(a), dtype.id, streamArg(s)));

/** Unstacks along `axis`: a list of arrays with that axis removed. */
export const unstack = (a: A, axis = 0, s?: StreamOrDevice): array[] => trackAll(N.unstack(toArr(a), axis, streamArg(s)));

export const kron = (a: A, b: A, s?: StreamOrDevice): array => track(N.kron(toArr(a), toArr(b), streamArg(s)));
/** Outer product of the flattened inputs. */
export const outer = (a: A, b: A, s?: StreamOrDevice): array => track(N.outer(toArr(a), toArr(b), streamArg(s)));
/** Sum product over the last axes (a plain product when either is 0-d). */
export const inner = (a: A, b: A, s?: StreamOrDevice): array => track(N.inner(toArr(a), toArr(b), streamArg(s)));
/** `axes`: the number of trailing/leading axes to contract, or `[axesOfA, axesOfB]`. */
export const tensordot = (a: A, b: A, axes: number | [number[] | number, number[] | number] = 2, s?: StreamOrDevice): array =>
  track(N.tensordot(toArr(a), toArr(b), axes, streamArg(s)));

/** Walsh-Hadamard transform along the last axis; n = m * 2^k with m in {1, 12, 20, 28}. Default scale 1/sqrt(n). */
export function hadamardTransform(a: A, scale?: number | null | StreamOrDevice, s?: StreamOrDevice): array {
  if (isStream(scale)) return track(N.hadamardTransform(toArr(a), undefined, streamArg(scale)));
  return track(N.hadamardTransform(toArr(a), scale ?? undefined, streamArg(s)));
}

type MedianFn = {
  (a: A, keepdims: boolean, s?: StreamOrDevice): array;
  (a: A, axis?: number | number[] | null, keepdims?: boolean, s?: StreamOrDevice): array;
};
/** Median over `axis` (every axis by default); float inputs keep their dtype, others give float32. */
export const median = ((a: A, ...args: unknown[]) => {
  let s: StreamOrDevice;
  const r = [...args];
  const si = r.findIndex(isStream);
  if (si >= 0) { s = r[si] as StreamOrDevice; r.length = si; }
  if (typeof r[0] === 'boolean') r.unshift(undefined);
  return track(N.median(toArr(a), (r[0] as number | number[] | null) ?? undefined, Boolean(r[1]), streamArg(s)));
}) as MedianFn;
