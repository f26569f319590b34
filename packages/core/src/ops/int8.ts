// int8 linear layers with dynamic activation quantization (CTranslate2's "int8" compute type): weights are int8
// rows with one float scale per row; each row of the input is quantized to int8 on the fly and the product runs
// as an int8 x int8 GEMM (AVX-512 VNNI where the CPU has it) with float32 output.
import { toArr, type array, type ArrayLike } from '../array.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import { float32, int8 } from '../dtype.js';
import { track } from '../memory.js';
import { N } from '../native.js';
import { abs, round } from './unary.js';
import { clip, divide, greater, multiply, where } from './binary.js';
import { max } from './reduce.js';
import { astype, reshape } from './shape.js';

type A = ArrayLike;

/**
 * `x @ (w * scales[:, None]).T + bias` computed in int8: `w` int8 `[N, K]`, `scales` `[N]` (the dequantization
 * scale of each weight row), optional `bias` `[N]`, `x` floating `[..., K]` → `[..., N]` in x's dtype.
 * Each row r of x is quantized as `q = clip(rint(x * (127 / amax_r)), -127, 127)` with `amax_r = max |x[r]|`
 * (round half to even; a zero row gives zeros), and
 * `y[r, n] = float32(Σ_k q[r, k]·w[n, k]) · ((amax_r / 127) · scales[n]) + bias[n]` with an exact integer sum.
 * K may be at most 65536. Wrong dtypes throw DtypeError, wrong shapes ShapeError. Not differentiable with respect
 * to `w`/`scales`; the gradient with respect to x treats the activation quantization as the identity.
 */
export const int8Linear = (x: A, w: A, scales: A, bias?: A | null, s?: StreamOrDevice): array =>
  track(N.int8Linear(toArr(x), toArr(w), toArr(scales), bias === null || bias === undefined ? undefined : toArr(bias), streamArg(s)));

/**
 * Quantizes the rows of a floating matrix `w` `[N, K]` symmetrically to int8 for `int8Linear`:
 * `wq = clip(rint(w * (127 / amax_n)), -127, 127)`, `scales = amax_n / 127` (float32; zero rows give 0).
 * Returns `[wq (int8), scales]`.
 */
export function int8QuantizeRows(w: A, s?: StreamOrDevice): [array, array] {
  const wf = astype(w, float32, s);
  const amax = max(abs(wf, s), -1, true, s);
  const nonzero = greater(amax, 0, s);
  const safe = where(nonzero, amax, 1, s), recip = divide(127, safe, s);
  const inv = where(nonzero, recip, 0, s);
  const scaled = multiply(wf, inv, s), rounded = round(scaled, s), clipped = clip(rounded, -127, 127, s);
  const wq = astype(clipped, int8, s);
  const perRow = divide(amax, 127, s);
  const scales = reshape(perRow, [-1], s);
  for (const t of [wf, amax, nonzero, safe, recip, inv, scaled, rounded, clipped, perRow]) t.dispose();
  return [wq, scales];
}
