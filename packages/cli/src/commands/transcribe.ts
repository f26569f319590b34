import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { numberOption, stringOption, UsageError, type Command } from '../cli.js';
import { formatTranscript } from '../format.js';
import { loadWhisper, transcribeFile } from '../models.js';

export const transcribeCommand: Command = {
  name: 'transcribe',
  summary: 'transcribe or translate an audio file with Whisper',
  usage: '<audio> [options]',
  description: 'Reads WAV (any rate, any channels) and writes text, subtitles (srt, vtt) or JSON with segments.',
  positionals: { min: 1, max: 1 },
  options: {
    model: { type: 'string', short: 'm', valueName: 'name|path', description: 'Whisper model', default: 'whisper-tiny.en' },
    language: { type: 'string', short: 'l', valueName: 'code', description: 'spoken language (multilingual models; default: detect)' },
    task: { type: 'string', valueName: 'task', description: 'transcribe, or translate into English', choices: ['transcribe', 'translate'], default: 'transcribe' },
    beam: { type: 'string', valueName: 'n', description: 'beam size (default: greedy)' },
    'word-timestamps': { type: 'boolean', description: 'word-level timestamps (json output)' },
    format: { type: 'string', short: 'f', valueName: 'fmt', description: 'output format', choices: ['txt', 'srt', 'vtt', 'json'], default: 'txt' },
    output: { type: 'string', short: 'o', valueName: 'file', description: 'write to a file instead of stdout' },
  },
  examples: ['mlx transcribe speech.wav', 'mlx transcribe talk.wav --model whisper-base --format srt -o talk.srt'],
  async run(ctx) {
    const beam = numberOption(ctx.values, 'beam', { int: true, min: 1, max: 16 });
    const format = stringOption(ctx.values, 'format') as 'txt' | 'srt' | 'vtt' | 'json';
    const audio = ctx.positionals[0]!;
    if (!audio.trim()) throw new UsageError('the audio path is empty', 'transcribe');
    if (!existsSync(audio)) throw new Error(`no such file: ${audio}`);
    const w = await loadWhisper(stringOption(ctx.values, 'model')!, { signal: ctx.signal });
    try {
      const r = await transcribeFile(w, audio, {
        language: stringOption(ctx.values, 'language'), task: stringOption(ctx.values, 'task'),
        ...(beam ? { beamSize: beam } : {}), wordTimestamps: ctx.values['word-timestamps'] === true, signal: ctx.signal,
      });
      const text = formatTranscript(r, format);
      const out = stringOption(ctx.values, 'output');
      if (out) await writeFile(out, text); else ctx.stdout.write(text);
    } finally { w.dispose(); }
  },
};
