// Paged KV storage: per layer one K and one V pool of `numBlocks * blockSize` token slots `[slots, Hkv, D]`.
// A sequence's block table maps its positions to slots; each step scatters the new tokens' K/V into their slots
// (in place: the pool is donated to the scatter). Attention reads the pools in place through a slot table
// (mx.pagedAttention: one op per layer, no gathered copies, each query's result independent of the batch; CPU and
// CUDA kernels); the 'gather' path copies each sequence's slots into padded tensors for scaledDotProductAttention.
// One extra block past `numBlocks` is scratch: padding rows of a fixed-shape step (compiled-decode.ts) write there.
import * as mx from '@mlx/core';
import type { AttendFn, KvLayout } from '../model.js';

/** One sequence's part of a step: `count` new tokens starting at position `start`. */
export interface StepRow { blockTable: readonly number[]; start: number; count: number }

/** 'paged': mx.pagedAttention over the pools; 'gather': gathered K/V + scaledDotProductAttention. */
export type AttentionPath = 'paged' | 'gather';

export class PagedKv {
  readonly layout: KvLayout;
  readonly blockSize: number;
  readonly numBlocks: number;
  private readonly kPools: mx.array[] = [];
  private readonly vPools: mx.array[] = [];

  readonly attention: AttentionPath;

  /**
   * `attention` defaults to 'paged' with float32 pools (pagedAttention's dtype; MLX_SERVE_ATTENTION=gather forces
   * the other path) and to 'gather' otherwise.
   */
  constructor(layout: KvLayout, numBlocks: number, blockSize: number, attention?: AttentionPath) {
    this.layout = layout;
    const forced = process.env.MLX_SERVE_ATTENTION;
    this.attention = attention ?? (layout.dtype === mx.float32 && forced !== 'gather' ? 'paged' : 'gather');
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    const shape = [(numBlocks + 1) * blockSize, layout.numKvHeads, layout.headDim];
    for (let l = 0; l < layout.numLayers; l++) {
      // Zeros, so that gathered padding slots are finite (masked weights are 0, and 0 * finite = 0).
      this.kPools.push(mx.zeros(shape, layout.dtype));
      this.vPools.push(mx.zeros(shape, layout.dtype));
    }
    mx.eval(...this.kPools, ...this.vPools);
  }

  static bytesPerToken(layout: KvLayout): number {
    return 2 * layout.numLayers * layout.numKvHeads * layout.headDim * layout.dtype.size;
  }

  get pools(): mx.array[] { return [...this.kPools, ...this.vPools]; }
  get keyPools(): readonly mx.array[] { return this.kPools; }
  get valuePools(): readonly mx.array[] { return this.vPools; }

  /** A slot no sequence owns (the scratch block): padding rows write their K/V there. */
  get scratchSlot(): number { return this.numBlocks * this.blockSize; }

  /** Takes the pools a functional step returned (the old handles are disposed; their buffers were donated). */
  replacePools(k: readonly mx.array[], v: readonly mx.array[]): void {
    mx.dispose(this.kPools, this.vPools);
    this.kPools.splice(0, this.kPools.length, ...mx.keep(k));
    this.vPools.splice(0, this.vPools.length, ...mx.keep(v));
  }

  slotOf(blockTable: readonly number[], pos: number): number {
    return blockTable[Math.floor(pos / this.blockSize)] * this.blockSize + (pos % this.blockSize);
  }

  /** Plans one step (rows laid out in the flat token list in the given order): the model's attend function. */
  plan(rows: readonly StepRow[]): AttendFn {
    return this.attention === 'paged' ? this.planPaged(rows) : this.planGather(rows);
  }

  /** One pagedAttention per layer: a slot table row per step row, each token's row and its causal end. */
  private planPaged(rows: readonly StepRow[]): AttendFn {
    const n = rows.reduce((s, r) => s + r.count, 0);
    const width = Math.max(...rows.map((r) => r.start + r.count));
    const table = new Int32Array(rows.length * width);
    const writeSlots = new Int32Array(n);
    const seqOf = new Int32Array(n);
    const endOf = new Int32Array(n);
    let at = 0;
    rows.forEach((row, t) => {
      for (let p = 0; p < row.start + row.count; p++) table[t * width + p] = this.slotOf(row.blockTable, p);
      for (let i = 0; i < row.count; i++) {
        writeSlots[at + i] = table[t * width + row.start + i];
        seqOf[at + i] = t;
        endOf[at + i] = row.start + i + 1;
      }
      at += row.count;
    });
    const slotTable = mx.array(table).reshape([rows.length, width]);
    const querySeq = mx.array(seqOf);
    const queryEnd = mx.array(endOf);
    const write = mx.array(writeSlots);
    const scale = this.layout.attnScale ?? 1 / Math.sqrt(this.layout.headDim);
    return (layer, q, k, v, window = Infinity) => {
      this.kPools[layer].indexPut_(write, k);
      this.vPools[layer].indexPut_(write, v);
      // pagedAttention is float32; a half-precision model gets its own dtype back.
      return mx.pagedAttention(q.astype(mx.float32), this.kPools[layer], this.vPools[layer], slotTable, querySeq, queryEnd, scale,
        Number.isFinite(window) ? window : 0).astype(q.dtype);
    };
  }

