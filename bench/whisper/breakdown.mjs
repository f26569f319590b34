// Where the end-to-end time of transcribe() goes (not a peer comparison): windows, encoder passes, decode steps
// per batch size, temperature fallbacks. Usage: node bench/whisper/breakdown.mjs [float32|int8] [beam] [30|300] [reps]
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { writeFileSync } from 'node:fs';
import { SENTENCES, espeakWav, concat } from './speech.mjs';

// WHISPER_DIST: another build of @mlx/whisper's dist (before/after comparisons in one session)
const { loadWhisper, loadAudio, transcribe, encodeWav16 } = await import(process.env.WHISPER_DIST ?? '../../packages/whisper/dist/index.js');
mx.setNumThreads?.(2);
const [dtype = 'float32', beamArg = '1', secsArg = '30', repsArg = '2'] = process.argv.slice(2);
const beam = Number(beamArg), secs = Number(secsArg), reps = Number(repsArg);
const modelDir = join(homedir(), '.cache', 'mlx-ts', 'models', 'whisper-tiny.en');
const clips = [];
let n = 0;
for (let i = 0; n < secs * 16000; i++) {
  const c = await loadAudio(espeakWav(SENTENCES[i % SENTENCES.length], { speed: i % 2 ? 175 : 150 }));
  clips.push(c); n += c.length + 0.6 * 16000;
}
const audio = concat(clips).subarray(0, secs * 16000);
// transcribed from a 16-bit WAV file like bench/whisper/run.mjs does (the rounding changes the decoded text)
const wavPath = join(tmpdir(), `whisper-breakdown-${secs}s.wav`);
writeFileSync(wavPath, encodeWav16(audio, 16000));
const w = await loadWhisper(modelDir, dtype === 'int8' ? { quantize: 'int8' } : { dtype: 'float32' });
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
let st = { encWall: 0, encCpu: 0, windows: 0, steps: {} };
const model = w.model;
const embed = model.embedAudio.bind(model), decode = model.decode.bind(model);
model.embedAudio = (mel) => {  // evaluated here so its time can be told apart from decoding
  const t0 = performance.now(), c0 = cpu();
  const f = embed(mel); mx.eval(f);
  st.encWall += performance.now() - t0; st.encCpu += cpu() - c0; st.windows++;
  return f;
};
model.decode = (tokens, feats, cache, opts) => {
  const key = `B${tokens.shape[0]}xT${tokens.shape[1] > 1 ? 'n' : 1}`;
  st.steps[key] = (st.steps[key] ?? 0) + 1;
  return decode(tokens, feats, cache, opts);
};
await transcribe(w, audio.subarray(0, 16000 * 5), { beamSize: 1 });
for (let r = 0; r < reps; r++) {
  st = { encWall: 0, encCpu: 0, windows: 0, steps: {} };
  const t0 = performance.now(), c0 = cpu(), l0 = loadavg()[0];
  const res = await transcribe(w, wavPath, { beamSize: beam, language: 'en' });
  const wall = performance.now() - t0, c = cpu() - c0;
  const nsteps = Object.entries(st.steps).filter(([k]) => k.endsWith('T1')).reduce((a, [, v]) => a + v, 0);
  const temps = [...new Set(res.segments.map((s) => s.temperature))];
  console.log(`${dtype} beam ${beam} ${secs}s: wall ${wall.toFixed(0)} ms cpu ${c.toFixed(0)} ms | encoder ${st.windows}× wall ${st.encWall.toFixed(0)} cpu ${st.encCpu.toFixed(0)} | ` +
    `steps ${JSON.stringify(st.steps)} | rest per step wall ${((wall - st.encWall) / nsteps).toFixed(2)} cpu ${((c - st.encCpu) / nsteps).toFixed(2)} ms | temps ${temps} | load ${l0.toFixed(1)}`);
}
w.dispose();
