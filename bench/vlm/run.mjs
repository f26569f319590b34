// bench/vlm: image-encode time and generation tok/s of a random SmolVLM-256M-shaped Idefics3 model on CPU, ours vs
// HF transformers (torch threads = 2) in the same run. The model (~1 GB float32) is built once by peer.py in
// $VLM_BENCH_DIR (default /tmp/mlx-vlm-bench). Usage: node bench/vlm/run.mjs [tokens=32] [reps=3] [--no-compare]
// (--no-compare skips the 'before' rows: this session's switches turned off, measured in the same rounds)
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { benchRoot } from '../lib/harness.mjs';
import { loadVLM } from '../../packages/vlm/dist/index.js';
import * as mx from '../../packages/core/dist/index.js';

const sharp = createRequire(join(benchRoot, '..', 'packages', 'vlm', 'package.json'))('sharp');
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const compare = !process.argv.includes('--no-compare');
const tokens = Number(args[0] ?? 32), reps = Number(args[1] ?? 3);
const dir = process.env.VLM_BENCH_DIR ?? '/tmp/mlx-vlm-bench';
const python = process.env.VLM_PEER_PYTHON ?? '/work/hfvenv/bin/python';
mkdirSync(dir, { recursive: true });
const imgPath = join(dir, 'image.png');
const noise = Buffer.alloc(480 * 640 * 3);
for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } }).png().toFile(imgPath);

// The peer runs as a server (one command per line) so that its runs interleave with ours: on a shared machine the
// load then falls on both sides alike.
const peerProc = spawn(python, [join(benchRoot, 'vlm', 'peer.py'), join(dir, 'model'), String(tokens), '0', imgPath], { stdio: ['pipe', 'pipe', 'inherit'] });
const peerLines = createInterface({ input: peerProc.stdout })[Symbol.asyncIterator]();
const peerReply = async () => { const { value, done } = await peerLines.next(); if (done) throw new Error('bench/vlm peer exited'); return JSON.parse(value); };
const peerInfo = await peerReply();
// Each timed run starts after a pause: right after a run, the other side's worker threads may still spin-wait
// (torch's OpenMP pool, our thread pool) and take a core from the run that follows.
const settleMs = Number(process.env.VLM_BENCH_SETTLE_MS ?? 500);
const settle = () => new Promise((r) => setTimeout(r, settleMs));
const peerRun = async (cmd) => { await settle(); peerProc.stdin.write(`${cmd}\n`); return peerReply(); };

const vlm = await loadVLM(join(dir, 'model'));
// Comparison rows: the encode with the session-4 kernels (BEFORE below), and the package's own eager text decoder
// instead of @mlx/lm's DecoderModel with its compiled decode step
process.env.MLX_VLM_TEXT_DECODER = 'own';
const vlmOwn = compare ? await loadVLM(join(dir, 'model')) : null;
delete process.env.MLX_VLM_TEXT_DECODER;
const req = { images: [imgPath], prompt: 'User:<image>Describe the image.\nAssistant:' };
const inp = await vlm.prepare(req);
// The session-4 CPU kernels (the 12 x 32 GEMM tile, the online-softmax tiled attention), switched per call.
const BEFORE = { MLX_GEMM_TILE: '12x32', MLX_SDPA_ROWS: '0' };
// mx.tidy as vlm.generate does: the graph's intermediate wrappers are released when the encode is built, not at a
// later GC (without it the encodes page-faulted in fresh buffers every other round)
const timeEncode = async (env) => {
  await settle();
  if (env) Object.assign(process.env, env);
  const t = performance.now();
  const f = mx.tidy(() => vlm.arch.encodeImages(inp.images));
  await mx.asyncEval(f);
  f.dispose();
  if (env) for (const k of Object.keys(env)) delete process.env[k];
  return (performance.now() - t) / 1000;
};
const timeGenerate = async (m) => {
  await settle();
  const t = performance.now();
  const out = await m.generate(req, { maxTokens: tokens, temperature: 0, ignoreEos: true });
  return { s: (performance.now() - t) / 1000, out };
};
const T = { enc: [], encBefore: [], peerEnc: [], gen: [], genOwn: [], peerGen: [], tps: [], tpsOwn: [] };
let out, peerTokens;
for (let i = 0; i < reps + 1; i++) {  // round 0 warms up and is dropped
  const keep = (k, v) => { if (i > 0) T[k].push(v); };
  keep('peerEnc', (await peerRun('encode')).s);
  keep('enc', await timeEncode());
  if (compare) keep('encBefore', await timeEncode(BEFORE));
  const pg = await peerRun('generate');
  keep('peerGen', pg.s);
  peerTokens = pg.tokens;
  const g = await timeGenerate(vlm);
  keep('gen', g.s); keep('tps', g.out.stats.generationTps);
  out = g.out;
  if (vlmOwn) { const o = await timeGenerate(vlmOwn); keep('genOwn', o.s); keep('tpsOwn', o.out.stats.generationTps); }
}
await peerRun('quit').catch(() => {});
const med = (a) => (a.length ? [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] : NaN);
const [oursEnc, oursGen, peerEnc, peerGen] = [med(T.enc), med(T.gen), med(T.peerEnc), med(T.peerGen)];
const rows = [
  ['image encode (1 tile 512², 64 tokens) [s]', oursEnc, peerEnc, peerEnc / oursEnc],
  [`generate ${tokens} tokens incl. encode + prefill [s]`, oursGen, peerGen, peerGen / oursGen],
  ['end-to-end tok/s', tokens / oursGen, tokens / peerGen, peerGen / oursGen],
];
if (compare) rows.push(
  ['before: image encode, session-4 kernels (MLX_GEMM_TILE=12x32 MLX_SDPA_ROWS=0) [s]', med(T.encBefore), peerEnc, peerEnc / med(T.encBefore)],
  [`before: generate ${tokens} tokens, own eager text decoder [s]`, med(T.genOwn), peerGen, peerGen / med(T.genOwn)],
);
console.log(`\nvlm bench — random SmolVLM-256M-shaped Idefics3, CPU (${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}), prompt ${inp.ids.length} tokens, median of ${reps} interleaved rounds`);
console.log(`peer: transformers ${peerInfo.transformers} / torch ${peerInfo.torch} (2 threads)`);
console.log('| case | ours | HF transformers (torch, 2 threads) | ratio (× faster) |\n|---|---|---|---|');
for (const [c, o, p, r] of rows) console.log(`| ${c} | ${o.toFixed(3)} | ${p.toFixed(3)} | ${r.toFixed(2)} |`);
console.log(`our decode-only tok/s (stats.generationTps): ${med(T.tps).toFixed(1)}${compare ? ` (own decoder ${med(T.tpsOwn).toFixed(1)})` : ''}; greedy tokens equal to HF: ${JSON.stringify(out.tokens) === JSON.stringify(peerTokens)}`);
writeFileSync(join(benchRoot, 'vlm', 'last.json'), JSON.stringify({ rows, peer: peerInfo, times: T, date: new Date().toISOString(), load: loadavg() }, null, 1));
peerProc.stdin.end();
