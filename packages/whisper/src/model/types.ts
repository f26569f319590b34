// The interfaces between the Whisper model (task "whisper-model") and decoding/transcription
// (task "whisper-decode"). Shapes follow openai/whisper: mel [B, nMels, 3000], audio features
// [B, nAudioCtx, nAudioState], tokens int32 [B, T].
import type * as mx from '@mlx/core';

export interface WhisperDims {
  nMels: number;
  nAudioCtx: number;
  nAudioState: number;
  nAudioHead: number;
  nAudioLayer: number;
  nVocab: number;
  nTextCtx: number;
  nTextState: number;
  nTextHead: number;
  nTextLayer: number;
}

/**
 * Decoder state for one batch of sequences: self-attention K/V (grow per step) and cross-attention K/V (fixed).
 * Lifetimes: the cache owns its arrays (they belong to no mx.tidy scope, so decode() may run inside a tidy);
 * call dispose() when done.
 */
export interface DecoderCache {
  /** Number of tokens already in the self-attention cache (the position offset of the next call). */
  readonly length: number;
  /** Keep / duplicate rows of the batch (beam search): new batch row i = old row batchIndices[i]. */
  reorder(batchIndices: mx.array /* int32 [B'] */): void;
  dispose(): void;
}

export interface DecodeOptions {
  /** Also return the per-layer cross-attention weights (softmaxed), for word timestamps. */
  crossAttention?: boolean;
  /**
   * Positions along T whose logits are wanted (negative: from the end); logits are then [B, positions.length,
   * nVocab]. The vocabulary projection is the largest GEMM of a step: skip it for the rows nobody reads.
   */
  positions?: readonly number[];
}

export interface DecodeResult {
  /** float32 [B, T, nVocab] */
  logits: mx.array;
  /**
   * per decoder layer: [B, heads, T, nAudioCtx] float32 cross-attention logits q·kᵀ/√dh (before softmax, as
   * openai/whisper's word timing expects), present when `crossAttention` was asked.
   */
  crossQK?: mx.array[];
}

export interface WhisperModel {
  readonly dims: WhisperDims;
  readonly isMultilingual: boolean;
  readonly numLanguages: number;
  readonly alignmentHeads: Array<[layer: number, head: number]>;
  /** mel [B, nMels, 2*nAudioCtx] → audio features [B, nAudioCtx, nAudioState] */
  embedAudio(mel: mx.array): mx.array;
  newCache(): DecoderCache;
  /**
   * Run the decoder on `tokens` (int32 [B, T]) attending to `audioFeatures`. With a cache, the tokens continue the
   * cached sequence (positions start at cache.length) and the cache is extended; cross-attention K/V are computed on
   * the first call with that cache and reused afterwards (a new audio needs a new cache).
   */
  decode(tokens: mx.array, audioFeatures: mx.array, cache?: DecoderCache, opts?: DecodeOptions): DecodeResult;
}

export interface WhisperTokenizer {
  encode(text: string): number[];
  /** Text tokens only (ids ≥ eot are dropped). */
  decode(ids: readonly number[]): string;
  /** All tokens: timestamps become `<|1.23|>`, other special tokens their strings (`<|endoftext|>`). */
  decodeWithTimestamps(ids: readonly number[]): string;
  readonly eot: number;
  readonly sot: number;
  readonly sotPrev: number;
  readonly sotLm: number;
  readonly noSpeech: number;
  readonly noTimestamps: number;
  readonly timestampBegin: number;
  readonly transcribe: number;
  readonly translate: number;
  readonly languageCodes: string[];
  languageToken(code: string): number;
  sotSequence(language?: string, task?: 'transcribe' | 'translate'): number[];
  nonSpeechTokens(): number[];
  /** Words at spaces; for zh/ja/th/lo/my/yue (pass `language`) at every complete character. */
  splitToWordTokens(tokens: number[], language?: string): { words: string[]; wordTokens: number[][] };
}

export interface Whisper {
  model: WhisperModel;
  tokenizer: WhisperTokenizer;
  config: Record<string, unknown>;
  /** Token ids to suppress during decoding (from config.json `suppress_ids`, or whisper's default list). */
  suppressTokens: number[];
  dispose(): void;
}

export interface LoadWhisperOptions {
  dtype?: 'float32' | 'float16';
  /**
   * 'int8': int8 weight rows with per-row scales and int8 x int8 products (activations quantized per row on the
   * fly, like CTranslate2's int8 compute type; the default for CTranslate2 int8 files). `{ bits, groupSize }`:
   * MLX affine group quantization with float activations.
   */
  quantize?: 'int8' | { bits: 4 | 8; groupSize?: number };
  signal?: AbortSignal;
}
