// Decode rows (one new token per sequence) as one compiled, fixed-shape program. The rows are padded to a bucket
// (1, 8, 16, 32, 64) and the slot table to a power-of-two width, so the model is traced once per (bucket, width)
// and later steps replay natively: JS no longer builds the step's ~600 ops one by one. Everything that changes
// between steps is an input array: tokens, RoPE positions, the slot each row writes, the slot table, each row's
// context end. The KV pools go in and come out (a functional scatter that takes the donated pool buffer, so it
// runs in place); outputs are [greedy tokens, logits, ...K pools, ...V pools]. No host synchronisation happens
// inside, so the program can be replayed as one CUDA graph: where the engine's compile takes
// `{ cudaGraph, state }` (CUDA-graph replay of compiled GPU programs), the step asks for it with `stateMap()`
// pairing the pool outputs with the pool inputs (on by default on the GPU; MLX_SERVE_CUDA_GRAPH=0 turns it off).
// Padding rows read and write only the scratch slot; every real row's attention sees only its own slots.
import * as mx from '@mlx/core';
import type { PagedKv } from './kv/paged-kv.js';
import type { AttendFn, BatchedLM } from './model.js';

export const DECODE_BUCKETS: readonly number[] = [1, 8, 16, 32, 64];

/** One sequence's decode row: the token at `position` (its K/V go to the slot of that position). */
export interface DecodeRow { token: number; position: number; blockTable: readonly number[] }

/** Whether this engine's mx.compile takes an options object (its compiled functions then have dispose()). */
function compileTakesOptions(): boolean {
  const probe = mx.compile((x: mx.array) => x) as unknown as { dispose?: () => void };
  const ok = typeof probe.dispose === 'function';
  probe.dispose?.();
  return ok;
}

type StepFn = (tokens: mx.array, positions: mx.array, write: mx.array, table: mx.array, queryEnd: mx.array,
  rowIds: mx.array, kPools: mx.array[], vPools: mx.array[]) => mx.array[];

export class CompiledDecode {
  readonly buckets: readonly number[];
  private readonly fn: StepFn;
  private readonly rowIds = new Map<number, mx.array>();
  /** (bucket, width) pairs traced so far. */
  readonly traced = new Set<string>();

  /** True when the program was compiled for CUDA-graph replay. */
  readonly cudaGraph: boolean;

  constructor(private readonly model: BatchedLM, private readonly kv: PagedKv, buckets: readonly number[] = DECODE_BUCKETS,
    opts: { cudaGraph?: boolean } = {}) {
    if (kv.attention !== 'paged') throw new Error('CompiledDecode needs the paged attention path (float32 KV pools).');
    this.buckets = [...buckets].sort((a, b) => a - b);
    const layout = model.kv;
    const scale = layout.attnScale ?? 1 / Math.sqrt(layout.headDim);
    const env = process.env.MLX_SERVE_CUDA_GRAPH;
    this.cudaGraph = (opts.cudaGraph ?? (env === '1' || (env !== '0' && !mx.defaultDevice().equals(mx.cpu)))) && compileTakesOptions();
    const program = (tokens: mx.array, positions: mx.array, write: mx.array, table: mx.array, queryEnd: mx.array,
      rowIds: mx.array, kPools: mx.array[], vPools: mx.array[]) => {
      const B = tokens.shape[0];
      const at = write.reshape([B, 1, 1]);
      const newK: mx.array[] = [], newV: mx.array[] = [];
      const attend: AttendFn = (layer, q, k, v, window = Infinity) => {
        newK[layer] = mx.putAlongAxis(kPools[layer], at, k.astype(layout.dtype), 0);
        newV[layer] = mx.putAlongAxis(vPools[layer], at, v.astype(layout.dtype), 0);
        return mx.pagedAttention(q.astype(mx.float32), newK[layer], newV[layer], table, rowIds, queryEnd, scale,
          Number.isFinite(window) ? window : 0).astype(q.dtype);
      };
      const logits = model.forward(tokens, positions, attend, rowIds, new Array(B).fill(1));
      for (let l = 0; l < layout.numLayers; l++) {
        if (!newK[l]) throw new Error(`CompiledDecode: the model did not attend in layer ${l}.`);
      }
      return [mx.argmax(logits, 1).astype(mx.int32), logits, ...newK, ...newV];
    };
    const compile = mx.compile as unknown as (f: typeof program, o: unknown) => StepFn;
    this.fn = compile(program, this.cudaGraph ? { cudaGraph: true, state: this.stateMap() } : false);
  }

  /** Smallest bucket holding n rows (n ≤ the largest bucket). */
  bucketFor(n: number): number {
    const b = this.buckets.find((x) => x >= n);
    if (b === undefined) throw new RangeError(`CompiledDecode: ${n} rows exceed the largest bucket ${this.buckets.at(-1)}.`);
    return b;
  }

  get maxRows(): number { return this.buckets[this.buckets.length - 1]; }

  /** Slot table width for contexts up to `len` tokens: a power of two ≥ 128. */
  static widthFor(len: number): number {
    let w = 128;
    while (w < len) w *= 2;
    return w;
  }

  /** Pool outputs → pool inputs of the program (output index, leaf input index), for graph replay with state. */
  stateMap(): Array<[number, number]> {
    const L = this.model.kv.numLayers;
    // Leaves: tokens, positions, write, table, queryEnd, rowIds, then K pools and V pools.
    return Array.from({ length: 2 * L }, (_, i) => [2 + i, 6 + i] as [number, number]);
  }

  /**
   * Builds the step lazily: greedy tokens int32 [rows] and logits float32 [rows, vocab] (views of the padded
   * outputs). The KV pools of `kv` are replaced by the step's outputs; evaluate them with the tokens.
   */
  step(rows: readonly DecodeRow[]): { tokens: mx.array; logits: mx.array } {
    const n = rows.length;
    const B = this.bucketFor(n);
    const W = CompiledDecode.widthFor(Math.max(...rows.map((r) => r.position + 1)));
    const scratch = this.kv.scratchSlot, bs = this.kv.blockSize;
    const tokens = new Int32Array(B), positions = new Int32Array(B), write = new Int32Array(B).fill(scratch);
    const table = new Int32Array(B * W).fill(scratch), queryEnd = new Int32Array(B).fill(1);
    rows.forEach((r, b) => {
      tokens[b] = r.token;
      positions[b] = r.position;
      for (let p = 0; p <= r.position; p++) table[b * W + p] = r.blockTable[Math.floor(p / bs)] * bs + (p % bs);
      write[b] = table[b * W + r.position];
      queryEnd[b] = r.position + 1;
    });
    let ids = this.rowIds.get(B);
    if (!ids) this.rowIds.set(B, (ids = mx.keep(mx.array(Int32Array.from({ length: B }, (_, i) => i)))));
    this.traced.add(`${B}x${W}`);
    const inputs = [mx.array(tokens), mx.array(positions), mx.array(write), mx.array(table).reshape([B, W]), mx.array(queryEnd)];
    const out = this.fn(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], ids, [...this.kv.keyPools], [...this.kv.valuePools]);
    mx.dispose(inputs);
    const L = this.model.kv.numLayers;
    this.kv.replacePools(out.slice(2, 2 + L), out.slice(2 + L));
    const slice = (a: mx.array) => (n === B ? a : a.index(mx.Slice(0, n)));
    return { tokens: slice(out[0]), logits: slice(out[1]) };
  }

  dispose(): void {
    (this.fn as unknown as { dispose?: () => void }).dispose?.();
    for (const a of this.rowIds.values()) a.dispose();
    this.rowIds.clear();
  }
}
