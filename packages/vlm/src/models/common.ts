// What every architecture provides to the generic VLM runner, and helpers for checkpoint naming variants.
import * as mx from '@mlx/core';
import { ModelFormatError } from '../errors.js';
import type { LayerCache } from '@mlx/lm';
import type { Weights } from '../language/decoder.js';
import type { ImageProcessor, PreprocessorConfig, ProcessedImages } from '../processing/common.js';

type A = mx.array;

/** The language half: TextDecoder (own math, M-RoPE) or LmTextDecoder (@mlx/lm's DecoderModel). */
export interface TextModel {
  readonly maxContext: number;
  readonly vocabSize: number;
  /** Token embeddings [T, hidden]. */
  embed(ids: readonly number[]): A;
  newCache(): LayerCache[];
  /** Logits [1, T, vocab] for input embeddings [1, T, hidden]; `positions` [3][T] for M-RoPE. */
  forward(h: A, caches: LayerCache[], opts?: { positions?: number[][]; lastOnly?: boolean }): A;
  /** Logits of one next token without multimodal positions (a faster decode step where the model has one). */
  forwardToken?(token: number, caches: LayerCache[]): A;
  dispose?(): void;
}

export interface VlmArchitecture {
  readonly modelType: string;
  readonly text: TextModel;
  readonly processor: ImageProcessor;
  readonly imageTokenId: number;
  /** Image features in prompt order, [numImageTokens, hidden]. */
  encodeImages(p: ProcessedImages): A;
  /** Qwen2-VL: M-RoPE positions [3][T] for the prompt and the offset of later positions (rope delta). */
  positions?(ids: readonly number[], p: ProcessedImages | null): { positions: number[][]; delta: number };
  /** Frees per-shape caches that live outside the weight map. */
  dispose?(): void;
}

export interface ArchitectureFactory {
  modelType: string;
  create(config: Record<string, unknown>, pre: PreprocessorConfig, processorConfig: Record<string, unknown>, w: Weights, file: string): VlmArchitecture;
}

/** The first prefix under which `probe` exists (checkpoints written by different transformers versions differ). */
export function pickPrefix(w: Weights, candidates: string[], probe: string, file: string): string {
  for (const c of candidates) if (w.has(c + probe)) return c;
  throw new ModelFormatError(`${file}: no tensor '${probe}' under any of ${candidates.map((c) => `'${c}'`).join(', ')}`, file);
}

export function parseOrThrow<T>(schema: { safeParse(x: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, x: unknown, what: string, file: string): T {
  const r = schema.safeParse(x);
  if (!r.success) throw new ModelFormatError(`${file}: invalid ${what}: ${r.error.message}`, file);
  return r.data;
}
