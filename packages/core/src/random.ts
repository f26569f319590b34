// mx.random: MLX's splittable counter-based PRNG (threefry2x32 keys) and its distributions.
// Arguments are positional in MLX's order (`uniform(low, high, shape, dtype, key)`); each function
// also accepts one options object, and where MLX lets its first optional argument be skipped an
// overload takes the next one directly (`uniform([2, 3])`, `normal([4], key)`).
import { array as mxArray, toArr, type array, type ArrayLike } from './array.js';
import { streamArg, type StreamOrDevice } from './device.js';
import { Dtype } from './dtype.js';
import { track } from './memory.js';
import { N } from './native.js';

type Shape = number[];
type ScalarOrArray = number | ArrayLike;

const isOpts = (x: unknown): x is Record<string, any> =>
  x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype;
const isKey = (x: unknown): x is array => x instanceof (mxArray as any);
const isShape = (x: unknown): x is Shape => Array.isArray(x) && x.every((v) => typeof v === 'number');
const dt = (d: Dtype | null | undefined) => (d == null ? undefined : d.id);
const opt = (x: ScalarOrArray | null | undefined) => (x == null ? undefined : toArr(x as any));

/** A PRNG key (uint32 [2]) from a seed. */
export const key = (seed: number | bigint): array => track(N.randomKey(seed));

/** Seeds the global PRNG. */
export function seed(s: number | bigint): void {
  N.randomSeed(s);
}

/** Splits a key into `num` sub keys: uint32 [num, 2]. */
export const split = (k: array, num = 2, s?: StreamOrDevice): array => track(N.randomSplit(k, num, streamArg(s)));

/** Raw random bits of `width` bytes (1, 2 or 4) per element: uint8 / uint16 / uint32. */
export function bits(shape: Shape = [], width: number | array = 4, k?: array | null, s?: StreamOrDevice): array {
  if (isKey(width)) return track(N.randomBits(shape, 4, width, streamArg(k as any)));
  return track(N.randomBits(shape, width, k ?? undefined, streamArg(s)));
}

export interface UniformOptions { low?: ScalarOrArray; high?: ScalarOrArray; shape?: Shape; dtype?: Dtype; key?: array; stream?: StreamOrDevice }
/** Uniform samples in [low, high). Also `uniform(shape, dtype?, key?)` and `uniform({ ... })`. */
export function uniform(opts: UniformOptions): array;
export function uniform(shape: Shape, dtype?: Dtype | null, key?: array | null, s?: StreamOrDevice): array;
export function uniform(low?: ScalarOrArray, high?: ScalarOrArray, shape?: Shape, dtype?: Dtype | null, key?: array | null, s?: StreamOrDevice): array;
export function uniform(a?: any, b?: any, c?: any, d?: any, e?: any, f?: any): array {
  if (isOpts(a)) return uniform(a.low ?? 0, a.high ?? 1, a.shape, a.dtype, a.key, a.stream);
  if (isShape(a) && (b == null || b instanceof Dtype)) return uniform(0, 1, a, b, c, d);
  return track(N.randomUniform(opt(a), opt(b), c ?? [], dt(d), e ?? undefined, streamArg(f)));
}

export interface NormalOptions { shape?: Shape; dtype?: Dtype; loc?: ScalarOrArray; scale?: ScalarOrArray; key?: array; stream?: StreamOrDevice }
/** Normal samples: loc + scale * N(0, 1) (complex64: real and imaginary parts ~ N(0, 1/2)). */
export function normal(opts: NormalOptions): array;
export function normal(shape: Shape, key: array): array;
export function normal(shape?: Shape, dtype?: Dtype | null, loc?: ScalarOrArray | null, scale?: ScalarOrArray | null, key?: array | null, s?: StreamOrDevice): array;
export function normal(a?: any, b?: any, c?: any, d?: any, e?: any, f?: any): array {
  if (isOpts(a)) return normal(a.shape, a.dtype, a.loc, a.scale, a.key, a.stream);
  if (isKey(b)) return normal(a, undefined, undefined, undefined, b, c);
  return track(N.randomNormal(a ?? [], dt(b), opt(c), opt(d), e ?? undefined, streamArg(f)));
}

export interface RandintOptions { low: ScalarOrArray; high: ScalarOrArray; shape?: Shape; dtype?: Dtype; key?: array; stream?: StreamOrDevice }
/** Integers in [low, high) (default int32). */
export function randint(opts: RandintOptions): array;
export function randint(low: ScalarOrArray, high: ScalarOrArray, shape?: Shape, dtype?: Dtype | null, key?: array | null, s?: StreamOrDevice): array;
export function randint(a: any, b?: any, c?: any, d?: any, e?: any, f?: any): array {
  if (isOpts(a)) return randint(a.low, a.high, a.shape, a.dtype, a.key, a.stream);
  return track(N.randomRandint(toArr(a), toArr(b), c ?? [], dt(d), e ?? undefined, streamArg(f)));
}

