// @mlx/whisper: speech recognition (issue #7).
export type {
  WhisperDims, DecoderCache, DecodeOptions, DecodeResult, WhisperModel, WhisperTokenizer, Whisper, LoadWhisperOptions,
} from './model/types.js';
export { ModelFormatError, AudioFormatError, ModelNotFoundError } from './errors.js';
export { loadWhisper, loadWhisperModel, loadAudio, resolveWhisperPath } from './load.js';
export { decodeWav, downmix, encodeWav16, type DecodedWav } from './audio/wav.js';
export { resample } from './audio/resample.js';
export { logMelSpectrogram, melFilterbank, padOrTrimMel, SAMPLE_RATE, N_FFT, HOP_LENGTH, CHUNK_LENGTH, N_SAMPLES, N_FRAMES } from './audio/mel.js';
export { BpeWhisperTokenizer } from './tokenizer.js';
export { WhisperNet } from './model/whisper.js';
export { KVCache } from './model/decoder.js';
export { greedyDecode, type GreedyResult } from './model/greedy.js';
export { wordErrorRate, normalizeForWer, editDistance } from './wer.js';
export { parseCt2, loadCt2Whisper } from './loaders/ct2.js';
// Decoding, transcription, streaming, VAD and subtitles (task "whisper-decode").
export { transcribe, type TranscribeOptions, type TranscribeResult, type TranscribeSegment } from './transcribe.js';
export { decodeWindow, type DecodeContext } from './decoding/decode.js';
export { detectLanguage, type LanguageDetection } from './decoding/language.js';
export type { DecodingOptions, DecodingResult, WhisperTask } from './decoding/options.js';
export type { Word, WordTiming } from './decoding/timing.js';
export { EnergyVad, EnergyScorer, HysteresisVad, speechRegions, type VadEvent, type VadOptions, type VoiceActivityDetector, type FrameScorer } from './audio/vad.js';
export { toSrt, toVtt, toTxt, toJson, formatSubtitles, writeSubtitles, formatTimestamp, type SubtitleFormat, type SubtitleOptions } from './subtitles.js';
