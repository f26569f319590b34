// Shared bits of the Whisper examples: argument parsing and a spoken test clip when no audio file is given.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `--key value` and `--flag` arguments plus positionals. */
export function parseArgs(argv = process.argv.slice(2)) {
  const opts = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) opts[a.slice(2)] = true; else { opts[a.slice(2)] = next; i++; }
    } else opts._.push(a);
  }
  return opts;
}

/** WAV bytes of `text` spoken by espeak-ng (the examples' default input). */
export function spoken(text, voice = 'en-us') {
  const f = join(mkdtempSync(join(tmpdir(), 'whisper-example-')), 'speech.wav');
  execFileSync('espeak-ng', ['-v', voice, '-w', f, text]);
  return new Uint8Array(readFileSync(f));
}

export const DEFAULT_TEXT = 'The quick brown fox jumps over the lazy dog. Please remember to buy milk and bread on your way home.';

/** Runs main() when the module is the entry point; errors print their code and exit 1. */
export function runAsScript(meta, main) {
  if (process.argv[1] && fileURLToPath(meta.url) === process.argv[1]) {
    main(parseArgs()).catch((e) => { console.error(`${e.code ?? e.name}: ${e.message}`); process.exit(1); });
  }
}
