// Write subtitles: node apps/examples/whisper/subtitles.mjs [file.wav] [--out dir] [--highlight]
// Produces <name>.srt, .vtt, .txt and .json (with --highlight the VTT has one cue per word, the word underlined).
import { mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { loadWhisper, transcribe, writeSubtitles } from '@mlx/whisper';
import { DEFAULT_TEXT, runAsScript, spoken } from './common.mjs';

export async function main(args) {
  const w = await loadWhisper(args.model ?? 'whisper-tiny.en');
  try {
    const input = args._[0] ?? spoken(DEFAULT_TEXT);
    const r = await transcribe(w, input, { wordTimestamps: !!args.highlight });
    const out = args.out ?? '.';
    mkdirSync(out, { recursive: true });
    const name = typeof input === 'string' ? basename(input, extname(input)) : 'speech';
    const files = [];
    for (const fmt of ['srt', 'vtt', 'txt', 'json']) {
      const f = join(out, `${name}.${fmt}`);
      await writeSubtitles(r, f, fmt, { highlightWords: !!args.highlight });
      files.push(f);
    }
    console.log(files.join('\n'));
    return files;
  } finally {
    w.dispose();
  }
}
runAsScript(import.meta, main);
