// Transcribe an audio file: node apps/examples/whisper/transcribe-file.mjs [file.wav] [--model whisper-tiny.en]
//   [--beam 5] [--language en] [--vad]
import { loadWhisper, transcribe } from '@mlx/whisper';
import { DEFAULT_TEXT, runAsScript, spoken } from './common.mjs';

export async function main(args) {
  const w = await loadWhisper(args.model ?? 'whisper-tiny.en');
  try {
    const input = args._[0] ?? spoken(DEFAULT_TEXT);
    const t0 = performance.now();
    const r = await transcribe(w, input, {
      beamSize: args.beam ? Number(args.beam) : undefined, language: args.language, vadFilter: !!args.vad,
      onProgress: (p) => process.stderr.write(`\r${p.processed.toFixed(1)} / ${p.total.toFixed(1)} s`),
    });
    process.stderr.write('\n');
    for (const s of r.segments) console.log(`[${s.start.toFixed(2)} → ${s.end.toFixed(2)}]${s.text}`);
    console.error(`language ${r.language}, ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    return r;
  } finally {
    w.dispose();
  }
}
runAsScript(import.meta, main);
