// Loading served models by name or path: Whisper transcribers from @mlx/whisper, language models from @mlx/lm.
import type { Transcriber, TranscriptionResult } from './server/audio.js';

/** Loads a Whisper model and wraps `transcribe` for the server. */
export async function transcriberFromWhisper(nameOrPath: string, opts: { signal?: AbortSignal } = {}): Promise<{ transcribe: Transcriber; dispose(): void }> {
  const whisper = await import('@mlx/whisper');
  const w = await whisper.loadWhisper(nameOrPath, { signal: opts.signal });
  return {
    transcribe: async (audio, o): Promise<TranscriptionResult> => {
      const r = await whisper.transcribe(w, audio, {
        language: o.language, initialPrompt: o.prompt, signal: o.signal,
        ...(o.temperature !== undefined && o.temperature > 0 ? { temperature: o.temperature } : {}),
      });
      return {
        text: r.text, language: r.language,
        segments: r.segments.map((s) => ({
          id: s.id, seek: s.seek, start: s.start, end: s.end, text: s.text, tokens: s.tokens, temperature: s.temperature,
          avgLogprob: s.avgLogprob, compressionRatio: s.compressionRatio, noSpeechProb: s.noSpeechProb,
        })),
      };
    },
    dispose: () => w.dispose(),
  };
}
