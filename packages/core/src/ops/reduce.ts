// Reductions. Every op follows MLX's positional order `(a, axis?, keepdims?, …, s?)`; `axis` is a
// number, a list of numbers, or undefined/null for every axis. `sum(a, true)` means keepdims, and
// a trailing Stream/Device may come early (`sum(a, mx.cpu)`), as API.md rule 2 asks.
import { toArr, type array, type ArrayLike } from '../array.js';
import { Device, Stream, streamArg, type StreamOrDevice } from '../device.js';
import { track } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike;
export type Axis = number | number[] | null | undefined;

const isStream = (x: unknown): x is Stream | Device => x instanceof Stream || x instanceof Device;

/** Splits `(axis?, keepdims?, ...rest, s?)` accepting the skipped-argument overloads. */
function parse(args: unknown[], nExtra: number): { axis: Axis; keepdims: boolean; extra: unknown[]; s: StreamOrDevice } {
  const a = [...args];
  let s: StreamOrDevice;
  const si = a.findIndex(isStream);
  if (si >= 0) { s = a[si] as StreamOrDevice; a.length = si; }
  let axis: Axis;
  if (typeof a[0] === 'boolean') a.unshift(undefined);
  axis = a[0] as Axis;
  const keepdims = a[1] === undefined || a[1] === null ? false : Boolean(a[1]);
  return { axis, keepdims, extra: a.slice(2, 2 + nExtra), s };
}

type ReduceFn = {
  (a: A, keepdims: boolean, s?: StreamOrDevice): array;
  (a: A, s: StreamOrDevice): array;
  (a: A, axis?: Axis, keepdims?: boolean, s?: StreamOrDevice): array;
};

function reducer(name: string): ReduceFn {
  return ((a: A, ...args: unknown[]) => {
    const { axis, keepdims, s } = parse(args, 0);
    return track(N[name](toArr(a), axis ?? undefined, keepdims, streamArg(s)));
  }) as ReduceFn;
}

export const sum = reducer('sum');
export const prod = reducer('prod');
export const max = reducer('max');
export const min = reducer('min');
export const all = reducer('all');
export const any = reducer('any');
export const mean = reducer('mean');
export const logsumexp = reducer('logsumexp');

type VarFn = {
  (a: A, keepdims: boolean, ddof?: number, s?: StreamOrDevice): array;
  (a: A, s: StreamOrDevice): array;
  (a: A, axis?: Axis, keepdims?: boolean, ddof?: number, s?: StreamOrDevice): array;
};
function varLike(name: string): VarFn {
  return ((a: A, ...args: unknown[]) => {
    const { axis, keepdims, extra, s } = parse(args, 1);
    return track(N[name](toArr(a), axis ?? undefined, keepdims, (extra[0] as number | undefined) ?? 0, streamArg(s)));
  }) as VarFn;
}
/** MLX's `var` (a reserved word in JS). */
export const variance = varLike('variance');
export const std = varLike('std');

type ArgFn = {
  (a: A, keepdims: boolean, s?: StreamOrDevice): array;
  (a: A, s: StreamOrDevice): array;
  (a: A, axis?: number | null, keepdims?: boolean, s?: StreamOrDevice): array;
};
function argLike(name: string): ArgFn {
  return ((a: A, ...args: unknown[]) => {
    const { axis, keepdims, s } = parse(args, 0);
    return track(N[name](toArr(a), axis ?? undefined, keepdims, streamArg(s)));
  }) as ArgFn;
}
/** Index (uint32) of the first maximum along one axis, or of the flattened array. */
export const argmax = argLike('argmax');
export const argmin = argLike('argmin');

type SoftmaxFn = {
  (a: A, precise: boolean, s?: StreamOrDevice): array;
  (a: A, s: StreamOrDevice): array;
  (a: A, axis?: Axis, precise?: boolean, s?: StreamOrDevice): array;
};
/** Softmax over `axis` (default: every axis), numerically stable. */
export const softmax = ((a: A, ...args: unknown[]) => {
  const { axis, keepdims: precise, s } = parse(args, 0);
  return track(N.softmax(toArr(a), axis ?? undefined, precise, streamArg(s)));
}) as SoftmaxFn;
