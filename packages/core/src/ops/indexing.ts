// Basic indexing: numbers, Slice, null (new axis) and '...'. Advanced (array) indices belong
// to the gather family and are routed there when present.
import { type array } from '../array.js';
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

/** Hook for advanced indexing (integer/boolean arrays), installed by the gather family. */
export let advancedIndex: ((a: array, indices: Index[]) => array) | undefined;
export function setAdvancedIndex(fn: (a: array, indices: Index[]) => array) { advancedIndex = fn; }

export function index(a: array, ...indices: Index[]): array {
  if (indices.some((i) => i instanceof N.NativeArray)) {
    if (!advancedIndex) throw new InvalidArgumentError('[index] Array indices are not supported yet.');
    return advancedIndex(a, indices);
  }
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
