// Audio front end against independent oracles: WAV files written with struct (scripts/oracles/whisper/audio.py),
// scipy.signal.resample_poly, and openai/whisper's log-mel recipe run with torch.stft + transformers' filterbank.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decodeWav, downmix, encodeWav16 } from '../src/audio/wav.js';
import { resample } from '../src/audio/resample.js';
import { logMelSpectrogram, melFilterbank } from '../src/audio/mel.js';
import { loadAudio } from '../src/load.js';
import { AudioFormatError } from '../src/errors.js';

const FIX = join(__dirname, 'fixtures', 'audio');
const npz = (f: string) => mx.load(join(FIX, f)) as Record<string, mx.array>;
const f32 = (a: mx.array) => a.astype(mx.float32).toTypedArray() as Float32Array;
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('decodeWav', () => {
  const expected = npz('wav_expected.npz');
  it.each(Object.keys(expected))('%s decodes to the written samples (downmixed)', (name) => {
    const wav = decodeWav(readFileSync(join(FIX, `${name}.wav`)));
    expect(wav.sampleRate).toBe(11025);
    const mono = downmix(wav.channels);
    expect(maxAbsDiff(mono, f32(expected[name]))).toBeLessThan(1e-6);
  });

  it('truncated and corrupt files give AudioFormatError with an offset', () => {
    const good = readFileSync(join(FIX, 'pcm16_stereo.wav'));
    for (const cut of [0, 5, 11, 20, 40, 60, good.length - 3]) {
      expect(() => decodeWav(good.subarray(0, cut), 'x.wav')).toThrow(AudioFormatError);
    }
    const bad = Uint8Array.from(good);
    bad[8] = 0x58; // 'WAVE' → 'XAVE'
    expect(() => decodeWav(bad)).toThrow(/not a WAVE file/);
    const badFmt = Uint8Array.from(good);
    badFmt[20] = 0x55; // format tag 0x55 (MP3)
    expect(() => decodeWav(badFmt)).toThrow(AudioFormatError);
    try { decodeWav(good.subarray(0, 40), 'cut.wav'); } catch (e) {
      expect((e as AudioFormatError).code).toBe('MLX_AUDIO_FORMAT');
      expect((e as AudioFormatError).file).toBe('cut.wav');
      expect((e as AudioFormatError).offset).toBeGreaterThan(0);
    }
    // Random bit flips: either a clean decode or a typed error, never anything else.
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 200; i++) {
      const b = Uint8Array.from(good);
      for (let k = 0; k < 3; k++) b[Math.floor(rnd() * 60)] ^= 1 << Math.floor(rnd() * 8);
      try { decodeWav(b); } catch (e) { expect(e).toBeInstanceOf(AudioFormatError); }
    }
  });
});

describe('resample', () => {
  const r = npz('resample.npz');
  it.each([[44100, 16000], [8000, 16000], [22050, 16000], [48000, 16000]])('%d → %d matches scipy resample_poly', (src, dst) => {
    const y = resample(f32(r[`x_${src}`]), src, dst);
    const ref = f32(r[`y_${src}_${dst}`]);
    expect(y.length).toBe(ref.length);
    expect(maxAbsDiff(y, ref)).toBeLessThan(2e-5);
  });

  it('attenuates a tone above the new Nyquist by more than 50 dB and keeps one below', () => {
    const sr = 44100, n = sr;
    const tone = (f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / sr));
    const rms = (x: Float32Array) => Math.sqrt(x.slice(2000, -2000).reduce((s, v) => s + v * v, 0) / (x.length - 4000));
    const above = resample(tone(9500), sr, 16000); // 9.5 kHz aliases to 6.5 kHz without filtering
    const below = resample(tone(3000), sr, 16000);
    expect(20 * Math.log10(rms(above) / Math.SQRT1_2)).toBeLessThan(-50);
    expect(Math.abs(rms(below) / Math.SQRT1_2 - 1)).toBeLessThan(1e-3);
  });

  it('rejects bad rates and passes equal rates through', () => {
    expect(() => resample(new Float32Array(4), 0, 16000)).toThrow(mx.InvalidArgumentError);
    expect(() => resample(new Float32Array(4), 44100.5, 16000)).toThrow(mx.InvalidArgumentError);
    expect(resample(Float32Array.of(1, 2), 16000, 16000)).toEqual(Float32Array.of(1, 2));
    expect(resample(new Float32Array(0), 44100, 16000).length).toBe(0);
  });
});

describe('logMelSpectrogram', () => {
  const m = npz('logmel.npz');
  it.each([80, 128])('%d mels: filterbank and log-mel match whisper recipe (torch.stft) within 1e-4', (nMels) => {
    const fb = melFilterbank(nMels);
    expect(maxAbsDiff(fb, f32(m[`filters_${nMels}`]))).toBeLessThan(1e-6);
    const pad = m[`pad_${nMels}`].item() as number;
    const ours = logMelSpectrogram(f32(m[`audio_${nMels}`]), nMels, pad);
    const ref = m[`logmel_${nMels}`];
    expect(ours.shape).toEqual(ref.shape);
    expect(maxAbsDiff(f32(ours), f32(ref))).toBeLessThan(1e-4);
  });

  it('empty and very short audio', () => {
    expect(logMelSpectrogram(new Float32Array(0)).shape).toEqual([80, 0]);
    expect(logMelSpectrogram(new Float32Array(100), 80, 480000).shape).toEqual([80, 3000]);
    expect(() => logMelSpectrogram(new Float32Array(10), 81)).toThrow(mx.InvalidArgumentError);
  });
});

describe('loadAudio', () => {
  it('reads paths and bytes at any rate, downmixes and resamples to 16 kHz; passes 16 kHz samples through', async () => {
    const a = await loadAudio(join(FIX, 'pcm16_stereo.wav'));
    expect(a.length).toBe(Math.ceil((300 * 16000) / 11025));
    const x = Float32Array.from({ length: 1600 }, (_, i) => Math.sin(i / 10) * 0.5);
    const back = await loadAudio(encodeWav16(x, 16000));
    expect(maxAbsDiff(back, x)).toBeLessThan(1 / 32767 + 1e-6);
    expect(await loadAudio(x)).toBe(x);
    expect((await loadAudio(x, 8000)).length).toBe(3200);
    expect((await loadAudio(encodeWav16(new Float32Array(0), 16000))).length).toBe(0);
    await expect(loadAudio('/nonexistent/file.wav')).rejects.toBeInstanceOf(AudioFormatError);
  });
});
