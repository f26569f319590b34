// Attention over a paged KV cache (continuous batching): queries from many sequences in one flat list, keys and
// values read in place from slot pools through each sequence's slot table (no gathered or padded copies).
import { toArr, type array, type ArrayLike } from '../array.js';
import { streamArg, type StreamOrDevice } from '../device.js';
import { track } from '../memory.js';
import { N } from '../native.js';

type A = ArrayLike;

/**
 * `out[i, h] = softmax(scale · q[i, h] · K_iᵀ) · V_i` for every query i, where K_i / V_i are the rows of `kPool` /
 * `vPool` at the slots `slotTable[querySeq[i], j]` for key positions `j` in `[max(0, end − window), end)`,
 * `end = queryEnd[i]`, and kv head `h / (Hq / Hkv)` (grouped-query attention).
 * - `q` float32 `[N, Hq, D]`; `kPool` float32 `[S, Hkv, D]`; `vPool` float32 `[S, Hkv, Dv]`
 * - `slotTable` int32 `[T, L]` (row t: sequence t's key slots in position order; entries past a row's use are
 *   ignored); `querySeq` int32 `[N]` (each query's table row); `queryEnd` int32 `[N]` (1 ≤ end ≤ L)
 * - `window`: 0 (default) attends to every key before `end`; otherwise to the last `window` of them.
 * Returns float32 `[N, Hq, Dv]`. Each query's result is bit-identical however the batch is composed (the CPU
 * kernel never lets other queries change a row's arithmetic). Wrong dtypes throw DtypeError, wrong shapes
 * ShapeError; out-of-range ends or slots throw IndexError when evaluated. CPU and CUDA kernels; not differentiable.
 */
export const pagedAttention = (q: A, kPool: A, vPool: A, slotTable: A, querySeq: A, queryEnd: A, scale: number,
  window = 0, s?: StreamOrDevice): array =>
  track(N.pagedAttention(toArr(q), toArr(kPool), toArr(vPool), toArr(slotTable), toArr(querySeq), toArr(queryEnd),
    scale, window, streamArg(s)));
