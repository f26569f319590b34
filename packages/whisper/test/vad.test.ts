import { describe, expect, it } from 'vitest';
import { EnergyVad, HysteresisVad, speechRegions, type FrameScorer } from '../src/audio/vad.js';
import { loadAudio } from '../src/load.js';
import { haveEspeak, synth } from './real-model.js';

const SR = 16000;
function whiteNoise(seconds: number, rms: number, seed = 1): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  let s = seed;
  for (let i = 0; i < x.length; i += 2) {  // Box-Muller
    s = (s * 1103515245 + 12345) >>> 0; const u = (s + 1) / 2 ** 32;
    s = (s * 1103515245 + 12345) >>> 0; const v = (s + 1) / 2 ** 32;
    const r = Math.sqrt(-2 * Math.log(u)) * rms;
    x[i] = r * Math.cos(2 * Math.PI * v); if (i + 1 < x.length) x[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return x;
}
function withSilence(speech: Float32Array, before: number, after: number): Float32Array {
  const out = new Float32Array(Math.round((before + after) * SR) + speech.length);
  out.set(speech, Math.round(before * SR));
  return out;
}

describe('EnergyVad', () => {
  it('silence and stationary noise produce no speech', () => {
    expect(speechRegions(new Float32Array(SR * 5))).toEqual([]);
    expect(speechRegions(whiteNoise(5, 0.03))).toEqual([]);  // −30 dBFS white noise: loud but spectrally flat
  });

  it('a scripted scorer: start after minSpeechMs, end after minSilenceMs, padded', () => {
    // Frames of 10 ms; speech frames 100..199 (1.00 s .. 2.00 s).
    const scores = Array.from({ length: 400 }, (_, i) => (i >= 100 && i < 200 ? 1 : 0));
    let k = 0;
    const scorer: FrameScorer = { score: () => scores[k++]! };
    const vad = new HysteresisVad(scorer, { frameMs: 10, minSpeechMs: 50, minSilenceMs: 300, padMs: 100 });
    const events = vad.push(new Float32Array(400 * 160));
    expect(events).toEqual([{ type: 'start', time: 0.9 }, { type: 'end', time: 2.1 }]);
  });

  it('chunked pushes give the same events as one push', () => {
    const x = withSilence(whiteNoise(1, 0.1), 1, 1).map((v, i) => v * (i > SR && i < 2 * SR ? 1 : 0) + 0.2 * Math.sin(i * 0.05) * (i > SR && i < 2 * SR ? 1 : 0));
    const one = new EnergyVad().push(x);
    const v = new EnergyVad();
    const many: ReturnType<EnergyVad['push']> = [];
    for (let i = 0; i < x.length; i += 777) many.push(...v.push(x.subarray(i, i + 777)));
    expect(many).toEqual(one);
  });

  it('bad options and input give typed errors', () => {
    expect(() => new EnergyVad({ threshold: 2 })).toThrow(expect.objectContaining({ code: 'MLX_INVALID_ARGUMENT' }));
    expect(() => new EnergyVad({ frameMs: 0 })).toThrow(expect.objectContaining({ code: 'MLX_INVALID_ARGUMENT' }));
    expect(() => new EnergyVad().push([1, 2] as unknown as Float32Array)).toThrow(expect.objectContaining({ code: 'MLX_INVALID_ARGUMENT' }));
  });

  it.skipIf(!haveEspeak)('finds espeak speech placed between known silences (±0.3 s), also over noise', async () => {
    const speech = await loadAudio(synth('The train to London leaves at half past seven.'));
    const lastLoud = (() => { let i = speech.length - 1; while (i > 0 && Math.abs(speech[i]!) < 1e-3) i--; return i / SR; })();
    const firstLoud = (() => { let i = 0; while (i < speech.length && Math.abs(speech[i]!) < 1e-3) i++; return i / SR; })();
    for (const noiseRms of [0, 0.003]) {
      const x = withSilence(speech, 2, 2);
      if (noiseRms) { const n = whiteNoise(x.length / SR, noiseRms, 7); for (let i = 0; i < x.length; i++) x[i] += n[i]!; }
      const r = speechRegions(x, new EnergyVad({ padMs: 0 }));
      expect(r.length).toBeGreaterThanOrEqual(1);
      expect(r[0]!.start).toBeCloseTo(2 + firstLoud, 0);
      expect(Math.abs(r[0]!.start - (2 + firstLoud))).toBeLessThan(0.3);
      expect(Math.abs(r.at(-1)!.end - (2 + lastLoud))).toBeLessThan(0.3);
    }
  });
});
