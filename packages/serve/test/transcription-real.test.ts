// Real Whisper tiny.en behind /v1/audio/transcriptions, uploaded with the openai client; speech from espeak-ng.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { wordErrorRate } from '@mlx/whisper';
import { createServer, transcriberFromWhisper, type MlxServer } from '../src/index.js';

const modelDir = join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache/mlx-ts/models'), 'whisper-tiny.en');
const haveEspeak = (() => { try { execFileSync('espeak-ng', ['--version']); return true; } catch { return false; } })();

describe.skipIf(!existsSync(modelDir) || !haveEspeak)('transcriptions with real whisper-tiny.en', () => {
  let server: MlxServer;
  let dispose: () => void;
  beforeAll(async () => {
    const t = await transcriberFromWhisper(modelDir);
    dispose = t.dispose;
    server = await createServer({ port: 0, transcribers: [{ id: 'whisper-tiny.en', transcribe: t.transcribe }] });
  });
  afterAll(async () => { await server?.close(); dispose?.(); });

  it('transcribes an uploaded WAV', async () => {
    const wavPath = join(mkdtempSync(join(tmpdir(), 'serve-')), 'speech.wav');
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wavPath, 'Hello, this is a test of the speech recognition server. Thank you very much.']);
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const r = await client.audio.transcriptions.create({ file: await toFile(readFileSync(wavPath), 'speech.wav'), model: 'whisper-tiny.en' });
    // espeak-ng speech through tiny.en is imperfect: bound the word error rate (@mlx/whisper's WER).
    expect(wordErrorRate('Hello, this is a test of the speech recognition server. Thank you very much.', r.text)).toBeLessThan(0.35);
    const srt = await client.audio.transcriptions.create({ file: await toFile(readFileSync(wavPath), 'speech.wav'), model: 'whisper-tiny.en', response_format: 'srt' });
    expect(srt).toMatch(/^1\n00:00:0\d,\d{3} --> 00:00:\d\d,\d{3}\n.*(test|thank)/is);
  });
});
