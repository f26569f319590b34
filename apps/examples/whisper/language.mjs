// Language identification and translation with multilingual base:
// node apps/examples/whisper/language.mjs [file.wav] [--translate]   (default: German speech from espeak-ng)
import { loadWhisper, transcribe } from '@mlx/whisper';
import { runAsScript, spoken } from './common.mjs';

export async function main(args) {
  const w = await loadWhisper(args.model ?? 'whisper-base');
  try {
    const input = args._[0] ?? spoken('Das Wetter ist heute schön und wir gehen in den Park.', 'de');
    const r = await transcribe(w, input, { task: 'transcribe' });
    console.log(`language: ${r.language}`);
    console.log(`transcript: ${r.text}`);
    if (args.translate) {
      const t = await transcribe(w, input, { task: 'translate', language: r.language });
      console.log(`translation: ${t.text}`);
    }
    return r;
  } finally {
    w.dispose();
  }
}
runAsScript(import.meta, main);
