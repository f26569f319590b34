// Sorting: stable sorts with NaNs last, uint32 indices, partitions and topk (MLX semantics).
// `axis` defaults to -1; `null` sorts the flattened array (MLX's axis=None).
import { toArr, type array, type ArrayLike } from '../array.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import { track } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike;

/** A sorted copy of `a` along `axis` (stable; NaNs last). */
export const sort = (a: A, axis: number | null = -1, s?: StreamOrDevice): array =>
  track(N.sort(toArr(a), axis, streamArg(s)));
/** uint32 indices that sort `a` along `axis`; ties keep their input order. */
export const argsort = (a: A, axis: number | null = -1, s?: StreamOrDevice): array =>
  track(N.argsort(toArr(a), axis, streamArg(s)));
/** A copy where the element at `kth` is in sorted position, smaller ones before it, larger after. */
export const partition = (a: A, kth: number, axis: number | null = -1, s?: StreamOrDevice): array =>
  track(N.partition(toArr(a), kth, axis, streamArg(s)));
/** uint32 indices that partition `a` around `kth` along `axis`. */
export const argpartition = (a: A, kth: number, axis: number | null = -1, s?: StreamOrDevice): array =>
  track(N.argpartition(toArr(a), kth, axis, streamArg(s)));
/** The `k` largest elements along `axis`, in no particular order (as MLX). */
export const topk = (a: A, k: number, axis: number | null = -1, s?: StreamOrDevice): array =>
  track(N.topk(toArr(a), k, axis, streamArg(s)));
