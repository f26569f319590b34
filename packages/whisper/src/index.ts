// @mlx/whisper: speech recognition (issue #7).
export type {
  WhisperDims, DecoderCache, DecodeOptions, DecodeResult, WhisperModel, WhisperTokenizer, Whisper, LoadWhisperOptions,
} from './model/types.js';
