// Indexing: basic (numbers, Slice, null, '...') in JS over views; advanced (integer arrays,
// boolean masks in assignments) in the engine (gather/scatter). Also take, takeAlongAxis,
// putAlongAxis, dynamic slice/sliceUpdate, `indexPut_` and `at(...).add(...)`.
import { array as mkArray, toArr, type array, type ArrayLike } from '../array.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import { int32 } from '../dtype.js';
import { IndexError, InvalidArgumentError } from '../errors.js';
import { track } from '../memory.js';
import { N } from '../native.js';

/** A Python-style slice; omitted bounds mean the whole axis. */
export interface Slice { readonly start?: number | null; readonly stop?: number | null; readonly step?: number | null; __slice: true }
export function Slice(start?: number | null, stop?: number | null, step?: number | null): Slice {
  return { start, stop, step, __slice: true };
}
export const isSlice = (x: unknown): x is Slice => typeof x === 'object' && x !== null && (x as any).__slice === true;

export type Index = number | Slice | null | '...' | array;

const BIG = Number.MAX_SAFE_INTEGER;

export function index(a: array, ...indices: Index[]): array {
  if (indices.some((i) => i instanceof N.NativeArray)) return track(N.getItem(a, indices));
  const ndim = a.ndim;
  const ellipses = indices.filter((i) => i === '...').length;
  if (ellipses > 1) throw new IndexError('[index] An index can only have a single ellipsis.');
  const consumed = indices.filter((i) => i !== null && i !== '...').length;
  if (consumed > ndim) throw new IndexError(`[index] Too many indices for array with ${ndim} dimensions.`);
  const full: Index[] = [];
  for (const i of indices) {
    if (i === '...') for (let k = 0; k < ndim - consumed; k++) full.push(Slice());
    else full.push(i);
  }
  while (full.filter((i) => i !== null).length < ndim) full.push(Slice());

  const shape = a.shape;
  const start: number[] = [], stop: number[] = [], step: number[] = [];
  let axis = 0;
  let sliced = false;
  for (const i of full) {
    if (i === null) continue;
    const n = shape[axis];
    if (typeof i === 'number') {
      if (!Number.isInteger(i)) throw new IndexError(`[index] Index ${i} is not an integer.`);
      const k = i < 0 ? i + n : i;
      if (k < 0 || k >= n) throw new IndexError(`[index] Index ${i} is out of bounds for axis ${axis} with size ${n}.`);
      start.push(k); stop.push(k + 1); step.push(1);
      sliced = true;
    } else if (isSlice(i)) {
      const st = i.step ?? 1;
      if (st === 0) throw new IndexError('[index] Slice step cannot be zero.');
      start.push(i.start ?? (st > 0 ? 0 : BIG));
      stop.push(i.stop ?? (st > 0 ? BIG : -BIG));
      step.push(st);
      sliced = true;
    } else {
      throw new InvalidArgumentError(`[index] Unsupported index ${String(i)}.`);
    }
    axis++;
  }
  const sliced_ = sliced ? N.slice(a, start, stop, step) : a;
  const sliceShape: number[] = sliced_.shape;
  const finalShape: number[] = [];
  let si = 0;
  for (const i of full) {
    if (i === null) { finalShape.push(1); continue; }
    if (isSlice(i)) finalShape.push(sliceShape[si]);
    si++;
  }
  const out = N.reshape(sliced_, finalShape);
  if (sliced_ !== a) sliced_.dispose();  // the graph keeps its own reference
  return track(out);
}

type IndexArg = ArrayLike | number;
// Index arguments given as JS lists are integer arrays (JS numbers would default to float32).
function toIndex(x: IndexArg): any {
  if (typeof x === 'number' || x instanceof N.NativeArray) return x;
  return mkArray(x as any, int32);
}

/** MLX `take(a, indices, axis?)`: without an axis the array is flattened first. */
export function take(a: ArrayLike, indices: IndexArg, axis?: number | null | StreamOrDevice, s?: StreamOrDevice): array {
  if (typeof axis === 'object' && axis !== null) return track(N.take(toArr(a), toIndex(indices), null, streamArg(axis)));
  return track(N.take(toArr(a), toIndex(indices), axis ?? null, streamArg(s)));
}

/** `axis` null works on the flattened array, as in MLX. */
export const takeAlongAxis = (a: ArrayLike, indices: IndexArg, axis: number | null, s?: StreamOrDevice): array =>
  track(N.takeAlongAxis(toArr(a), toIndex(indices), axis, streamArg(s)));

export const putAlongAxis = (a: ArrayLike, indices: IndexArg, values: ArrayLike | number, axis: number | null,
  s?: StreamOrDevice): array => track(N.putAlongAxis(toArr(a), toIndex(indices), toArr(values), axis, streamArg(s)));

/** MLX `slice(a, start_indices, axes, slice_size)`: starts may be an array (dynamic) or numbers. */
export const slice = (a: ArrayLike, startIndices: IndexArg, axes: number[], sliceSize: number[], s?: StreamOrDevice): array =>
  track(N.sliceDynamic(toArr(a), toIndex(startIndices), axes, sliceSize, streamArg(s)));

/** MLX `slice_update(a, update, start_indices, axes)`. */
export const sliceUpdate = (a: ArrayLike, update: ArrayLike | number, startIndices: IndexArg, axes: number[],
  s?: StreamOrDevice): array =>
  track(N.sliceUpdateDynamic(toArr(a), toArr(update), toIndex(startIndices), axes, streamArg(s)));

const asTuple = (indices: Index | Index[]): Index[] => (Array.isArray(indices) ? indices : [indices]);

/** `a[indices] = value` in place: the handle `a` is rebound to the updated array (as MLX does). */
export function indexPut_(a: array, indices: Index | Index[], value: ArrayLike | number): array {
  const out = N.updateItem(a, asTuple(indices), toArr(value), 0);
  N.replace(a, out);
  out.dispose();
  return a;
}

const enum UpdateOp { set = 0, add, subtract, multiply, divide, maximum, minimum }

/** The object `a.at(indices)` returns: each method returns a new array. */
export class AtIndexer {
  constructor(private readonly a: array, private readonly indices: Index[]) {}
  private run(v: ArrayLike | number, op: UpdateOp): array { return track(N.updateItem(this.a, this.indices, toArr(v), op)); }
  add(v: ArrayLike | number): array { return this.run(v, UpdateOp.add); }
  subtract(v: ArrayLike | number): array { return this.run(v, UpdateOp.subtract); }
  multiply(v: ArrayLike | number): array { return this.run(v, UpdateOp.multiply); }
  divide(v: ArrayLike | number): array { return this.run(v, UpdateOp.divide); }
  maximum(v: ArrayLike | number): array { return this.run(v, UpdateOp.maximum); }
  minimum(v: ArrayLike | number): array { return this.run(v, UpdateOp.minimum); }
}

/** `a.at(indices)`; several indices may be passed as a list or spread. */
export function at(a: array, ...indices: (Index | Index[])[]): AtIndexer {
  const tuple = indices.length === 1 && Array.isArray(indices[0]) ? (indices[0] as Index[]) : (indices as Index[]);
  return new AtIndexer(a, tuple);
}
