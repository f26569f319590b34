// The Whisper model: encoder + decoder behind the WhisperModel interface of types.ts.
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { AudioEncoder } from './encoder.js';
import { KVCache, TextDecoder } from './decoder.js';
import type { DecodeOptions, DecodeResult, DecoderCache, WhisperDims, WhisperModel } from './types.js';

export class WhisperNet extends nn.Module implements WhisperModel {
  encoder: AudioEncoder;
  decoder: TextDecoder;
  alignmentHeads: Array<[number, number]>;
  constructor(readonly dims: WhisperDims, alignmentHeads?: Array<[number, number]>) {
    super();
    this.encoder = new AudioEncoder(dims.nMels, dims.nAudioCtx, dims.nAudioState, dims.nAudioHead, dims.nAudioLayer);
    this.decoder = new TextDecoder(dims.nVocab, dims.nTextCtx, dims.nTextState, dims.nTextHead, dims.nTextLayer);
    // openai/whisper's default: every head of the second half of the decoder layers.
    this.alignmentHeads = alignmentHeads ?? Array.from({ length: dims.nTextLayer }, (_, l) => l)
      .filter((l) => l >= Math.floor(dims.nTextLayer / 2))
      .flatMap((l) => Array.from({ length: dims.nTextHead }, (_, h) => [l, h] as [number, number]));
  }
  get isMultilingual(): boolean { return this.dims.nVocab >= 51865; }
  /** 99 languages, 100 for large-v3 (one more vocabulary entry). */
  get numLanguages(): number { return this.dims.nVocab - 51765 - (this.isMultilingual ? 1 : 0); }
  embedAudio(mel: mx.array): mx.array {
    if (mel.ndim === 2) mel = mel.reshape([1, ...mel.shape]);
    if (mel.ndim !== 3 || mel.shape[1] !== this.dims.nMels) {
      throw new mx.ShapeError(`[whisper] embedAudio expects mel [B, ${this.dims.nMels}, frames], got [${mel.shape}].`);
    }
    // tidy frees the intermediates' handles now (the lazy result keeps what it needs) instead of leaving them to GC.
    return mx.tidy(() => this.encoder.forward(mel));
  }
  /** mel → logits of `tokens` (one full pass, no cache). */
  forward(mel: mx.array, tokens: mx.array): mx.array { return this.decode(tokens, this.embedAudio(mel)).logits; }
  newCache(): DecoderCache { return new KVCache(this.dims.nTextLayer); }
  decode(tokens: mx.array, audioFeatures: mx.array, cache?: DecoderCache, opts?: DecodeOptions): DecodeResult {
    if (tokens.ndim === 1) tokens = tokens.reshape([1, -1]);
    if (tokens.ndim !== 2) throw new mx.ShapeError(`[whisper] decode expects tokens [B, T], got [${tokens.shape}].`);
    if (audioFeatures.ndim !== 3 || audioFeatures.shape[2] !== this.dims.nAudioState) {
      throw new mx.ShapeError(`[whisper] decode expects audio features [B, S, ${this.dims.nAudioState}], got [${audioFeatures.shape}].`);
    }
    const c = cache ?? new KVCache(this.dims.nTextLayer);
    if (!(c instanceof KVCache)) throw new mx.InvalidArgumentError('[whisper] decode: the cache must come from model.newCache().');
    const toks = tokens;
    const t = tokens.shape[1];
    if (opts?.positions?.some((p) => !Number.isInteger(p) || p >= t || p < -t)) {
      throw new mx.InvalidArgumentError(`[whisper] decode: positions must be integers in [-${t}, ${t}).`);
    }
    const r = mx.tidy(() => this.decoder.forward(toks.astype(mx.int32), audioFeatures, c, opts?.crossAttention ?? false, opts?.positions));
    if (!cache) c.dispose();
    return r;
  }
}
