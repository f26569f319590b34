// Where a serving step's time goes, without HTTP: the scheduler in-process, N greedy requests submitted together
// (the load test's prompts), then the same prompts one at a time. Reports wall and process CPU time, and the
// scheduler's split of step time into graph build, evaluation and host work (sampling, bookkeeping).
// Usage: node bench/serve/profile.mjs [--clients 32] [--tokens 24] [--reps 2] [--alone 4] [--model path]
import { cpus, homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { Scheduler, greedy, loadBatchedLM } from '../../packages/serve/dist/index.js';
import { prompts as makePrompts } from './client.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const clients = Number(arg('clients', 32));
const maxTokens = Number(arg('tokens', 24));
const reps = Number(arg('reps', 2));
const aloneRuns = Number(arg('alone', 4));
const modelPath = arg('model', join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache/mlx-ts/models'), 'smollm2-135m-instruct'));

const { model } = await loadBatchedLM(modelPath);
const prompts = makePrompts(clients).map((p) => model.encodeChat([{ role: 'user', content: p }]));

// One scheduler for all runs, as in the server (the prefix cache holds the shared system prompt after warm-up).
const sched = new Scheduler(model, { kvMemoryBytes: 256 * 2 ** 20, prefillChunk: 256, maxBatch: 64 });
async function run(list, count = maxTokens) {
  const m0 = sched.metrics();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const handles = list.map((promptTokens) => sched.submit({ promptTokens, maxTokens: count, sampling: greedy, ignoreEos: true }));
  const results = await Promise.all(handles.map((h) => h.result));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const m = sched.metrics();
  const t = Object.fromEntries(Object.entries(m.stepTime).map(([k, v]) => [k, v - m0.stepTime[k]]));
  const tokens = results.reduce((s, r) => s + r.tokens.length, 0);
  return { wall, cpuMs: (cpu.user + cpu.system) / 1000, tokens, steps: m.steps - m0.steps, t, texts: results.map((r) => r.tokens.join(',')) };
}

const fmt = (r, label) => {
  const f = (x) => x.toFixed(0).padStart(6);
  return `${label.padEnd(12)} wall ${f(r.wall)} ms  cpu ${f(r.cpuMs)} ms  ${(r.tokens / r.wall * 1000).toFixed(1).padStart(6)} tok/s  steps ${r.steps}` +
    `  passes ${r.t.passes}  build ${f(r.t.buildMs)}  eval ${f(r.t.evalMs)}  host ${f(r.t.hostMs)}  (per step: build ${(r.t.buildMs / r.steps).toFixed(1)}, eval ${(r.t.evalMs / r.steps).toFixed(1)}, host ${(r.t.hostMs / r.steps).toFixed(1)} ms)`;
};

console.log(`${cpus()[0].model} · ${cpus().length} cores · ${clients} clients · ${maxTokens} tokens`);
// Warm-up, and the prefix cache holds every prompt's full blocks, as after the load test's single-request runs.
for (const p of prompts) await run([p], 2);
const alone = [];
let batchRuns = [];
for (let rep = 0; rep < reps; rep++) {
  const b = await run(prompts);
  batchRuns.push(b);
  console.log(fmt(b, `batch ${clients}`) + `  load ${loadavg()[0].toFixed(1)}`);
  for (let i = 0; i < aloneRuns; i++) {
    const a = await run([prompts[(rep * aloneRuns + i) % prompts.length]]);
    alone.push(a);
    console.log(fmt(a, 'alone') + `  load ${loadavg()[0].toFixed(1)}`);
  }
}
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const aloneTps = med(alone.map((a) => a.tokens / a.wall));
const aloneCpuTps = med(alone.map((a) => a.tokens / a.cpuMs));
const batchTps = med(batchRuns.map((b) => b.tokens / b.wall));
const batchCpuTps = med(batchRuns.map((b) => b.tokens / b.cpuMs));
console.log(`ratio (wall): ${(batchTps / aloneTps).toFixed(2)}×  ratio (process CPU time): ${(batchCpuTps / aloneCpuTps).toFixed(2)}×  load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
await sched.close();
model.dispose?.();
