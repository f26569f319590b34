// bench/lm: @mlx/lm vs llama.cpp (node-llama-cpp, same GGUF, same thread count) in one run.
// Prompt processing (512 tokens) and greedy generation (128 tokens) tok/s per model, the memory bandwidth used
// by generation (weight bytes read per token / time per token, against a copy bandwidth measured here), and
// batched generation throughput at batch 1/4/16. Usage: node bench/lm/run.mjs [--quick] [--record]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx/core';
import { loadLM } from '../../packages/lm/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const record = process.argv.includes('--record');
const THREADS = 2, PROMPT = 512, GEN = quick ? 32 : 128, REPS = quick ? 1 : 3, GEN_REPS = quick ? 1 : 5;
const BATCHES = [1, 4, 16], BATCH_GEN = quick ? 8 : 32, BATCH_PROMPT = 32;
mx.setNumThreads(THREADS);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function copyBandwidth() {
  const a = mx.random.uniform(0, 1, [32, 1024, 1024]);
  mx.eval(a);
  const ts = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now(); const b = mx.copy(a); mx.eval(b); ts.push((performance.now() - t) / 1000); b.dispose();
  }
  const bw = (2 * a.nbytes) / median(ts);
  a.dispose();
  return bw;
}

// KV bytes read per generated token, averaged over the generation (prompt of P tokens, then G tokens): every layer
// reads K and V (float32) of all positions it attends to (min(position, window) for sliding-window layers).
function kvBytesPerToken(spec, P, G) {
  let total = 0;
  for (let t = P; t < P + G; t++)
    for (const l of spec.layers) total += 2 * spec.numKvHeads * spec.headDim * 4 * Math.min(t + 1, l.window);
  return total / G;
}

const promptIds = (vocab) => Array.from({ length: PROMPT }, (_, i) => 100 + ((i * 7919) % Math.min(vocab - 100, 20000)));

const rows = [];
const bw = copyBandwidth();
for (const name of ['smollm2-135m-instruct', 'gemma-3-270m-it']) {
  const lm = await loadLM(name);
  const file = lm.modelFile;
  const ids = promptIds(lm.model.spec.vocabSize);
  const pp = [], tg = [];
  // Warm-up, discarded like the llama.cpp peer's first rep: one prompt pass and one full generation (the first
  // generations of a process run slower: fresh pages, allocator cache, JIT).
  await lm.generate(ids, { maxTokens: 1, reuseCache: false, ignoreEos: true });
  await lm.generate(ids.slice(0, 8), { maxTokens: GEN + 1, reuseCache: false, ignoreEos: true });
  // Prompt reps, then generation reps (not alternated: a 512-token prefill just before a generation leaves the
  // allocator and caches in a state that no generation of its own 8-token prompt would see).
  for (let r = 0; r < REPS; r++) {
    const a = await lm.generate(ids, { maxTokens: 1, reuseCache: false, ignoreEos: true });
    pp.push(a.stats.promptTps);
    console.error(`${name} prompt rep ${r}: ${a.stats.promptTps.toFixed(1)} tok/s (load ${loadavg()[0].toFixed(1)})`);
  }
  for (let r = 0; r < GEN_REPS; r++) {
    const b = await lm.generate(ids.slice(0, 8), { maxTokens: GEN + 1, reuseCache: false, ignoreEos: true });
    tg.push(b.stats.generationTps);
    console.error(`${name} generate rep ${r}: ${b.stats.generationTps.toFixed(1)} tok/s (load ${loadavg()[0].toFixed(1)})`);
  }
  const peer = JSON.parse(execFileSync('node', [join(here, 'llamacpp_peer.mjs'), JSON.stringify({ model: file, prompt: ids, promptTokens: PROMPT, genTokens: GEN, threads: THREADS, reps: REPS })], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop());
  const weightBytes = lm.model.weightBytes(), kvBytes = kvBytesPerToken(lm.model.spec, 8, GEN);
  const bytes = weightBytes + kvBytes;
  const oursTg = median(tg), oursPp = median(pp);
  rows.push([`${name} prompt ${PROMPT}`, 'tok/s', oursPp, peer.ppTps, null]);
  rows.push([`${name} generate ${GEN}`, 'tok/s', oursTg, peer.tgTps, (100 * bytes * oursTg) / bw]);
  for (const B of BATCHES) {
    const prompts = Array.from({ length: B }, (_, b) => ids.slice(b, b + BATCH_PROMPT - (b % 3)));
    const res = await lm.generateBatch(prompts, { maxTokens: BATCH_GEN, ignoreEos: true });
    rows.push([`${name} batch ${B} × ${BATCH_GEN} tokens`, 'tok/s', res[0].stats.generationTps, null, null]);
  }
  console.error(name, `bytes read per generated token: weights ${(weightBytes / 1e6).toFixed(1)} MB (the tied embedding counted once, as the output projection) + KV ${(kvBytes / 1e6).toFixed(2)} MB`);
  lm.dispose();
}
const fmt = (v, d = 1) => (v === undefined || v === null ? '-' : v.toFixed(d));
const header = '| case | ours | llama.cpp | ratio | % of copy bandwidth |\n|---|---|---|---|---|';
const table = [header, ...rows.map(([c, u, o, p, lim]) => `| ${c} (${u}) | ${fmt(o)} | ${fmt(p)} | ${p ? fmt(o / p, 2) + '×' : '-'} | ${fmt(lim, 0)} |`)].join('\n');
const stamp = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${cpus()[0].model} · ${cpus().length} cores · threads ${THREADS} · copy bandwidth ${(bw / 1e9).toFixed(1)} GB/s · load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;
console.log(`bench/lm — ${stamp}`);
console.log(table);
console.log('Ratios > 1 mean we are faster than llama.cpp (node-llama-cpp). Bandwidth % = bytes read per token (weights + KV) × tok/s ÷ copy bandwidth (read+write).');
mkdirSync(join(here, 'out'), { recursive: true });
writeFileSync(join(here, 'out', 'lm.json'), JSON.stringify({ stamp, rows }, null, 2));
if (record) appendFileSync(join(here, '..', 'RESULTS.md'), `\n## bench/lm — ${stamp}\n\n${table}\n`);
