// Elementwise binary and ternary ops with MLX's broadcasting and type promotion. A JS number
// beside an array is weakly typed (it takes the array's dtype when it fits, as in MLX).
import { toArr, type array, type ArrayLike } from '../array.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import { track, trackAll } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike | number | boolean;
type Bin = (a: A, b: A, s?: StreamOrDevice) => array;

const bin = (name: string): Bin => {
  const f = N[name];
  return (a, b, s) => track(f(toArr(a), toArr(b), streamArg(s)));
};

export const add = bin('add');
export const subtract = bin('subtract');
export const multiply = bin('multiply');
/** Integer inputs divide as float32, as in MLX. */
export const divide = bin('divide');
export const floorDivide = bin('floorDivide');
/** Python sign rules: the result has the sign of the divisor. */
export const remainder = bin('remainder');
export const power = bin('power');
/** NaN propagates. */
export const maximum = bin('maximum');
export const minimum = bin('minimum');
export const arctan2 = bin('arctan2');
export const logaddexp = bin('logaddexp');
export const equal = bin('equal');
export const notEqual = bin('notEqual');
export const less = bin('less');
export const lessEqual = bin('lessEqual');
export const greater = bin('greater');
export const greaterEqual = bin('greaterEqual');
export const logicalAnd = bin('logicalAnd');
export const logicalOr = bin('logicalOr');
export const bitwiseAnd = bin('bitwiseAnd');
export const bitwiseOr = bin('bitwiseOr');
export const bitwiseXor = bin('bitwiseXor');
export const leftShift = bin('leftShift');
export const rightShift = bin('rightShift');

/** Python's divmod: `[floorDivide(a, b), remainder(a, b)]` computed together. */
export const divmod = (a: A, b: A, s?: StreamOrDevice): [array, array] =>
  trackAll(N.divmod(toArr(a), toArr(b), streamArg(s))) as [array, array];

/** Elements of `x` where `condition` is true, else of `y`; all three broadcast. */
export const where = (condition: A, x: A, y: A, s?: StreamOrDevice): array =>
  track(N.where(toArr(condition), toArr(x), toArr(y), streamArg(s)));

/** Clips to [aMin, aMax]; either bound may be null (not both). */
export const clip = (a: A, aMin: A | null | undefined, aMax: A | null | undefined, s?: StreamOrDevice): array =>
  track(N.clip(toArr(a), aMin == null ? null : toArr(aMin), aMax == null ? null : toArr(aMax), streamArg(s)));

/** |a - b| <= atol + rtol * |b| elementwise; infinities match only themselves. */
export const isclose = (a: A, b: A, rtol = 1e-5, atol = 1e-8, equalNan = false, s?: StreamOrDevice): array =>
  track(N.isclose(toArr(a), toArr(b), rtol, atol, equalNan, streamArg(s)));

/** A bool scalar array: isclose holds everywhere. */
export const allclose = (a: A, b: A, rtol = 1e-5, atol = 1e-8, equalNan = false, s?: StreamOrDevice): array =>
  track(N.allclose(toArr(a), toArr(b), rtol, atol, equalNan, streamArg(s)));

/** A bool scalar array: same shape and equal values (dtypes may differ). */
export const arrayEqual = (a: A, b: A, equalNan = false, s?: StreamOrDevice): array =>
  track(N.arrayEqual(toArr(a), toArr(b), equalNan, streamArg(s)));
