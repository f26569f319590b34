// What the scheduler needs from a language model: one forward pass over a flat list of tokens from several
// sequences, with attention delegated to the scheduler's paged KV cache. @mlx/lm models are adapted to this in
// lm-adapter.ts; tests use a small random llama-style model (llama-batched.ts) through the same interface.
import type * as mx from '@mlx/core';

/** The slice of @mlx/lm's Tokenizer contract that serving uses. */
export interface ServeTokenizer {
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  readonly eosTokenIds: readonly number[];
  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean; extra?: Record<string, unknown> }): string;
  streamDecoder(opts?: { skipSpecialTokens?: boolean }): { push(id: number): string; flush(): string };
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | Array<{ type: 'text'; text: string } | { type: 'image' }>;
}

export interface KvLayout {
  numLayers: number;
  numKvHeads: number;
  headDim: number;
  dtype: mx.Dtype;
  /** Softmax scale of attention (default 1 / sqrt(headDim)). */
  attnScale?: number;
}

/**
 * Attention for one layer over the flat token list: q `[N, Hq, D]`, k and v `[N, Hkv, D]` (positions already
 * encoded). The callee stores k/v in the cache and returns the attention output `[N, Hq, D]`. `window`: a sliding-
 * window layer sees only the keys at most `window - 1` positions before the query (default: all).
 */
export type AttendFn = (layer: number, q: mx.array, k: mx.array, v: mx.array, window?: number) => mx.array;

export interface BatchedLM {
  readonly kv: KvLayout;
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly tokenizer: ServeTokenizer;
  /**
   * tokens and positions: int32 `[N]`; returns float32 logits `[R, vocab]` for the rows `logitRows` (int32 `[R]`).
   * `segments`: tokens per sequence in flat order (decode rows first), so a model may keep each row's arithmetic
   * independent of what else is in the batch. Builds the lazy graph only; the scheduler evaluates it.
   */
  forward(tokens: mx.array, positions: mx.array, attend: AttendFn, logitRows: mx.array, segments?: readonly number[]): mx.array;
  /** Chat messages → prompt token ids (default: template, then encode without extra special tokens). */
  encodeChat?(messages: ChatMessage[]): number[];
  dispose?(): void;
}
