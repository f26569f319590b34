// A llama-family decoder run over a flat token list for the scheduler (BatchedLM.forward). The weights come as
// callables so that @mlx/lm's modules (lm-adapter.ts) and test models plug in the same way. Covers Llama, SmolLM2,
// Qwen2 (bias in the projections is the projection's business) and Qwen3 (optional q/k norms).
import * as mx from '@mlx/core';
import type { AttendFn, BatchedLM, ChatMessage, KvLayout, ServeTokenizer } from './model.js';

type Fn = (x: mx.array) => mx.array;

export interface LlamaLayerFns {
  inputNorm: Fn;
  qProj: Fn; kProj: Fn; vProj: Fn; oProj: Fn;
  /** q|k|v concatenated on the last axis (a model's fused projection); used instead of qProj/kProj/vProj when given */
  qkvProj?: Fn;
  qNorm?: Fn; kNorm?: Fn;   // per-head norms (Qwen3), applied on [.., D]
  postAttentionNorm: Fn;
  mlp: Fn;
}

export interface LlamaFns {
  embed: (ids: mx.array) => mx.array;
  layers: LlamaLayerFns[];
  finalNorm: Fn;
  lmHead: Fn;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** `base`, or `freqs` (per-pair periods, e.g. Llama 3 scaling), as mx.fast.rope takes them. */
  rope: { dims?: number; base: number | null; freqs?: mx.array; scale?: number; traditional: boolean };
  attnScale?: number;
  dtype?: mx.Dtype;
  /**
   * Splits linear layers into row groups that a request alone would also form (decode rows in groups of at most
   * this many, each prefill chunk on its own). Not needed with the scheduler, which runs decode rows and each
   * prefill chunk as separate passes and relies on the engine's row-invariant quantized matmul; 0 (default) runs
   * every linear layer once over all rows of the pass.
   */
  matvecRows?: number;
  encodeChat?: (messages: ChatMessage[]) => number[];
}

/** Consecutive single-token segments in groups of at most `limit`; every longer segment alone. */
export function rowGroups(segments: readonly number[], limit: number): number[] {
  const groups: number[] = [];
  let run = 0;
  for (const s of segments) {
    if (s === 1) {
      if (++run === limit) { groups.push(run); run = 0; }
      continue;
    }
    if (run) { groups.push(run); run = 0; }
    groups.push(s);
  }
  if (run) groups.push(run);
  return groups;
}

function applyRows(x: mx.array, groups: readonly number[], fn: (x: mx.array) => mx.array): mx.array {
  if (groups.length <= 1) return fn(x);
  const parts: mx.array[] = [];
  let at = 0;
  for (const g of groups) { parts.push(fn(x.index(mx.Slice(at, at + g)))); at += g; }
  return mx.concatenate(parts, 0);
}

export class LlamaBatched implements BatchedLM {
  readonly kv: KvLayout;
  encodeChat?: (messages: ChatMessage[]) => number[];
  constructor(readonly fns: LlamaFns, readonly tokenizer: ServeTokenizer, readonly vocabSize: number,
    readonly contextLength: number, private readonly onDispose?: () => void) {
    this.kv = { numLayers: fns.layers.length, numKvHeads: fns.numKvHeads, headDim: fns.headDim, dtype: fns.dtype ?? mx.float32, attnScale: fns.attnScale };
    if (fns.encodeChat) this.encodeChat = fns.encodeChat;
  }

  forward(tokens: mx.array, positions: mx.array, attend: AttendFn, logitRows: mx.array, segments?: readonly number[]): mx.array {
    const f = this.fns;
    const n = tokens.shape[0];
    const limit = f.matvecRows ?? 0;
    const groups = limit > 0 ? rowGroups(segments ?? [n], limit) : [n];
    const byRows = (x: mx.array, fn: (x: mx.array) => mx.array) => applyRows(x, groups, fn);
    const D = f.headDim;
    const ropeDims = f.rope.dims ?? D;
    // Each token is its own "batch element" of length 1 so that rope takes one offset per token.
    const rope = (x: mx.array) => mx.fast.rope(x, ropeDims, f.rope.traditional, f.rope.freqs ? null : f.rope.base, f.rope.scale ?? 1, positions, f.rope.freqs);
    let x = f.embed(tokens);
    f.layers.forEach((L, i) => {
      const h = L.inputNorm(x);
      const [q0, k0, v0] = L.qkvProj
        ? mx.split(byRows(h, L.qkvProj), [f.numHeads * D, (f.numHeads + f.numKvHeads) * D], -1)
        : [byRows(h, L.qProj), byRows(h, L.kProj), byRows(h, L.vProj)];
      let q = q0.reshape([n, f.numHeads, 1, D]);
      let k = k0.reshape([n, f.numKvHeads, 1, D]);
      const v = v0.reshape([n, f.numKvHeads, D]);
      if (L.qNorm) q = L.qNorm(q);
      if (L.kNorm) k = L.kNorm(k);
      q = rope(q).reshape([n, f.numHeads, D]);
      k = rope(k).reshape([n, f.numKvHeads, D]);
      const o = attend(i, q, k, v).reshape([n, f.numHeads * D]);
      x = mx.add(x, byRows(o, L.oProj));
      x = mx.add(x, byRows(x, (r) => L.mlp(L.postAttentionNorm(r))));
    });
    const last = mx.take(x, logitRows, 0);
    const R = logitRows.shape[0];
    const headGroups = limit > 0 ? rowGroups(new Array(R).fill(1), limit) : [R];
    return applyRows(last, headGroups, (r) => f.lmHead(f.finalNorm(r))).astype(mx.float32);
  }

  dispose(): void { this.onDispose?.(); }
}
