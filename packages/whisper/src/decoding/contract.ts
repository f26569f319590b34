// The Whisper model/tokenizer contract (BRIEF2.md) as seen by the decoding code. The model package's own classes
// satisfy these interfaces structurally; decoding depends only on this shape, so tests can script a fake model.
import type * as mx from '@mlx/core';

export interface WhisperDims {
  nMels: number; nAudioCtx: number; nAudioState: number; nAudioHead: number; nAudioLayer: number;
  nVocab: number; nTextCtx: number; nTextState: number; nTextHead: number; nTextLayer: number;
}

export interface DecoderCache {
  readonly length: number;
  reorder(batchIndices: mx.array): void;
  dispose(): void;
}

export interface WhisperModelLike {
  readonly dims: WhisperDims;
  readonly isMultilingual: boolean;
  readonly numLanguages: number;
  readonly alignmentHeads: Array<[layer: number, head: number]>;
  embedAudio(mel: mx.array): mx.array;
  newCache(): DecoderCache;
  decode(tokens: mx.array, audioFeatures: mx.array, cache?: DecoderCache,
    opts?: { crossAttention?: boolean; positions?: readonly number[] }): { logits: mx.array; crossQK?: mx.array[] };
}

export interface WhisperTokenizerLike {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  decodeWithTimestamps(ids: readonly number[]): string;
  readonly eot: number; readonly sot: number; readonly sotPrev: number; readonly sotLm: number;
  readonly noSpeech: number; readonly noTimestamps: number; readonly timestampBegin: number;
  readonly transcribe: number; readonly translate: number;
  readonly languageCodes: string[];
  languageToken(code: string): number;
  sotSequence(language?: string, task?: 'transcribe' | 'translate'): number[];
  nonSpeechTokens(): number[];
  splitToWordTokens(tokens: number[]): { words: string[]; wordTokens: number[][] };
}

export interface WhisperLike {
  model: WhisperModelLike;
  tokenizer: WhisperTokenizerLike;
  config: Record<string, unknown>;
  suppressTokens: number[];
  dispose(): void;
}

// Audio constants of every Whisper model (MODELS.md).
export const SAMPLE_RATE = 16000;
export const HOP_LENGTH = 160;
export const CHUNK_SECONDS = 30;
export const N_SAMPLES = SAMPLE_RATE * CHUNK_SECONDS;  // 480000
export const N_FRAMES = N_SAMPLES / HOP_LENGTH;       // 3000 mel frames per window
export const FRAMES_PER_SECOND = SAMPLE_RATE / HOP_LENGTH;  // 100
export const TIME_PRECISION = 0.02;                   // one timestamp token = 2 mel frames = 20 ms
