#!/usr/bin/env node
// Synthesises the sentences of sentences.json with espeak-ng into a cache directory (deterministic: same text,
// voice and speed give the same file; existing files are reused). Usage: node scripts/speech/make-wavs.mjs [dir]
// As a module: `await makeSpeechCorpus(dir)` → [{ lang, index, text, path }].
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const VOICES = { en: 'en-us', de: 'de', fr: 'fr-fr', es: 'es' };

export function defaultSpeechDir() {
  return process.env.MLX_SPEECH_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'speech');
}

export function espeakAvailable() {
  try { execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

export function makeSpeechCorpus(dir = defaultSpeechDir()) {
  const sentences = JSON.parse(readFileSync(join(here, 'sentences.json'), 'utf8'));
  mkdirSync(dir, { recursive: true });
  const out = [];
  for (const [lang, list] of Object.entries(sentences)) {
    list.forEach((text, index) => {
      const voice = VOICES[lang];
      const key = createHash('sha1').update(`${voice}|150|${text}`).digest('hex').slice(0, 10);
      const path = join(dir, `${lang}-${String(index).padStart(2, '0')}-${key}.wav`);
      if (!existsSync(path) || statSync(path).size < 1000) {
        const tmp = `${path}.tmp`;
        execFileSync('espeak-ng', ['-v', voice, '-s', '150', '-w', tmp, text], { stdio: 'ignore' });
        renameSync(tmp, path);
      }
      out.push({ lang, index, text, path });
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = makeSpeechCorpus(process.argv[2]);
  console.log(`${files.length} WAV files in ${dirname(files[0].path)}`);
}
