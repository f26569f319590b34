// Decoding options and results for one 30 s window (OpenAI whisper's DecodingOptions/DecodingResult semantics).
import { InvalidArgumentError } from '@mlx/core';

export type WhisperTask = 'transcribe' | 'translate';

export interface DecodingOptions {
  task?: WhisperTask;
  /** Language code ('en', 'de', …). Undefined: detected on multilingual models, 'en' on English-only ones. */
  language?: string;
  /** 0 = greedy (or beam search when beamSize is set); > 0 samples from softmax(logits / temperature). */
  temperature?: number;
  /** Maximum number of tokens to sample (default nTextCtx / 2 = 224). */
  sampleLen?: number;
  /** Independent samples when temperature > 0; the best by (length-normalised) log-probability wins. */
  bestOf?: number;
  /** Beams when temperature is 0. */
  beamSize?: number;
  /** Beam search stops after round(beamSize * patience) finished candidates (default 1). */
  patience?: number;
  /** undefined: rank by logprob / length; a number α: by logprob / ((5 + length) / 6)^α (Google NMT). */
  lengthPenalty?: number;
  /** Text (or tokens) of previous context, fed after <|startofprev|>. */
  prompt?: string | readonly number[];
  /** Text (or tokens) forced at the start of this window's output. */
  prefix?: string | readonly number[];
  /** Token ids to suppress; -1 stands for the model's default list (config suppress_ids / non-speech tokens). */
  suppressTokens?: readonly number[];
  /** Suppress a blank (space) or end-of-text as the first sampled token (default true). */
  suppressBlank?: boolean;
  /** Decode text only (<|notimestamps|>), no timestamp tokens. */
  withoutTimestamps?: boolean;
  /** The first timestamp may not exceed this many seconds (default 1.0). */
  maxInitialTimestamp?: number;
  /** Seed for sampling; successive windows use a generator derived from it. */
  seed?: number;
  signal?: AbortSignal;
}

export interface DecodingResult {
  language: string;
  languageProbs?: Record<string, number>;
  /** Sampled tokens (text and timestamps), without the initial prompt and without end-of-text. */
  tokens: number[];
  text: string;
  avgLogprob: number;
  sumLogprob: number;
  noSpeechProb: number;
  temperature: number;
  compressionRatio: number;
}

const isPositiveInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1;

/** Throws InvalidArgumentError for option values that cannot be decoded with. */
export function validateDecodingOptions(o: DecodingOptions): void {
  const bad = (m: string): never => { throw new InvalidArgumentError(`[whisper.decode] ${m}`); };
  if (o.task !== undefined && o.task !== 'transcribe' && o.task !== 'translate') bad(`task must be 'transcribe' or 'translate', got ${String(o.task)}.`);
  if (o.temperature !== undefined && !(typeof o.temperature === 'number' && Number.isFinite(o.temperature) && o.temperature >= 0)) bad(`temperature must be a finite number ≥ 0, got ${String(o.temperature)}.`);
  if (o.beamSize !== undefined && o.beamSize !== null && !isPositiveInt(o.beamSize)) bad(`beamSize must be a positive integer, got ${String(o.beamSize)}.`);
  if (o.bestOf !== undefined && o.bestOf !== null && !isPositiveInt(o.bestOf)) bad(`bestOf must be a positive integer, got ${String(o.bestOf)}.`);
  if (o.patience !== undefined && !(typeof o.patience === 'number' && o.patience > 0 && Number.isFinite(o.patience))) bad(`patience must be a number > 0, got ${String(o.patience)}.`);
  if (o.lengthPenalty !== undefined && o.lengthPenalty !== null && !(typeof o.lengthPenalty === 'number' && Number.isFinite(o.lengthPenalty))) bad(`lengthPenalty must be a finite number, got ${String(o.lengthPenalty)}.`);
  if (o.sampleLen !== undefined && !isPositiveInt(o.sampleLen)) bad(`sampleLen must be a positive integer, got ${String(o.sampleLen)}.`);
  if (o.maxInitialTimestamp !== undefined && !(typeof o.maxInitialTimestamp === 'number' && o.maxInitialTimestamp >= 0)) bad(`maxInitialTimestamp must be a number ≥ 0.`);
  if (o.suppressTokens !== undefined && !(Array.isArray(o.suppressTokens) && o.suppressTokens.every((t) => Number.isInteger(t) && t >= -1))) bad(`suppressTokens must be an array of token ids (or -1).`);
  if (o.prompt !== undefined && typeof o.prompt !== 'string' && !Array.isArray(o.prompt)) bad(`prompt must be a string or an array of token ids.`);
  if (o.prefix !== undefined && typeof o.prefix !== 'string' && !Array.isArray(o.prefix)) bad(`prefix must be a string or an array of token ids.`);
}
