import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { micSource, MissingProgramError, parseWavHeader, pcmSource, SourceError, WavFormatError, wavFileSource, type AudioFrame } from '../src/index.js';
import { wavBytes } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mlx-pipeline-src-'));
const hasSox = spawnSync('sox', ['--version']).status === 0;
const concat = (frames: AudioFrame[]) => Float32Array.from(frames.flatMap((f) => [...f.samples]));

describe('wavFileSource', () => {
  it.runIf(hasSox)('decodes a sox-written stereo 16-bit WAV exactly as sox decodes it', async () => {
    const wav = join(dir, 'chirp.wav');
    execFileSync('sox', ['-n', '-r', '22050', '-c', '2', '-b', '16', wav, 'synth', '0.73', 'sine', '200-3000', 'sine', '500', 'vol', '0.7']);
    const oracle = new Float32Array(new Uint8Array(execFileSync('sox', [wav, '-t', 'f32', '-e', 'floating-point', '-'])).buffer);
    const frames = await lastValueFrom(wavFileSource(wav, { frameMs: 20 }).pipe(toArray()));
    const got = concat(frames);
    expect(got.length).toBe(oracle.length);
    let maxErr = 0; for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - oracle[i]!));
    expect(maxErr).toBeLessThan(1e-6);
    // 20 ms frames of 441 sample pairs, timestamps exact, last one shorter.
    expect(frames[0]!.channels).toBe(2);
    expect(frames[0]!.samples.length).toBe(441 * 2);
    expect(frames[5]!.timestamp).toBeCloseTo((5 * 441) / 22050, 9);
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i));
  });

  it('paces at real time without drift and stops reading on unsubscribe', async () => {
    const wav = join(dir, 'silence.wav');
    writeFileSync(wav, wavBytes(new Float32Array(16000 * 0.6), 16000));
    const t0 = performance.now();
    const arrivals: number[] = [];
    const frames = await lastValueFrom(wavFileSource(wav, { pace: 'realtime', frameMs: 50 }).pipe(toArray()));
    expect(frames.length).toBe(12);
    const total = performance.now() - t0;
    expect(total).toBeGreaterThan(580);
    expect(total).toBeLessThan(900);
    // A 4× speed factor takes about a quarter of that.
    const t1 = performance.now();
    await lastValueFrom(wavFileSource(wav, { pace: 4, frameMs: 50 }));
    expect(performance.now() - t1).toBeLessThan(300);
    // Unsubscribing after 2 frames: no more frames come.
    const sub = wavFileSource(wav, { pace: 'realtime', frameMs: 50 }).subscribe((f) => arrivals.push(f.index));
    await new Promise((r) => setTimeout(r, 130));
    sub.unsubscribe();
    const n = arrivals.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(arrivals.length).toBe(n);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(3);
  });

  it('rejects malformed files with a typed error naming the offset', async () => {
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, Buffer.from('RIFF\x10\x00\x00\x00WAVEjunk'));
    await expect(lastValueFrom(wavFileSource(bad))).rejects.toBeInstanceOf(WavFormatError);
    const noWave = Buffer.from('hello world, not a wav');
    expect(() => parseWavHeader(noWave, 'x.wav')).toThrow(/x\.wav: not a RIFF\/WAVE file \(at byte 0\)/);
    const adpcm = wavBytes(new Float32Array(10), 16000); adpcm.writeUInt16LE(2, 20);
    expect(() => parseWavHeader(adpcm, 'a.wav')).toThrow(WavFormatError);
    const truncated = wavBytes(new Float32Array(100), 16000).subarray(0, 30);
    expect(() => parseWavHeader(truncated, 't.wav')).toThrow(/no data chunk|too short/);
    await expect(lastValueFrom(wavFileSource(join(dir, 'missing.wav')))).rejects.toThrow(/ENOENT/);
  });
});

describe('pcmSource', () => {
  it('reassembles samples split at odd byte boundaries into exact frames', async () => {
    const n = 1000;
    const pcm = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) pcm.writeInt16LE(i * 30 - 15000, 2 * i);
    const chunks = [pcm.subarray(0, 3), pcm.subarray(3, 777), pcm.subarray(777, 1501), pcm.subarray(1501)];
    async function* gen() { for (const c of chunks) yield c; }
    const frames = await lastValueFrom(pcmSource(gen(), { sampleRate: 8000, channels: 1, frameMs: 10 }).pipe(toArray()));
    expect(frames.map((f) => f.samples.length)).toEqual([...Array(12).fill(80), 40]);
    const got = concat(frames);
    for (let i = 0; i < n; i++) expect(got[i]).toBe((i * 30 - 15000) / 32768);
    expect(frames[12]!.timestamp).toBeCloseTo(0.12, 9);
  });

  it('destroys a Node stream on unsubscribe, and validates its format', async () => {
    const stream = new Readable({ read() { this.push(Buffer.alloc(320)); } });
    await firstValueFrom(pcmSource(stream, { sampleRate: 16000, channels: 1 }).pipe(take(3)));
    expect(stream.destroyed).toBe(true);
    expect(() => pcmSource(stream, { sampleRate: 0, channels: 1 })).toThrow(/sampleRate/);
    expect(() => pcmSource(stream, { sampleRate: 16000, channels: 1.5 })).toThrow(/channels/);
  });
});

describe('micSource', () => {
  it('throws MissingProgramError naming the programs when none is installed', async () => {
    const err = await lastValueFrom(micSource({ searchPath: join(dir, 'empty') })).catch((e) => e);
    expect(err).toBeInstanceOf(MissingProgramError);
    expect(err.code).toBe('MLX_MISSING_PROGRAM');
    expect(err.message).toMatch(/'arecord', 'rec', 'sox'/);
  });

  it('captures through a fake arecord and kills it on unsubscribe', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    const pidFile = join(bin, 'pid');
    // Endless 16-bit PCM at roughly real time; records its pid and arguments.
    writeFileSync(join(bin, 'arecord'), `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(pidFile)}, process.pid + ' ' + process.argv.slice(2).join(' '));\nsetInterval(() => process.stdout.write(Buffer.alloc(640, 1)), 20);\n`);
    chmodSync(join(bin, 'arecord'), 0o755);
    const frames = await lastValueFrom(micSource({ searchPath: bin, frameMs: 10 }).pipe(take(5), toArray()));
    expect(frames).toHaveLength(5);
    expect(frames[0]!.sampleRate).toBe(16000);
    expect(frames[0]!.samples[0]).toBeCloseTo(257 / 32768, 9);
    const [pid, ...args] = readFileSync(pidFile, 'utf8').split(' ');
    expect(args.join(' ')).toContain('-f S16_LE -r 16000 -c 1');
    const alive = () => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(alive()).toBe(false);
  });

  it('reports a failing capture program as a SourceError with its message', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    writeFileSync(join(bin, 'rec'), '#!/bin/sh\necho "no such audio device" >&2\nexit 3\n');
    chmodSync(join(bin, 'rec'), 0o755);
    const err = await lastValueFrom(micSource({ searchPath: bin })).catch((e) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toMatch(/rec exited with 3: no such audio device/);
  });
});
