// Builds a multi-utterance speech WAV with espeak-ng: each sentence is spoken, resampled to 16 kHz and separated
// from the next by silence. Returns where each utterance lies, so tests can check segmentation and transcripts.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWavHeader, pcmToFloat32, resampleArray } from '@mlx/pipeline';

/** Questions a voice assistant can answer briefly; each takes about 4–6 s to say. */
export const QUESTIONS = [
  'I am planning a trip to France next spring. What is the capital city of France?',
  'My daughter asked me a question about animals today. How many legs does a spider have?',
  'I would like to eat something healthy this afternoon. Can you name a fruit that is yellow?',
  'We were looking out of the window this morning. What color is the sky on a clear day?',
  'I am trying to help my son with his homework tonight. What is two plus two?',
  'I want to learn something new about space. Tell me one fact about the moon.',
  'Before we finish, one more question about geography. Which ocean is the largest?',
  'It is getting late and I should go to sleep soon. Please say good night to me.',
];

export function hasEspeak() {
  return spawnSync('espeak-ng', ['--version']).status === 0;
}

/** 16-bit PCM WAV bytes of mono float samples. */
export function encodeWav(samples, sampleRate) {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), 2 * i);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVEfmt ', 8); h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(sampleRate, 24); h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Speaks one sentence with espeak-ng: mono float samples at 16 kHz. */
export function speak(text, { voice = 'en-us', wpm = 165 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-espeak-'));
  try {
    const file = join(dir, 's.wav');
    execFileSync('espeak-ng', ['-v', voice, '-s', String(wpm), '-w', file, text]);
    const bytes = new Uint8Array(readFileSync(file));
    const info = parseWavHeader(bytes, file);
    const pcm = pcmToFloat32(bytes.subarray(info.dataOffset, info.dataOffset + info.dataBytes), info.encoding);
    return resampleArray(pcm, info.sampleRate, 16000);
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** Writes sentences separated by `gapSeconds` of silence; returns { path, duration, utterances: [{ text, start, end }] }. */
export function makeSpeechWav(path, { sentences = QUESTIONS, gapSeconds = 2, leadSeconds = 1, tailSeconds = 2 } = {}) {
  const rate = 16000;
  const clips = sentences.map((s) => speak(s));
  const total = Math.round((leadSeconds + tailSeconds + gapSeconds * (clips.length - 1)) * rate) + clips.reduce((n, c) => n + c.length, 0);
  const audio = new Float32Array(total);
  const utterances = [];
  let at = Math.round(leadSeconds * rate);
  clips.forEach((c, i) => {
    audio.set(c, at);
    utterances.push({ text: sentences[i], start: at / rate, end: (at + c.length) / rate });
    at += c.length + Math.round(gapSeconds * rate);
  });
  writeFileSync(path, encodeWav(audio, rate));
  return { path, duration: total / rate, utterances };
}
