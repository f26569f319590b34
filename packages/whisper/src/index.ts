// @mlx/whisper: speech recognition (issue #7).
export type {
  WhisperDims, DecoderCache, DecodeOptions, DecodeResult, WhisperModel, WhisperTokenizer, Whisper, LoadWhisperOptions,
} from './model/types.js';
export { ModelFormatError, AudioFormatError, ModelNotFoundError } from './errors.js';
export { loadWhisper, loadAudio, resolveWhisperPath } from './load.js';
export { decodeWav, downmix, encodeWav16, type DecodedWav } from './audio/wav.js';
export { resample } from './audio/resample.js';
export { logMelSpectrogram, melFilterbank, padOrTrimMel, SAMPLE_RATE, N_FFT, HOP_LENGTH, CHUNK_LENGTH, N_SAMPLES, N_FRAMES } from './audio/mel.js';
export { BpeWhisperTokenizer } from './tokenizer.js';
export { WhisperNet } from './model/whisper.js';
export { KVCache } from './model/decoder.js';
export { greedyDecode, type GreedyResult } from './model/greedy.js';
export { wordErrorRate, normalizeForWer, editDistance } from './wer.js';
export { parseCt2, loadCt2Whisper } from './loaders/ct2.js';
