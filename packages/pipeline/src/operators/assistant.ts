// The flagship composition: audio frames → VAD → utterances → transcription → streamed LLM replies, plus the
// latency figures that matter to a listener.
import { merge, share, type OperatorFunction } from 'rxjs';
import type { AudioFrame } from '../frames.js';
import type { LanguageModel, Transcriber } from '../contracts.js';
import { downmix, resample } from './audio.js';
import { vad, type VadOptions } from './vad.js';
import { utterances, type UtterancesOptions } from './utterances.js';
import { transcribe, type Transcript, type TranscribeStageOptions, type WhisperLike } from './transcribe.js';
import { generate, type GenerateStageOptions, type ReplyEvent } from './generate.js';

export interface VoiceAssistantOptions {
  transcriber: Transcriber | WhisperLike;
  /** omit to only transcribe */
  lm?: LanguageModel;
  vad?: VadOptions;
  utterances?: UtterancesOptions;
  transcribe?: TranscribeStageOptions;
  generate?: GenerateStageOptions;
}

export type AssistantEvent = Transcript | ReplyEvent;

/** Frames (any rate, any channels) → transcripts (partial and final) and reply events, in arrival order. */
export function voiceAssistant(opts: VoiceAssistantOptions): OperatorFunction<AudioFrame, AssistantEvent> {
  return (frames) => {
    const transcripts = frames.pipe(
      downmix(), resample(16000), vad(opts.vad), utterances(opts.utterances), transcribe(opts.transcriber, opts.transcribe), share(),
    );
    return opts.lm ? merge(transcripts, transcripts.pipe(generate(opts.lm, opts.generate))) : transcripts;
  };
}

export interface LatencyFigures {
  utterances: number;
  /** ms from the end of speech arriving (audio) to the final transcript */
  transcriptMs: number[];
  /** ms from the end of speech arriving to the first reply token */
  firstTokenMs: number[];
}

/** Collects latency figures from assistant events as they pass. */
export class LatencyTracker {
  private readonly ends = new Map<number, number>();
  readonly figures: LatencyFigures = { utterances: 0, transcriptMs: [], firstTokenMs: [] };
  observe(e: AssistantEvent): void {
    if (e.type === 'final' && e.utterance) {
      this.figures.utterances++;
      this.ends.set(e.utteranceIndex, e.utterance.audioEndArrivedAt);
      this.figures.transcriptMs.push(e.at - e.utterance.audioEndArrivedAt);
    } else if (e.type === 'reply' && e.utteranceIndex !== undefined && e.firstTokenAt !== undefined) {
      const end = this.ends.get(e.utteranceIndex);
      if (end !== undefined) this.figures.firstTokenMs.push(e.firstTokenAt - end);
    }
  }
  static summary(xs: number[]): { median: number; p90: number; max: number } | undefined {
    if (!xs.length) return undefined;
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[Math.floor((s.length - 1) / 2)]!, p90: s[Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)]!, max: s.at(-1)! };
  }
  report(): string {
    const line = (name: string, xs: number[]) => {
      const s = LatencyTracker.summary(xs);
      return s ? `${name}: median ${s.median.toFixed(0)} ms, p90 ${s.p90.toFixed(0)} ms, max ${s.max.toFixed(0)} ms (n=${xs.length})` : `${name}: -`;
    };
    return [line('end of speech → final transcript', this.figures.transcriptMs), line('end of speech → first reply token', this.figures.firstTokenMs)].join('\n');
  }
}
