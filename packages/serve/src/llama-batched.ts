// A llama-family decoder run over a flat token list for the scheduler (BatchedLM.forward). The weights come as
// callables so that @mlx/lm's modules (lm-adapter.ts) and test models plug in the same way. Covers Llama, SmolLM2,
// Qwen2 (bias in the projections is the projection's business) and Qwen3 (optional q/k norms).
import * as mx from '@mlx/core';
import type { AttendFn, BatchedLM, ChatMessage, KvLayout, ServeTokenizer } from './model.js';

type Fn = (x: mx.array) => mx.array;

export interface LlamaLayerFns {
  inputNorm: Fn;
  qProj: Fn; kProj: Fn; vProj: Fn; oProj: Fn;
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
  encodeChat?: (messages: ChatMessage[]) => number[];
}

export class LlamaBatched implements BatchedLM {
  readonly kv: KvLayout;
  encodeChat?: (messages: ChatMessage[]) => number[];
  constructor(private readonly fns: LlamaFns, readonly tokenizer: ServeTokenizer, readonly vocabSize: number,
    readonly contextLength: number, private readonly onDispose?: () => void) {
    this.kv = { numLayers: fns.layers.length, numKvHeads: fns.numKvHeads, headDim: fns.headDim, dtype: fns.dtype ?? mx.float32, attnScale: fns.attnScale };
    if (fns.encodeChat) this.encodeChat = fns.encodeChat;
  }

  forward(tokens: mx.array, positions: mx.array, attend: AttendFn, logitRows: mx.array): mx.array {
    const f = this.fns;
    const n = tokens.shape[0];
    const D = f.headDim;
    const ropeDims = f.rope.dims ?? D;
    // Each token is its own "batch element" of length 1 so that rope takes one offset per token.
    const rope = (x: mx.array) => mx.fast.rope(x, ropeDims, f.rope.traditional, f.rope.freqs ? null : f.rope.base, f.rope.scale ?? 1, positions, f.rope.freqs);
    let x = f.embed(tokens);
    f.layers.forEach((L, i) => {
      const h = L.inputNorm(x);
      let q = L.qProj(h).reshape([n, f.numHeads, 1, D]);
      let k = L.kProj(h).reshape([n, f.numKvHeads, 1, D]);
      const v = L.vProj(h).reshape([n, f.numKvHeads, D]);
      if (L.qNorm) q = L.qNorm(q);
      if (L.kNorm) k = L.kNorm(k);
      q = rope(q).reshape([n, f.numHeads, D]);
      k = rope(k).reshape([n, f.numKvHeads, D]);
      const o = attend(i, q, k, v).reshape([n, f.numHeads * D]);
      x = mx.add(x, L.oProj(o));
      x = mx.add(x, L.mlp(L.postAttentionNorm(x)));
    });
    const last = mx.take(x, logitRows, 0);
    return f.lmHead(f.finalNorm(last)).astype(mx.float32);
  }

  dispose(): void { this.onDispose?.(); }
}