export interface BernoulliOptions { p?: ScalarOrArray; shape?: Shape; key?: array; stream?: StreamOrDevice }
/** Booleans that are true with probability p (shape defaults to p's shape). */
export function bernoulli(opts: BernoulliOptions): array;
export function bernoulli(p: ScalarOrArray, key: array): array;
export function bernoulli(p?: ScalarOrArray, shape?: Shape | null, key?: array | null, s?: StreamOrDevice): array;
export function bernoulli(a?: any, b?: any, c?: any, d?: any): array {
  if (isOpts(a)) return bernoulli(a.p, a.shape, a.key, a.stream);
  if (isKey(b)) return bernoulli(a, undefined, b, c);
  return track(N.randomBernoulli(opt(a), b ?? undefined, c ?? undefined, streamArg(d)));
}

export interface TruncatedNormalOptions { lower: ScalarOrArray; upper: ScalarOrArray; shape?: Shape; dtype?: Dtype; key?: array; stream?: StreamOrDevice }
/** Normal samples truncated to (lower, upper). */
export function truncatedNormal(opts: TruncatedNormalOptions): array;
export function truncatedNormal(lower: ScalarOrArray, upper: ScalarOrArray, shape?: Shape | null, dtype?: Dtype | null, key?: array | null, s?: StreamOrDevice): array;
export function truncatedNormal(a: any, b?: any, c?: any, d?: any, e?: any, f?: any): array {
  if (isOpts(a)) return truncatedNormal(a.lower, a.upper, a.shape, a.dtype, a.key, a.stream);
  return track(N.randomTruncatedNormal(toArr(a), toArr(b), c ?? undefined, dt(d), e ?? undefined, streamArg(f)));
}

/** Standard Gumbel samples. */
export function gumbel(shape: Shape = [], dtype?: Dtype | null | array, key?: array | null, s?: StreamOrDevice): array {
  if (isKey(dtype)) return gumbel(shape, undefined, dtype, key as any);
  return track(N.randomGumbel(shape, dt(dtype as Dtype), key ?? undefined, streamArg(s)));
}

export interface CategoricalOptions { axis?: number; shape?: Shape; numSamples?: number; key?: array; stream?: StreamOrDevice }
/** Samples category indices (uint32) from unnormalised logits along `axis`. */
export function categorical(logits: ArrayLike, opts: CategoricalOptions): array;
export function categorical(logits: ArrayLike, axis?: number, shape?: Shape | null, numSamples?: number | null, key?: array | null, s?: StreamOrDevice): array;
export function categorical(logits: ArrayLike, a?: any, b?: any, c?: any, d?: any, e?: any): array {
  if (isOpts(a)) return categorical(logits, a.axis, a.shape, a.numSamples, a.key, a.stream);
  return track(N.randomCategorical(toArr(logits), a ?? -1, b ?? undefined, c ?? undefined, d ?? undefined, streamArg(e)));
}

export interface LaplaceOptions { shape?: Shape; dtype?: Dtype; loc?: number; scale?: number; key?: array; stream?: StreamOrDevice }
/** Laplace samples with location `loc` and scale `scale`. */
export function laplace(opts: LaplaceOptions): array;
export function laplace(shape?: Shape, dtype?: Dtype | null, loc?: number, scale?: number, key?: array | null, s?: StreamOrDevice): array;
export function laplace(a?: any, b?: any, c?: any, d?: any, e?: any, f?: any): array {
  if (isOpts(a)) return laplace(a.shape, a.dtype, a.loc, a.scale, a.key, a.stream);
  return track(N.randomLaplace(a ?? [], dt(b), c, d, e ?? undefined, streamArg(f)));
}

/** A random permutation of arange(n) (uint32), or `x` shuffled along `axis`. */
export function permutation(x: number | ArrayLike, axis: number | array = 0, key?: array | null, s?: StreamOrDevice): array {
  if (isKey(axis)) return permutation(x, 0, axis, key as any);
  const v = typeof x === 'number' ? x : toArr(x);
  return track(N.randomPermutation(v, axis, key ?? undefined, streamArg(s)));
}

/** Jointly normal samples with the given mean [..., n] and covariance [..., n, n]. */
export function multivariateNormal(mean: ArrayLike, cov: ArrayLike, shape: Shape = [], dtype?: Dtype | null,
                                   key?: array | null, s?: StreamOrDevice): array {
  return track(N.randomMultivariateNormal(toArr(mean), toArr(cov), shape, dt(dtype), key ?? undefined, streamArg(s)));
}
