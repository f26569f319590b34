// Whisper tiny.en on this machine: our transcribe() vs faster-whisper (CTranslate2, same model files), fp32 and
// int8, beam 1 and 5, cpu_threads=2; WER of both; encoder time against the FLOP limit; streaming RTF and latency.
// Usage: node bench/whisper/run.mjs [--quick] [--no-streaming] [--record]   (--quick: 30 s clip only, one rep)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx/core';
import { SENTENCES, espeakWav, concat } from './speech.mjs';

// WHISPER_DIST: another build of @mlx/whisper's dist (to compare before/after in one session; MLX_NATIVE_PATH likewise)
const { loadWhisper, loadAudio, transcribe, encodeWav16, logMelSpectrogram, wordErrorRate, createStreamingTranscriber } =
  await import(process.env.WHISPER_DIST ?? '../../packages/whisper/dist/index.js');

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const record = process.argv.includes('--record');
const streaming = !process.argv.includes('--no-streaming');  // skip the 30 s real-time streaming part
const modelDir = join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models'), 'whisper-tiny.en');
mx.setNumThreads?.(2);

// --- audio: sentences cycled with two speaking rates until the target length
async function speech(seconds) {
  const clips = [];
  let n = 0, i = 0;
  while (n < seconds * 16000) {
    const c = await loadAudio(espeakWav(SENTENCES[i % SENTENCES.length], { speed: i % 2 ? 175 : 150 }));
    clips.push(c); n += c.length + 0.6 * 16000; i++;
  }
  const a = concat(clips).subarray(0, seconds * 16000);
  // Reference: the sentences fully inside the clip.
  let acc = 0, k = 0; const ref = [];
  for (; k < clips.length; k++) { acc += clips[k].length; if (acc > a.length) break; ref.push(SENTENCES[k % SENTENCES.length]); acc += 0.6 * 16000; }
  return { audio: a, ref: ref.join(' '), sentencesInside: ref.length };
}
// A clip's cut last sentence would count as errors for both systems alike; trim hypotheses to the reference length.
const wer = (ref, hyp) => { const n = ref.split(/\s+/).length; return wordErrorRate(ref, hyp.trim().split(/\s+/).slice(0, n + 2).join(' ')); };

const loadStart = loadavg()[0];
const dir = mkdtempSync(join(tmpdir(), 'whisper-bench-'));
const clips = [];
for (const [name, secs] of quick ? [['30s', 30]] : [['30s', 30], ['5min', 300]]) {
  const s = await speech(secs);
  const path = join(dir, `${name}.wav`);
  writeFileSync(path, encodeWav16(s.audio, 16000));
  clips.push({ name, path, ...s });
}
const settings = [{ compute_type: 'float32', beam: 1 }, { compute_type: 'float32', beam: 5 }, { compute_type: 'int8', beam: 1 }, { compute_type: 'int8', beam: 5 }];

// --- ours and faster-whisper (same CT2 files), interleaved per setting so that a change of machine load during
// the run (other engineers' builds) hits both alike
const python = execFileSync('bash', [join(here, 'setup.sh')], { encoding: 'utf8' }).trim().split('\n').pop();
const runPeer = (setting) => JSON.parse(execFileSync(python, [join(here, 'peer.py'), JSON.stringify({ model: modelDir, threads: 2, reps: 1,
  wavs: clips.map((c) => ({ name: c.name, path: c.path })), settings: [setting] })], { encoding: 'utf8', maxBuffer: 1 << 26 })).results;
const ours = [];
const peer = { results: [] };
let encoder;
for (const dtype of ['float32', 'int8']) {
  const w = await loadWhisper(modelDir, dtype === 'int8' ? { quantize: 'int8' } : { dtype: 'float32' });
  if (dtype === 'float32') {  // encoder alone, one 30 s window, median of 3 after a warm-up
    const mel = logMelSpectrogram(clips[0].audio.subarray(0, 480000), 80, 0).reshape([1, 80, 3000]);
    const ts = [];
    for (let i = 0; i < 4; i++) { const t0 = performance.now(); const f = w.model.embedAudio(mel); await mx.asyncEval(f); f.dispose(); if (i) ts.push((performance.now() - t0) / 1000); }
    encoder = ts.sort((a, b) => a - b)[1];
  }
  await transcribe(w, clips[0].audio.subarray(0, 16000 * 5), { beamSize: 1 });  // warm-up
  for (const beam of [1, 5]) {
    for (const c of clips) {
      const t0 = performance.now(), c0 = process.cpuUsage();
      const r = await transcribe(w, c.path, { beamSize: beam, language: 'en' });
      const cpu = process.cpuUsage(c0);
      ours.push({ name: c.name, compute_type: dtype, beam, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, text: r.text, load: loadavg()[0] });
      console.error(`ours ${dtype} beam ${beam} ${c.name}: ${ours.at(-1).seconds.toFixed(2)} s (load ${loadavg()[0].toFixed(1)})`);
    }
    for (const r of runPeer({ compute_type: dtype, beam })) {
      peer.results.push({ ...r, load: loadavg()[0] });
      console.error(`faster-whisper ${dtype} beam ${beam} ${r.name}: ${r.seconds.toFixed(2)} s (load ${loadavg()[0].toFixed(1)})`);
    }
  }
  w.dispose();
}

