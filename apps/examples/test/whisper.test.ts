// The Whisper examples run end to end on real weights (skipped without tiny.en or espeak-ng).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-ignore: plain .mjs example modules without type declarations
import { main as transcribeFile } from '../whisper/transcribe-file.mjs';
// @ts-ignore
import { main as subtitles } from '../whisper/subtitles.mjs';
// @ts-ignore
import { main as wordTimestamps } from '../whisper/word-timestamps.mjs';
// @ts-ignore
import { main as streaming } from '../whisper/streaming.mjs';
// @ts-ignore
import { main as language } from '../whisper/language.mjs';

const models = process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models');
const haveTiny = existsSync(join(models, 'whisper-tiny.en', 'model.bin'));
const haveBase = existsSync(join(models, 'whisper-base', 'model.bin'));
const haveEspeak = (() => { try { execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();
const quiet = <T>(fn: () => Promise<T>) => async () => {
  const log = console.log, err = process.stderr.write.bind(process.stderr);
  console.log = () => {}; (process.stderr as any).write = () => true;
  try { return await fn(); } finally { console.log = log; (process.stderr as any).write = err; }
};

describe.skipIf(!haveTiny || !haveEspeak)('whisper examples', () => {
  it('transcribe-file: the default spoken clip comes back as text', async () => {
    const r = await quiet(() => transcribeFile({ _: [] }))();
    expect(r.text.toLowerCase()).toContain('lazy dog');
    expect(r.text.toLowerCase()).toContain('milk');
  });

  it('subtitles: writes srt, vtt (word highlighting), txt, json', async () => {
    const out = mkdtempSync(join(tmpdir(), 'subs-'));
    const files: string[] = await quiet(() => subtitles({ _: [], out, highlight: true }))();
    expect(files.map((f) => f.split('.').pop())).toEqual(['srt', 'vtt', 'txt', 'json']);
    expect(readFileSync(files[0]!, 'utf8')).toMatch(/^1\n00:00:0\d,\d{3} --> 00:00:\d\d,\d{3}\n/);
    expect(readFileSync(files[1]!, 'utf8')).toMatch(/^WEBVTT\n\n[\s\S]*<u>/);
    expect(JSON.parse(readFileSync(files[3]!, 'utf8')).segments.length).toBeGreaterThan(0);
  });

  it('word-timestamps: words in order inside their segments', async () => {
    const r = await quiet(() => wordTimestamps({ _: [] }))();
    const words = r.segments.flatMap((s: any) => s.words);
    expect(words.length).toBeGreaterThanOrEqual(15);
    for (let i = 1; i < words.length; i++) expect(words[i].start).toBeGreaterThanOrEqual(words[i - 1].start);
  });

  it('streaming: finals for the spoken sentences', async () => {
    const finals = await quiet(() => streaming({ _: [], fast: true }))();
    expect(finals.length).toBeGreaterThanOrEqual(1);
    expect(finals.map((f: any) => f.text).join(' ').toLowerCase()).toContain('goodbye');
  });

  it.skipIf(!haveBase)('language: German speech is identified as German', async () => {
    const r = await quiet(() => language({ _: [] }))();
    expect(r.language).toBe('de');
  }, 60_000);
});
