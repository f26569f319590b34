// mx.fft: discrete Fourier transforms with MLX's signatures. Every function takes MLX's
// arguments positionally: 1-D (a, n?, axis = -1, norm = 'backward', stream?), 2-D and n-D
// (a, s?, axes?, norm = 'backward', stream?). For the n-D forms `axes` undefined or null means
// all axes (then `s` must be omitted); the 2-D forms default to the last two axes and take
// null for all axes, as MLX's `axes=None`.
import { toArr, type array, type ArrayLike } from './array.js';
import { streamArg, type StreamOrDevice } from './device.js';
import { track } from './memory.js';
import { N } from './native.js';

export type Norm = 'backward' | 'ortho' | 'forward';
type A = ArrayLike;
type Axes = number[] | null;

/** One-dimensional discrete Fourier transform along `axis` (zero-pads or crops to `n`). */
export const fft = (a: A, n?: number | null, axis = -1, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftFft(toArr(a), n ?? undefined, axis, norm, streamArg(s)));
/** One-dimensional inverse discrete Fourier transform. */
export const ifft = (a: A, n?: number | null, axis = -1, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftIfft(toArr(a), n ?? undefined, axis, norm, streamArg(s)));
/** Real-input transform: `n / 2 + 1` complex bins along `axis`. */
export const rfft = (a: A, n?: number | null, axis = -1, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftRfft(toArr(a), n ?? undefined, axis, norm, streamArg(s)));
/** Inverse of rfft: `n` real samples (default `2 * (a.shape[axis] - 1)`). */
export const irfft = (a: A, n?: number | null, axis = -1, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftIrfft(toArr(a), n ?? undefined, axis, norm, streamArg(s)));

export const fft2 = (a: A, sizes?: number[] | null, axes?: Axes, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftFft2(toArr(a), sizes ?? undefined, axes, norm, streamArg(s)));
export const ifft2 = (a: A, sizes?: number[] | null, axes?: Axes, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftIfft2(toArr(a), sizes ?? undefined, axes, norm, streamArg(s)));
export const rfft2 = (a: A, sizes?: number[] | null, axes?: Axes, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftRfft2(toArr(a), sizes ?? undefined, axes, norm, streamArg(s)));
export const irfft2 = (a: A, sizes?: number[] | null, axes?: Axes, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftIrfft2(toArr(a), sizes ?? undefined, axes, norm, streamArg(s)));

export const fftn = (a: A, sizes?: number[] | null, axes?: Axes, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftFftn(toArr(a), sizes ?? undefined, axes ?? undefined, norm, streamArg(s)));
export const ifftn = (a: A, sizes?: number[] | null, axes?: Axes, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftIfftn(toArr(a), sizes ?? undefined, axes ?? undefined, norm, streamArg(s)));
export const rfftn = (a: A, sizes?: number[] | null, axes?: Axes, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftRfftn(toArr(a), sizes ?? undefined, axes ?? undefined, norm, streamArg(s)));
export const irfftn = (a: A, sizes?: number[] | null, axes?: Axes, norm: Norm = 'backward', s?: StreamOrDevice): array =>
  track(N.fftIrfftn(toArr(a), sizes ?? undefined, axes ?? undefined, norm, streamArg(s)));

/** Moves the zero-frequency bin to the centre along `axes` (default: all axes). */
export const fftshift = (a: A, axes?: number | number[] | null, s?: StreamOrDevice): array =>
  track(N.fftFftshift(toArr(a), axes ?? undefined, streamArg(s)));
/** The inverse of fftshift. */
export const ifftshift = (a: A, axes?: number | number[] | null, s?: StreamOrDevice): array =>
  track(N.fftIfftshift(toArr(a), axes ?? undefined, streamArg(s)));
