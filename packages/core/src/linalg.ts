// mx.linalg with MLX's signatures (positional, camelCase). Factorizations act on the last two
// axes and are batched over the leading ones; inputs must be float32 or float64 (CPU).
// Singular or non-positive-definite inputs to inv / solve / triInv / cholesky throw
// InvalidArgumentError; non-square input throws ShapeError; other dtypes throw DtypeError.
import { toArr, type array, type ArrayLike } from './array.js';
import { streamArg, type StreamOrDevice } from './device.js';
import { track, trackAll } from './memory.js';
import { N } from './native.js';

type A = ArrayLike;
export type NormOrd = number | 'fro' | 'nuc' | null;

/** Vector or matrix norm (MLX's ord / axis rules; ord null with axis null: 2-norm of the flattened array). */
export const norm = (a: A, ord: NormOrd = null, axis: number | number[] | null = null, keepdims = false,
  s?: StreamOrDevice): array => track(N.linalgNorm(toArr(a), ord ?? undefined, axis ?? undefined, keepdims, streamArg(s)));
/** Inverse of each square matrix; throws for singular input. */
export const inv = (a: A, s?: StreamOrDevice): array => track(N.linalgInv(toArr(a), streamArg(s)));
/** Inverse of the lower (or upper) triangle. */
export const triInv = (a: A, upper = false, s?: StreamOrDevice): array =>
  track(N.linalgTriInv(toArr(a), upper, streamArg(s)));
/** Cholesky factor from the lower (upper) triangle: A = L L^T (A = U^T U). */
export const cholesky = (a: A, upper = false, s?: StreamOrDevice): array =>
  track(N.linalgCholesky(toArr(a), upper, streamArg(s)));
/** Inverse of A from its Cholesky factor. */
export const choleskyInv = (l: A, upper = false, s?: StreamOrDevice): array =>
  track(N.linalgCholeskyInv(toArr(l), upper, streamArg(s)));
/** Moore-Penrose pseudo-inverse (through the SVD). */
export const pinv = (a: A, s?: StreamOrDevice): array => track(N.linalgPinv(toArr(a), streamArg(s)));
/** Cross product of 2- or 3-vectors along `axis`. */
export const cross = (a: A, b: A, axis = -1, s?: StreamOrDevice): array =>
  track(N.linalgCross(toArr(a), toArr(b), axis, streamArg(s)));
/** Reduced QR: [Q (M x K), R (K x N)]. */
export const qr = (a: A, s?: StreamOrDevice): [array, array] =>
  trackAll(N.linalgQr(toArr(a), streamArg(s))) as [array, array];

/** Full SVD: [U (M x M), S (K), Vt (N x N)], or S alone when computeUv is false. */
export function svd(a: A, computeUv?: true, s?: StreamOrDevice): [array, array, array];
export function svd(a: A, computeUv: false, s?: StreamOrDevice): array;
export function svd(a: A, computeUv?: boolean, s?: StreamOrDevice): [array, array, array] | array;
export function svd(a: A, computeUv = true, s?: StreamOrDevice): [array, array, array] | array {
  const r = N.linalgSvd(toArr(a), computeUv, streamArg(s));
  return computeUv ? (trackAll(r) as [array, array, array]) : track(r);
}

/** Eigen-decomposition of symmetric matrices from the UPLO triangle: [w ascending, V]. */
export const eigh = (a: A, UPLO: 'L' | 'U' = 'L', s?: StreamOrDevice): [array, array] =>
  trackAll(N.linalgEigh(toArr(a), UPLO, streamArg(s))) as [array, array];
export const eigvalsh = (a: A, UPLO: 'L' | 'U' = 'L', s?: StreamOrDevice): array =>
  track(N.linalgEigvalsh(toArr(a), UPLO, streamArg(s)));
/** General eigen-decomposition: complex64 [w, V]. */
export const eig = (a: A, s?: StreamOrDevice): [array, array] =>
  trackAll(N.linalgEig(toArr(a), streamArg(s))) as [array, array];
export const eigvals = (a: A, s?: StreamOrDevice): array => track(N.linalgEigvals(toArr(a), streamArg(s)));
/** LU with partial pivoting: [P (uint32 row permutation, A = L[P] @ U), L, U]. */
export const lu = (a: A, s?: StreamOrDevice): [array, array, array] =>
  trackAll(N.linalgLu(toArr(a), streamArg(s))) as [array, array, array];
/** Packed LU and LAPACK-style uint32 pivots: [LU, pivots]. */
export const luFactor = (a: A, s?: StreamOrDevice): [array, array] =>
  trackAll(N.linalgLuFactor(toArr(a), streamArg(s))) as [array, array];
/** Solves a x = b (b a vector when 1-D, else matrices; batch dims broadcast). */
export const solve = (a: A, b: A, s?: StreamOrDevice): array =>
  track(N.linalgSolve(toArr(a), toArr(b), streamArg(s)));
export const solveTriangular = (a: A, b: A, upper = false, s?: StreamOrDevice): array =>
  track(N.linalgSolveTriangular(toArr(a), toArr(b), upper, streamArg(s)));
export const det = (a: A, s?: StreamOrDevice): array => track(N.linalgDet(toArr(a), streamArg(s)));
/** [sign, log|det|]. */
export const slogdet = (a: A, s?: StreamOrDevice): [array, array] =>
  trackAll(N.linalgSlogdet(toArr(a), streamArg(s))) as [array, array];
