// Creation ops: arange, linspace, eye, identity, tri, zeros, ones, full, zerosLike, onesLike.
import { toArr, type array, type ArrayLike } from '../array.js';
import { Device, Stream, streamArg, type StreamOrDevice } from '../device.js';
import { Dtype, float32, int32 } from '../dtype.js';
import { track } from '../memory.js';
import { N } from '../native.js';

const isStream = (x: unknown): x is Stream | Device => x instanceof Stream || x instanceof Device;

type ArangeArgs =
  | [stop: number, dtype?: Dtype, s?: StreamOrDevice]
  | [start: number, stop: number, dtype?: Dtype, s?: StreamOrDevice]
  | [start: number, stop: number, step?: number, dtype?: Dtype, s?: StreamOrDevice];

/**
 * `arange(stop)`, `arange(start, stop, step?, dtype?)` (dtype may follow any prefix of the numbers).
 * Default dtype: JS cannot tell `1` from `1.0`, so (as node-mlx) the result is int32 when every
 * given number is an integer and float32 otherwise; pass a dtype to choose.
 */
export function arange(...args: ArangeArgs): array {
  const nums: number[] = [];
  let dtype: Dtype | undefined;
  let s: StreamOrDevice;
  for (const a of args as unknown[]) {
    if (typeof a === 'number') nums.push(a);
    else if (a instanceof Dtype) dtype = a;
    else if (isStream(a)) s = a;
  }
  const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  dtype ??= nums.every(Number.isInteger) ? int32 : float32;
  return track(N.arange(start, stop, step, dtype.id, streamArg(s)));
}

export const linspace = (start: number, stop: number, num = 50, dtype: Dtype = float32, s?: StreamOrDevice): array =>
  track(N.linspace(start, stop, num, dtype.id, streamArg(s)));

/** `eye(n, m = n, k = 0, dtype = float32)`. */
export const eye = (n: number, m?: number | null, k = 0, dtype: Dtype = float32, s?: StreamOrDevice): array =>
  track(N.eye(n, m ?? undefined, k, dtype.id, streamArg(s)));
export const identity = (n: number, dtype: Dtype = float32, s?: StreamOrDevice): array =>
  track(N.identity(n, dtype.id, streamArg(s)));
/** Ones on and below diagonal `k` of an (n, m) matrix. */
export const tri = (n: number, m?: number | null, k = 0, dtype: Dtype = float32, s?: StreamOrDevice): array =>
  track(N.tri(n, m ?? undefined, k, dtype.id, streamArg(s)));

export const zeros = (shape: number | number[], dtype: Dtype = float32, s?: StreamOrDevice): array =>
  track(N.zeros(shape, dtype.id, streamArg(s)));
export const ones = (shape: number | number[], dtype: Dtype = float32, s?: StreamOrDevice): array =>
  track(N.ones(shape, dtype.id, streamArg(s)));
/** An array of `shape` filled with `value` (dtype: `dtype`, else the value's). */
export const full = (shape: number | number[], value: ArrayLike | number | boolean, dtype?: Dtype, s?: StreamOrDevice): array =>
  track(N.full(shape, toArr(value), dtype?.id, streamArg(s)));
export const zerosLike = (a: ArrayLike, s?: StreamOrDevice): array => track(N.zerosLike(toArr(a), streamArg(s)));
export const onesLike = (a: ArrayLike, s?: StreamOrDevice): array => track(N.onesLike(toArr(a), streamArg(s)));