// --- streaming: feed a 30 s clip paced at real time in 100 ms chunks
async function streamingRun() {
  const w = await loadWhisper(modelDir, { dtype: 'float32' });
  const st = createStreamingTranscriber(w, { partialIntervalMs: 1000 });
  const lat = [];
  const finals = [];
  const consume = (async () => { for await (const e of st) if (e.type === 'final') { finals.push(e.segment.text); lat.push(e.latencyMs); } })();
  const a = clips[0].audio;
  const t0 = performance.now();
  for (let i = 0; i < a.length; i += 1600) {
    st.push(a.subarray(i, i + 1600));
    const due = t0 + ((i + 1600) / 16000) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
  const streamEnd = performance.now();
  st.end();
  await consume;
  const tail = performance.now() - streamEnd;
  const ss = st.stats();
  w.dispose();
  return { ss, lat, finals, tail };
}
const { ss, lat, finals, tail } = streaming ? await streamingRun() : { ss: null, lat: [], finals: [], tail: NaN };

// --- table
const limit = 36.9e9 / 140e9;  // tiny encoder FLOPs / ~140 GFLOP/s fp32 GEMM on 2 cores (PERF.md)
const rows = [];
for (const c of clips) for (const s of settings) {
  const o = ours.find((x) => x.name === c.name && x.compute_type === s.compute_type && x.beam === s.beam);
  const p = peer.results.find((x) => x.name === c.name && x.compute_type === s.compute_type && x.beam === s.beam);
  const cpuRatio = p.cpu_seconds && o.cpuSeconds ? `${(p.cpu_seconds / o.cpuSeconds).toFixed(2)}× (${o.cpuSeconds.toFixed(1)} / ${p.cpu_seconds.toFixed(1)} s)` : '-';
  rows.push(`| ${c.name} ${s.compute_type} beam ${s.beam} | ${o.seconds.toFixed(2)} s | ${p.seconds.toFixed(2)} s | ${(p.seconds / o.seconds).toFixed(2)}× | ${cpuRatio} | ${(100 * wer(c.ref, o.text)).toFixed(1)}% | ${(100 * wer(c.ref, p.text)).toFixed(1)}% | ${o.load.toFixed(1)} / ${p.load.toFixed(1)} |`);
}
const stamp = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${cpus()[0].model} · ${cpus().length} cores · load average ${loadStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end`;
const table = [
  '| case (tiny.en, end to end) | ours | faster-whisper | ratio (>1: we are faster) | CPU-time ratio (ours / fw CPU s) | WER ours | WER faster-whisper | load (ours / fw) |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `| encoder, one 30 s window (fp32) | ${encoder.toFixed(3)} s | limit ${limit.toFixed(3)} s | ${(100 * limit / encoder).toFixed(0)}% of the FLOP limit | | |`,
  !ss ? '' : `| streaming, 30 s paced in real time (fp32, greedy) | RTF ${ss.realTimeFactor.toFixed(2)} (decode ${ss.decodeSeconds.toFixed(1)} s / ${ss.audioSeconds.toFixed(1)} s audio) | finals ${finals.length}, partials ${ss.partials}, dropped ${ss.droppedPartials} | latency utterance end → final: median ${(lat.sort((x, y) => x - y)[lat.length >> 1] ?? NaN).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms | tail after stream end ${tail.toFixed(0)} ms | |`,
].join('\n');
console.log(`bench/whisper — ${stamp}`);
console.log(table);
mkdirSync(join(here, '..', 'out'), { recursive: true });
writeFileSync(join(here, '..', 'out', 'whisper.json'), JSON.stringify({ stamp, ours, peer: peer.results, encoder, streaming: { ...ss, latencyMs: lat, tailMs: tail } }, null, 2));
if (record) appendFileSync(join(here, '..', 'RESULTS.md'), `\n## whisper — ${stamp}\n\n${table}\n`);
