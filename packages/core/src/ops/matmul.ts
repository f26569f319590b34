// Matrix products.
import { toArr, type array, type ArrayLike } from '../array.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import { track } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike;

/** Matrix product with NumPy/MLX semantics: 1-D operands are promoted, batch dims broadcast. */
export const matmul = (a: A, b: A, s?: StreamOrDevice): array => track(N.matmul(toArr(a), toArr(b), streamArg(s)));

/** `alpha * (a @ b) + beta * c`, with `c` broadcast to the product's shape. */
export const addmm = (c: A, a: A, b: A, alpha = 1, beta = 1, s?: StreamOrDevice): array =>
  track(N.addmm(toArr(c), toArr(a), toArr(b), alpha, beta, streamArg(s)));
