// Layout ops: dtype conversion, reshaping, broadcasting, joining and splitting.
import { toArr, type array, type ArrayLike } from '../array.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import type { Dtype } from '../dtype.js';
import { track, trackAll } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike;
const axesArg = (a: number | number[]) => a;

export const astype = (a: A, dtype: Dtype, s?: StreamOrDevice): array => track(N.astype(toArr(a), dtype.id, streamArg(s)));
export const reshape = (a: A, shape: number[], s?: StreamOrDevice): array => track(N.reshape(toArr(a), shape, streamArg(s)));
export const broadcastTo = (a: A, shape: number[], s?: StreamOrDevice): array => track(N.broadcastTo(toArr(a), shape, streamArg(s)));
export const broadcastArrays = (arrays: A[], s?: StreamOrDevice): array[] => trackAll(N.broadcastArrays(arrays.map(toArr), streamArg(s)));
export const flatten = (a: A, startAxis?: number, endAxis?: number, s?: StreamOrDevice): array =>
  track(N.flatten(toArr(a), startAxis, endAxis, streamArg(s)));
export const unflatten = (a: A, axis: number, shape: number[], s?: StreamOrDevice): array =>
  track(N.unflatten(toArr(a), axis, shape, streamArg(s)));
export const squeeze = (a: A, axis?: number | number[], s?: StreamOrDevice): array =>
  track(N.squeeze(toArr(a), axis === undefined ? undefined : axesArg(axis), streamArg(s)));
export const expandDims = (a: A, axis: number | number[], s?: StreamOrDevice): array =>
  track(N.expandDims(toArr(a), axesArg(axis), streamArg(s)));
export function transpose(a: A, axes?: number[] | StreamOrDevice, s?: StreamOrDevice): array {
  if (!Array.isArray(axes) && axes !== undefined) return track(N.transpose(toArr(a), undefined, streamArg(axes)));
  return track(N.transpose(toArr(a), axes, streamArg(s)));
}
export const permuteDims = transpose;
export const swapaxes = (a: A, axis1: number, axis2: number, s?: StreamOrDevice): array =>
  track(N.swapaxes(toArr(a), axis1, axis2, streamArg(s)));
export const moveaxis = (a: A, source: number, destination: number, s?: StreamOrDevice): array =>
  track(N.moveaxis(toArr(a), source, destination, streamArg(s)));
/** MLX's `slice(a, start, axes, slice_size)` with static starts; see also `index`. */
export const sliceRaw = (a: A, start: number[], stop: number[], strides: number[], s?: StreamOrDevice): array =>
  track(N.slice(toArr(a), start, stop, strides, streamArg(s)));
/** `axis` null flattens every input first, as in MLX. */
export const concatenate = (arrays: A[], axis: number | null = 0, s?: StreamOrDevice): array =>
  track(N.concatenate(arrays.map(toArr), axis, streamArg(s)));
export const concat = concatenate;
export const stack = (arrays: A[], axis = 0, s?: StreamOrDevice): array => track(N.stack(arrays.map(toArr), axis, streamArg(s)));
export const split = (a: A, indicesOrSections: number | number[], axis = 0, s?: StreamOrDevice): array[] =>
  trackAll(N.split(toArr(a), indicesOrSections, axis, streamArg(s)));
/** A copy of `a` with its own buffer. */
export const copy = (a: A, s?: StreamOrDevice): array => track(N.copy(toArr(a), streamArg(s)));
