// Test speech: English sentences synthesised with espeak-ng (reference transcripts are the sentences themselves).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'She sells sea shells by the sea shore.',
  'The weather today is sunny with a light breeze.',
  'Please remember to buy milk and bread on your way home.',
  'The train to London leaves at half past seven.',
  'My brother plays the guitar in a small band.',
  'We walked along the river until the sun went down.',
  'The children built a large castle out of sand.',
  'He opened the window to let some fresh air in.',
  'The library closes early on Sunday afternoons.',
  'A cup of hot tea is the best way to start the day.',
  'The doctor told him to get more sleep and exercise.',
  'Our team won the final match by two points.',
  'The old house at the end of the street is empty.',
  'She wrote a long letter to her grandmother.',
  'The museum has a new exhibition about ancient Egypt.',
  'Turn left at the bakery and walk for five minutes.',
  'The cat sat quietly on the warm kitchen floor.',
  'They are planning a trip to the mountains next summer.',
  'The computer needs to be restarted after the update.',
  'I would like a table for two near the window.',
  'The garden is full of roses and tall green trees.',
  'Please turn off the lights when you leave the room.',
  'The new bridge was opened by the mayor last week.',
];

/** Synthesises `text` with espeak-ng; returns the WAV bytes (22.05 kHz mono 16-bit). */
export function espeakWav(text, { voice = 'en-us', speed = 160 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'espeak-'));
  try {
    const f = join(dir, 'x.wav');
    execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', f, text]);
    return new Uint8Array(readFileSync(f));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function hasEspeak() {
  try { execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** Concatenates 16 kHz clips with `gap` seconds of silence between them. */
export function concat(clips, gap = 0.6, rate = 16000) {
  const g = Math.round(gap * rate);
  const out = new Float32Array(clips.reduce((n, c) => n + c.length + g, 0));
  let o = 0;
  for (const c of clips) { out.set(c, o); o += c.length + g; }
  return out;
}
