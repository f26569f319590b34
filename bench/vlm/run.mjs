// bench/vlm: image-encode time and generation tok/s of a random SmolVLM-256M-shaped Idefics3 model on CPU, ours vs
// HF transformers (torch threads = 2) in the same run. The model (~1 GB float32) is built once by peer.py in
// $VLM_BENCH_DIR (default /tmp/mlx-vlm-bench). Usage: node bench/vlm/run.mjs [tokens=32] [reps=3]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { benchRoot } from '../lib/harness.mjs';
import { loadVLM } from '../../packages/vlm/dist/index.js';
import * as mx from '../../packages/core/dist/index.js';

const sharp = createRequire(join(benchRoot, '..', 'packages', 'vlm', 'package.json'))('sharp');
const tokens = Number(process.argv[2] ?? 32), reps = Number(process.argv[3] ?? 3);
const dir = process.env.VLM_BENCH_DIR ?? '/tmp/mlx-vlm-bench';
const python = process.env.VLM_PEER_PYTHON ?? '/work/hfvenv/bin/python';
mkdirSync(dir, { recursive: true });
const imgPath = join(dir, 'image.png');
const noise = Buffer.alloc(480 * 640 * 3);
for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } }).png().toFile(imgPath);

const peer = JSON.parse(execFileSync(python, [join(benchRoot, 'vlm', 'peer.py'), join(dir, 'model'), String(tokens), String(reps), imgPath],
  { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop());

const vlm = await loadVLM(join(dir, 'model'));
const req = { images: [imgPath], prompt: 'User:<image>Describe the image.\nAssistant:' };
const inp = await vlm.prepare(req);
const enc = [];
for (let i = 0; i < reps + 1; i++) {
  const t = performance.now();
  const f = vlm.arch.encodeImages(inp.images);
  await mx.asyncEval(f);
  enc.push((performance.now() - t) / 1000);
  f.dispose();
}
const gen = [], tps = [];
let out;
for (let i = 0; i < reps; i++) {
  const t = performance.now();
  out = await vlm.generate(req, { maxTokens: tokens, temperature: 0, ignoreEos: true });
  gen.push((performance.now() - t) / 1000);
  tps.push(out.stats.generationTps);
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const oursEnc = med(enc.slice(1)), oursGen = med(gen);
const rows = [
  ['image encode (1 tile 512², 64 tokens) [s]', oursEnc, peer.encode_s, peer.encode_s / oursEnc],
  [`generate ${tokens} tokens incl. prefill [s]`, oursGen, peer.generate_s, peer.generate_s / oursGen],
  [`end-to-end tok/s`, tokens / oursGen, tokens / peer.generate_s, peer.generate_s / oursGen],
];
console.log(`\nvlm bench — random SmolVLM-256M-shaped Idefics3, CPU (${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}), prompt ${inp.ids.length} tokens, median of ${reps}`);
console.log('| case | ours | HF transformers (torch, 2 threads) | ratio (× faster) |\n|---|---|---|---|');
for (const [c, o, p, r] of rows) console.log(`| ${c} | ${o.toFixed(3)} | ${p.toFixed(3)} | ${r.toFixed(2)} |`);
console.log(`our decode-only tok/s (stats.generationTps): ${med(tps).toFixed(1)}; greedy tokens equal to HF: ${JSON.stringify(out.tokens) === JSON.stringify(peer.tokens)}`);
writeFileSync(join(benchRoot, 'vlm', 'last.json'), JSON.stringify({ rows, peer, oursTps: med(tps), date: new Date().toISOString() }, null, 1));
