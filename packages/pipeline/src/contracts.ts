// The model-side interfaces the operators need. They are structural, so @mlx/whisper, @mlx/lm, @mlx/vlm objects
// fit them, and so do fakes in tests or other engines a user plugs in.

/** Voice-activity detector: fed mono samples in order, reports speech start/end times (s since the first sample). */
export interface VoiceActivityDetector {
  push(samples: Float32Array): Array<{ type: 'start' | 'end'; time: number }>;
  /** called at end of stream; may close an open speech region */
  flush?(): Array<{ type: 'start' | 'end'; time: number }>;
}

export interface TranscriptSegment { start: number; end: number; text: string; tokens?: number[] }
export interface TranscriptionResult { text: string; language?: string; segments?: TranscriptSegment[] }
export interface TranscribeCallOptions {
  signal: AbortSignal; language?: string; task?: 'transcribe' | 'translate'; initialPrompt?: string; [k: string]: unknown;
}
/** Transcribes one 16 kHz mono clip. */
export interface Transcriber {
  transcribe(audio16k: Float32Array, opts: TranscribeCallOptions): Promise<TranscriptionResult>;
}

/** @mlx/whisper's streaming transcriber (contract). */
export interface StreamingTranscriber {
  push(pcm16k: Float32Array): void; end(): void; abort(): void;
  [Symbol.asyncIterator](): AsyncIterator<{ type: 'partial' | 'final'; segment: TranscriptSegment }>;
}

export interface ChatMessage { role: 'system' | 'user' | 'assistant' | 'tool'; content: string }
export interface LMGenerateOptions {
  maxTokens?: number; temperature?: number; topK?: number; topP?: number; minP?: number; repetitionPenalty?: number;
  seed?: number; stop?: string[]; signal?: AbortSignal;
}
/** The part of @mlx/lm's `LM` that the pipeline uses. */
export interface LanguageModel {
  stream(promptOrMessages: string | ChatMessage[], opts?: LMGenerateOptions): AsyncIterable<{ text: string; token: number }>;
}

export type ImageInput = string | Uint8Array;
/** The minimal vision-language interface `describe` needs. */
export interface VisionLanguageModel {
  generate(req: { images: ImageInput[]; prompt: string; signal?: AbortSignal; maxTokens?: number }): Promise<{ text: string } | string>;
}
