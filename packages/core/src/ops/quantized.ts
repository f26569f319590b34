// Affine quantization (MLX's default "affine" mode): quantize / dequantize, quantized matmuls, gather matmuls.
import { toArr, type array, type ArrayLike } from '../array.js';
import type { Dtype } from '../dtype.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import { track, trackAll } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike;
type Opt<T> = T | null | undefined;
const opt = (a: Opt<A>): array | undefined => (a === null || a === undefined ? undefined : toArr(a));

/**
 * Quantizes the last axis of `w` in groups of `groupSize` (32, 64 or 128; default 64) with `bits`
 * (1, 2, 3, 4, 5, 6 or 8; default 4). Returns `[wq (uint32, packed low bits first), scales, biases]`.
 */
export const quantize = (w: A, groupSize?: Opt<number>, bits?: Opt<number>, mode = 'affine',
  s?: StreamOrDevice): [array, array, array] =>
  trackAll(N.quantize(toArr(w), groupSize ?? undefined, bits ?? undefined, mode, streamArg(s))) as [array, array, array];

/** `scale * q + bias` per group; the result has the dtype of scales/biases unless `dtype` is given. */
export const dequantize = (w: A, scales: A, biases?: Opt<A>, groupSize?: Opt<number>, bits?: Opt<number>,
  mode = 'affine', dtype?: Opt<Dtype>, s?: StreamOrDevice): array =>
  track(N.dequantize(toArr(w), toArr(scales), opt(biases), groupSize ?? undefined, bits ?? undefined, mode,
    dtype ? dtype.id : undefined, streamArg(s)));

/** `x @ dequantize(w).T` (transpose = true, the default) or `x @ dequantize(w)`, reading packed weights directly. */
export const quantizedMatmul = (x: A, w: A, scales: A, biases?: Opt<A>, transpose = true, groupSize?: Opt<number>,
  bits?: Opt<number>, mode = 'affine', s?: StreamOrDevice): array =>
  track(N.quantizedMatmul(toArr(x), toArr(w), toArr(scales), opt(biases), transpose, groupSize ?? undefined,
    bits ?? undefined, mode, streamArg(s)));

/** Matmul of the batch items of `a` and `b` picked by flat `lhsIndices` / `rhsIndices` (broadcast together). */
export const gatherMM = (a: A, b: A, lhsIndices?: Opt<A>, rhsIndices?: Opt<A>, sortedIndices = false,
  s?: StreamOrDevice): array =>
  track(N.gatherMM(toArr(a), toArr(b), opt(lhsIndices), opt(rhsIndices), sortedIndices, streamArg(s)));

/** Quantized counterpart of `gatherMM` (`scales`/`biases` share `w`'s batch dims). */
export const gatherQMM = (x: A, w: A, scales: A, biases?: Opt<A>, lhsIndices?: Opt<A>, rhsIndices?: Opt<A>,
  transpose = true, groupSize?: Opt<number>, bits?: Opt<number>, mode = 'affine', sortedIndices = false,
  s?: StreamOrDevice): array =>
  track(N.gatherQMM(toArr(x), toArr(w), toArr(scales), opt(biases), opt(lhsIndices), opt(rhsIndices), transpose,
    groupSize ?? undefined, bits ?? undefined, mode, sortedIndices, streamArg(s)));
