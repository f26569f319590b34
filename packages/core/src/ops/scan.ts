// Cumulative ops with MLX's (axis, reverse, inclusive) arguments. `axis` null/omitted scans the
// flattened array. cumsum of bool gives int32; logcumsumexp of integers gives float32.
import { toArr, type array, type ArrayLike } from '../array.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import { track } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike;
type ScanFn = (a: A, axis?: number | null, reverse?: boolean, inclusive?: boolean, s?: StreamOrDevice) => array;

const scan = (name: string): ScanFn => (a, axis = null, reverse = false, inclusive = true, s) =>
  track(N[name](toArr(a), axis, reverse, inclusive, streamArg(s)));

export const cumsum: ScanFn = scan('cumsum');
export const cumprod: ScanFn = scan('cumprod');
export const cummax: ScanFn = scan('cummax');
export const cummin: ScanFn = scan('cummin');
export const logcumsumexp: ScanFn = scan('logcumsumexp');
