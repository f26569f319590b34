// Elementwise unary ops. Output dtypes follow MLX: math ops give float32 for integer and
// bool inputs; predicates give bool; abs/real/imag of complex64 give float32.
import { toArr, type array, type ArrayLike } from '../array.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import { track } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike | number | boolean;
type UnaryFn = (a: A, s?: StreamOrDevice) => array;
const u = (name: string): UnaryFn => (a, s) => track(N[name](toArr(a), streamArg(s)));

export const abs = u('abs');
export const negative = u('negative');
export const sign = u('sign');
export const sqrt = u('sqrt');
export const rsqrt = u('rsqrt');
export const square = u('square');
export const reciprocal = u('reciprocal');
export const exp = u('exp');
export const expm1 = u('expm1');
export const log = u('log');
export const log2 = u('log2');
export const log10 = u('log10');
export const log1p = u('log1p');
export const sin = u('sin');
export const cos = u('cos');
export const tan = u('tan');
export const arcsin = u('arcsin');
export const arccos = u('arccos');
export const arctan = u('arctan');
export const sinh = u('sinh');
export const cosh = u('cosh');
export const tanh = u('tanh');
export const arcsinh = u('arcsinh');
export const arccosh = u('arccosh');
export const arctanh = u('arctanh');
export const sigmoid = u('sigmoid');
export const erf = u('erf');
export const erfinv = u('erfinv');
export const floor = u('floor');
export const ceil = u('ceil');
export const isnan = u('isnan');
export const isinf = u('isinf');
export const isfinite = u('isfinite');
export const isposinf = u('isposinf');
export const isneginf = u('isneginf');
export const logicalNot = u('logicalNot');
/** Integer and bool dtypes only (DtypeError otherwise). */
export const bitwiseInvert = u('bitwiseInvert');
export const degrees = u('degrees');
export const radians = u('radians');
export const conjugate = u('conjugate');
export const conj = conjugate;
export const real = u('real');
export const imag = u('imag');
/** Identity for now (no gradients flow through it once transforms exist). */
export const stopGradient = u('stopGradient');

/** Rounds half to even; `decimals` may be negative, as in MLX. */
export function round(a: A, decimals?: number | StreamOrDevice, s?: StreamOrDevice): array {
  if (typeof decimals !== 'number' && decimals !== undefined) return track(N.round(toArr(a), 0, streamArg(decimals)));
  return track(N.round(toArr(a), decimals ?? 0, streamArg(s)));
}

/** Replaces NaN with `nan` and infinities with `posinf`/`neginf` (default: the dtype's finite extremes). */
export function nanToNum(a: A, nan = 0, posinf?: number | null, neginf?: number | null, s?: StreamOrDevice): array {
  return track(N.nanToNum(toArr(a), nan, posinf ?? undefined, neginf ?? undefined, streamArg(s)));
}
