// Any @mlx/lm decoder behind the scheduler through the model's own flat-batch hook (DecoderModel.forwardFlat):
// the model runs its layers (Gemma's sandwich norms, per-layer RoPE bases, sliding windows, embedding scale and
// logit softcap included) over the step's flat token list and hands each layer's attention to the paged KV cache.
import * as mx from '@mlx/core';
import type { LM } from '@mlx/lm';
import type { AttendFn, BatchedLM, ChatMessage, KvLayout } from './model.js';

export class FlatBatched implements BatchedLM {
  readonly kv: KvLayout;
  readonly vocabSize: number;
  readonly contextLength: number;
  constructor(private readonly lm: LM, private readonly onDispose?: () => void) {
    const spec = lm.model.spec;
    this.kv = { numLayers: spec.layers.length, numKvHeads: spec.numKvHeads, headDim: spec.headDim, dtype: mx.float32, attnScale: spec.attnScale };
    this.vocabSize = spec.vocabSize;
    this.contextLength = spec.maxContext;
  }

  get tokenizer() { return this.lm.tokenizer; }

  forward(tokens: mx.array, positions: mx.array, attend: AttendFn, logitRows: mx.array, segments?: readonly number[]): mx.array {
    return this.lm.model.forwardFlat({
      tokens, positions, segments: [...(segments ?? [tokens.shape[0]])], logitRows,
      attend: (layer, q, k, v, opts) => attend(layer, q, k, v, opts.window),
    }).astype(mx.float32);
  }

  /** The same prompt ids as lm.generate(messages) (BOS handling included). */
  encodeChat(messages: ChatMessage[]): number[] { return this.lm.encodePrompt(messages); }

  dispose(): void { this.onDispose?.(); }
}
