// Word-level timestamps: node apps/examples/whisper/word-timestamps.mjs [file.wav]
import { loadWhisper, transcribe } from '@mlx/whisper';
import { DEFAULT_TEXT, runAsScript, spoken } from './common.mjs';

export async function main(args) {
  const w = await loadWhisper(args.model ?? 'whisper-tiny.en');
  try {
    const r = await transcribe(w, args._[0] ?? spoken(DEFAULT_TEXT), { wordTimestamps: true });
    for (const s of r.segments) {
      console.log(`segment [${s.start.toFixed(2)} → ${s.end.toFixed(2)}]`);
      for (const x of s.words) console.log(`  ${x.start.toFixed(2)}–${x.end.toFixed(2)}  ${x.word.trim().padEnd(16)} p=${x.probability.toFixed(2)}`);
    }
    return r;
  } finally {
    w.dispose();
  }
}
runAsScript(import.meta, main);
