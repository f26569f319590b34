// Load test of @mlx/serve on loopback: streaming chat requests at 1/4/16/32 concurrent clients against
// SmolLM2-135M. Checks that every output equals the same request run alone (greedy) and reports aggregate
// throughput (ratio against one client) and p50/p99 time to first token and total latency.
// Usage: node bench/serve/run.mjs [--tokens 32] [--levels 1,4,16,32] [--record]
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchRoot } from '../lib/harness.mjs';
import { chat as chatAt, pct, prompts as makePrompts, startServer } from './client.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const maxTokens = Number(arg('tokens', 32));
const levels = arg('levels', '1,4,16,32').split(',').map(Number);
const record = process.argv.includes('--record');
const modelPath = arg('model', join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache/mlx-ts/models'), 'smollm2-135m-instruct'));

const prompts = makePrompts(32);
const chat = (url, content) => chatAt(url, content, maxTokens);

const { child, url } = await startServer(modelPath);
try {
  await chat(url, 'Warm up.');
  // Reference: every prompt alone.
  const alone = [];
  const aloneTps = [];
  for (const p of prompts) { const r = await chat(url, p); alone.push(r.text); aloneTps.push(r.tokens / r.total); }
  // Baseline: the median of the 32 single-request runs (one run alone is too exposed to noise on shared cores).
  const single = pct(aloneTps, 50);
  console.error(`single request alone: median ${single.toFixed(1)} tok/s over ${aloneTps.length} runs`);
  const rows = [];
  for (const c of levels) {
    const t0 = performance.now();
    const rs = await Promise.all(prompts.slice(0, c).map((p) => chat(url, p)));
    const wall = (performance.now() - t0) / 1000;
    const tokens = rs.reduce((s, r) => s + r.tokens, 0);
    const mismatches = rs.filter((r, i) => r.text !== alone[i]).length;
    const tps = tokens / wall;
    rows.push({ clients: c, tokens, wall, tps, ratio: tps / single, mismatches,
      ttft50: pct(rs.map((r) => r.ttft), 50), ttft99: pct(rs.map((r) => r.ttft), 99),
      total50: pct(rs.map((r) => r.total), 50), total99: pct(rs.map((r) => r.total), 99) });
    console.error(`${c} clients: ${tps.toFixed(1)} tok/s, ${mismatches} mismatches`);
  }
  const metrics = await (await fetch(`${url}/metrics`)).json();
  const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const table = ['| clients | tokens | wall s | tok/s | vs single request | outputs = alone | TTFT p50 s | TTFT p99 s | total p50 s | total p99 s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.clients} | ${r.tokens} | ${f(r.wall)} | ${f(r.tps, 1)} | ${f(r.ratio)}× | ${r.clients - r.mismatches}/${r.clients} | ${f(r.ttft50)} | ${f(r.ttft99)} | ${f(r.total50)} | ${f(r.total99)} |`)].join('\n');
  const stamp = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${cpus()[0].model} · ${cpus().length} cores`;
  const meta = `SmolLM2-135M-Instruct Q4_1, streaming chat, greedy, ${maxTokens} tokens per request, loopback HTTP, server in a child process`;
  console.log(`serve load test — ${stamp} · ${meta}\n${table}\nsingle request alone: median ${single.toFixed(1)} tok/s over 32 runs; load average ${loadavg()[0].toFixed(1)}`);
  console.log(`KV blocks after the run: used ${metrics.models['smollm2-135m-instruct'].kv.used}, cached ${metrics.models['smollm2-135m-instruct'].kv.cached}; prefix-cache hits ${metrics.models['smollm2-135m-instruct'].kv.prefixHits}`);
  mkdirSync(join(benchRoot, 'out'), { recursive: true });
  writeFileSync(join(benchRoot, 'out', 'serve.json'), JSON.stringify({ stamp, meta, single, aloneTps, rows }, null, 2));
  if (record) appendFileSync(join(benchRoot, 'RESULTS.md'), `\n## serve load test — ${stamp} · ${meta}\n\n${table}\n\nSingle request alone: median ${single.toFixed(1)} tok/s; load average during the run ${loadavg()[0].toFixed(1)} (shared machine). Ratios: aggregate throughput against the median single-request throughput of the 32 reference runs (each prompt alone, same server, same run).\n`);
  if (rows.some((r) => r.mismatches)) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
}