  /**
   * Gathered attention. Single-token rows form one batched group (padded gather + additive mask); each multi-token
   * row (a prefill chunk) is its own group with a causal mask aligned to its end.
   */
  private planGather(rows: readonly StepRow[]): AttendFn {
    const n = rows.reduce((s, r) => s + r.count, 0);
    const writeSlots = new Int32Array(n);
    let at = 0;
    const singles: { flat: number; row: StepRow }[] = [];
    const chunks: { flat: number; row: StepRow }[] = [];
    for (const row of rows) {
      for (let i = 0; i < row.count; i++) writeSlots[at + i] = this.slotOf(row.blockTable, row.start + i);
      (row.count === 1 ? singles : chunks).push({ flat: at, row });
      at += row.count;
    }
    // Output order must match the flat input order; groups are computed then put back with one take.
    const slotsOf = (row: StepRow) => {
      const len = row.start + row.count;
      const s = new Int32Array(len);
      for (let p = 0; p < len; p++) s[p] = this.slotOf(row.blockTable, p);
      return s;
    };
    let singleGather: mx.array | undefined;
    let singleRows: mx.array | undefined;
    let maxLen = 0;
    if (singles.length) {
      maxLen = Math.max(...singles.map((s) => s.row.start + 1));
      const idx = new Int32Array(singles.length * maxLen);
      singles.forEach(({ row }, b) => idx.set(slotsOf(row), b * maxLen));
      singleGather = mx.array(idx).reshape([singles.length, maxLen]);
      singleRows = mx.array(Int32Array.from(singles.map((s) => s.flat)));
    }
    // Additive masks per window size (Infinity: full causal attention), built once per step.
    const dtype = this.layout.dtype;
    const singleMasks = new Map<number, mx.array>();
    const singleMask = (window: number) => {
      let m = singleMasks.get(window);
      if (!m) {
        const mask = new Float32Array(singles.length * maxLen).fill(-Infinity);
        singles.forEach(({ row }, b) => mask.fill(0, b * maxLen + Math.max(0, row.start - window + 1), b * maxLen + row.start + 1));
        singleMasks.set(window, (m = mx.array(mask).reshape([singles.length, 1, 1, maxLen]).astype(dtype)));
      }
      return m;
    };
    const chunkPlans = chunks.map(({ flat, row }) => ({ flat, row, count: row.count, gather: mx.array(slotsOf(row)), masks: new Map<number, mx.array | 'causal'>() }));
    const chunkMask = (c: (typeof chunkPlans)[number], window: number): mx.array | 'causal' => {
      const L = c.row.start + c.count;
      if (L <= window) return 'causal';
      let m = c.masks.get(window);
      if (!m) {
        const mask = new Float32Array(c.count * L).fill(-Infinity);
        for (let i = 0; i < c.count; i++) {
          const qp = c.row.start + i;
          mask.fill(0, i * L + Math.max(0, qp - window + 1), i * L + qp + 1);
        }
        c.masks.set(window, (m = mx.array(mask).reshape([1, 1, c.count, L]).astype(dtype)));
      }
      return m;
    };
    const write = mx.array(writeSlots);
    // Order in which group outputs are concatenated, and the permutation back to flat order.
    const order: number[] = [...singles.map((s) => s.flat), ...chunks.flatMap((c) => Array.from({ length: c.row.count }, (_, i) => c.flat + i))];
    const inverse = new Int32Array(n);
    order.forEach((flat, i) => { inverse[flat] = i; });
    const identity = order.every((f, i) => f === i);
    const unpermute = identity ? undefined : mx.array(inverse);
    const scale = this.layout.attnScale ?? 1 / Math.sqrt(this.layout.headDim);

    return (layer, q, k, v, window = Infinity) => {
      this.kPools[layer].indexPut_(write, k);
      this.vPools[layer].indexPut_(write, v);
      const kp = this.kPools[layer];
      const vp = this.vPools[layer];
      const outs: mx.array[] = [];
      if (singleGather) {
        const qs = mx.take(q, singleRows!, 0).reshape([singles.length, q.shape[1], 1, q.shape[2]]);
        const ks = mx.take(kp, singleGather, 0).transpose([0, 2, 1, 3]);
        const vs = mx.take(vp, singleGather, 0).transpose([0, 2, 1, 3]);
        const o = mx.fast.scaledDotProductAttention(qs, ks, vs, scale, singleMask(window));
        outs.push(o.reshape([singles.length, q.shape[1], q.shape[2]]));
      }
      for (const c of chunkPlans) {
        const qc = q.index(mx.Slice(c.flat, c.flat + c.count)).transpose([1, 0, 2]).reshape([1, q.shape[1], c.count, q.shape[2]]);
        const kc = mx.take(kp, c.gather, 0).transpose([1, 0, 2]).reshape([1, k.shape[1], -1, k.shape[2]]);
        const vc = mx.take(vp, c.gather, 0).transpose([1, 0, 2]).reshape([1, v.shape[1], -1, v.shape[2]]);
        const o = mx.fast.scaledDotProductAttention(qc, kc, vc, scale, chunkMask(c, window));
        outs.push(o.reshape([q.shape[1], c.count, q.shape[2]]).transpose([1, 0, 2]));
      }
      const out = outs.length === 1 ? outs[0] : mx.concatenate(outs, 0);
      return unpermute ? mx.take(out, unpermute, 0) : out;
    };
  }

  dispose(): void {
    for (const a of this.pools) a.dispose();
    this.kPools.length = 0;
    this.vPools.length = 0;
  }
}
