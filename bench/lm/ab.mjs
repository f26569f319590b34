// Interleaved comparison on a shared machine: for each round and model, @mlx/lm from this checkout, from a
// baseline checkout (optional, e.g. `git archive main` built in /tmp), and llama.cpp (node-llama-cpp, same
// GGUF, same threads) run one after the other, so load changes hit all three alike; medians over rounds.
// Usage: node bench/lm/ab.mjs [--baseline <repo root>] [--rounds N] [--models a,b] [--gen N] [--prompt N] [--no-peer]
// (--no-peer: llama.cpp's spinning threads collapse on an oversubscribed machine, 1 tok/s at load 8)
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const baseline = arg('baseline', null), rounds = Number(arg('rounds', 3)), GEN = Number(arg('gen', 128)), PROMPT = Number(arg('prompt', 0));
const models = arg('models', 'smollm2-135m-instruct,gemma-3-270m-it').split(',');
const THREADS = 2;
const withPeer = !process.argv.includes('--no-peer');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const run = (script, cfg) => JSON.parse(execFileSync('node', [join(here, script), JSON.stringify(cfg)], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop());
const prompt = Array.from({ length: Math.max(PROMPT, 16) }, (_, i) => 100 + ((i * 7919) % 20000));
const res = {};
const loads = [];
for (let r = 0; r < rounds; r++) {
  for (const model of models) {
    const e = (res[model] ??= { ours: [], base: [], peer: [], oursPp: [], basePp: [], peerPp: [] });
    loads.push(loadavg()[0]);
    const cfg = { model, prompt, promptTokens: PROMPT, genTokens: GEN, threads: THREADS, reps: 1 };
    const o = run('ours_child.mjs', { ...cfg, root: resolve(here, '../..') });
    e.ours.push(o.tgTps), e.oursPp.push(o.ppTps);
    e.file = o.file, e.bytes = o.weightBytes;
    if (baseline) { const b = run('ours_child.mjs', { ...cfg, root: resolve(baseline) }); e.base.push(b.tgTps), e.basePp.push(b.ppTps); }
    if (withPeer) {
      const p = run('llamacpp_peer.mjs', { model: e.file, prompt: prompt.slice(0, Math.max(PROMPT, 8)), promptTokens: Math.max(PROMPT, 8), genTokens: GEN, threads: THREADS, reps: 1 });
      e.peer.push(p.tgTps), e.peerPp.push(p.ppTps);
    }
    console.error(`round ${r + 1} ${model}: ours ${o.tgTps.toFixed(1)}${baseline ? ` base ${e.base.at(-1).toFixed(1)}` : ''}${withPeer ? ` llama.cpp ${e.peer.at(-1).toFixed(1)}` : ''} tok/s (load ${loadavg()[0].toFixed(1)})`);
  }
}
console.log(`generation ${GEN} tokens, batch 1, ${THREADS} threads, ${rounds} rounds; load average during the run ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
console.log('| model | ours (tok/s) | baseline (tok/s) | llama.cpp (tok/s) | ours / llama.cpp | ours / baseline | weight MB/token |');
console.log('|---|---|---|---|---|---|---|');
for (const [m, e] of Object.entries(res)) {
  const o = median(e.ours), b = e.base.length ? median(e.base) : null, p = e.peer.length ? median(e.peer) : null;
  const f = (v, d = 1) => (v === null ? '-' : v.toFixed(d));
  console.log(`| ${m} | ${f(o)} | ${f(b)} | ${f(p)} | ${p ? f(o / p, 2) + '×' : '-'} | ${b ? f(o / b, 2) + '×' : '-'} | ${(e.bytes / 1e6).toFixed(1)} |`);
  if (PROMPT) {
    const op = median(e.oursPp), bp = b ? median(e.basePp) : null, pp = p ? median(e.peerPp) : null;
    console.log(`|   prompt ${PROMPT} | ${f(op)} | ${f(bp)} | ${f(pp)} | ${pp ? f(op / pp, 2) + '×' : '-'} | ${bp ? f(op / bp, 2) + '×' : '-'} | |`);
  }
}
