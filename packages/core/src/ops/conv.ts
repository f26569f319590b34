// Convolutions (channels-last, as MLX): input [N, ...spatial, C_in], weight [C_out, ...kernel, C_in / groups].
import { toArr, type array, type ArrayLike } from '../array.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import { track } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike;
/** One value for every spatial dimension, or one per dimension. */
export type ConvParam = number | number[];

const conv = (nd: number, x: A, w: A, stride: ConvParam, padding: ConvParam, dilation: ConvParam, groups: number,
  s?: StreamOrDevice): array =>
  track(N.convNd(nd, toArr(x), toArr(w), stride, padding, dilation, groups, streamArg(s)));

const convT = (nd: number, x: A, w: A, stride: ConvParam, padding: ConvParam, dilation: ConvParam,
  outputPadding: ConvParam, groups: number, s?: StreamOrDevice): array =>
  track(N.convTransposeNd(nd, toArr(x), toArr(w), stride, padding, dilation, outputPadding, groups, streamArg(s)));

/** 1-D convolution over `[N, L, C_in]` with a `[C_out, K, C_in / groups]` kernel. */
export const conv1d = (input: A, weight: A, stride: ConvParam = 1, padding: ConvParam = 0, dilation: ConvParam = 1,
  groups = 1, s?: StreamOrDevice): array => conv(1, input, weight, stride, padding, dilation, groups, s);

/** 2-D convolution over `[N, H, W, C_in]` with a `[C_out, KH, KW, C_in / groups]` kernel. */
export const conv2d = (input: A, weight: A, stride: ConvParam = 1, padding: ConvParam = 0, dilation: ConvParam = 1,
  groups = 1, s?: StreamOrDevice): array => conv(2, input, weight, stride, padding, dilation, groups, s);

/** 3-D convolution over `[N, D, H, W, C_in]` with a `[C_out, KD, KH, KW, C_in / groups]` kernel. */
export const conv3d = (input: A, weight: A, stride: ConvParam = 1, padding: ConvParam = 0, dilation: ConvParam = 1,
  groups = 1, s?: StreamOrDevice): array => conv(3, input, weight, stride, padding, dilation, groups, s);

/** 1-D transposed convolution (the gradient of conv1d with respect to its input). */
export const convTranspose1d = (input: A, weight: A, stride: ConvParam = 1, padding: ConvParam = 0,
  dilation: ConvParam = 1, outputPadding: ConvParam = 0, groups = 1, s?: StreamOrDevice): array =>
  convT(1, input, weight, stride, padding, dilation, outputPadding, groups, s);

/** 2-D transposed convolution. */
export const convTranspose2d = (input: A, weight: A, stride: ConvParam = 1, padding: ConvParam = 0,
  dilation: ConvParam = 1, outputPadding: ConvParam = 0, groups = 1, s?: StreamOrDevice): array =>
  convT(2, input, weight, stride, padding, dilation, outputPadding, groups, s);

/** 3-D transposed convolution. */
export const convTranspose3d = (input: A, weight: A, stride: ConvParam = 1, padding: ConvParam = 0,
  dilation: ConvParam = 1, outputPadding: ConvParam = 0, groups = 1, s?: StreamOrDevice): array =>
  convT(3, input, weight, stride, padding, dilation, outputPadding, groups, s);

/**
 * General convolution (MLX's `conv_general`). `padding` is one value, one per spatial dimension, or a pair
 * `[low, high]` of per-dimension lists; negative padding crops the input.
 */
export const convGeneral = (input: A, weight: A, stride: ConvParam = 1,
  padding: number | number[] | [number[], number[]] = 0, kernelDilation: ConvParam = 1,
  inputDilation: ConvParam = 1, groups = 1, flip = false, s?: StreamOrDevice): array => {
  let lo: ConvParam, hi: ConvParam;
  if (Array.isArray(padding) && padding.length === 2 && Array.isArray(padding[0]) && Array.isArray(padding[1])) {
    [lo, hi] = padding as [number[], number[]];
  } else {
    lo = hi = padding as ConvParam;
  }
  return track(N.convGeneral(toArr(input), toArr(weight), stride, lo, hi, kernelDilation, inputDilation, groups, flip,
    streamArg(s)));
};

/** numpy-style discrete 1-D convolution; `mode` is `'full'`, `'same'` or `'valid'`. */
export const convolve = (a: A, v: A, mode: 'full' | 'same' | 'valid' = 'full', s?: StreamOrDevice): array =>
  track(N.convolve(toArr(a), toArr(v), mode, streamArg(s)));
