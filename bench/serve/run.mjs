// Load test of @mlx/serve on loopback: streaming chat requests at 1/4/16/32 concurrent clients against
// SmolLM2-135M. Checks that every output equals the same request run alone (greedy) and reports aggregate
// throughput (ratio against one client) and p50/p99 time to first token and total latency.
// Usage: node bench/serve/run.mjs [--tokens 32] [--levels 1,4,16,32] [--record]
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchRoot } from '../lib/harness.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const maxTokens = Number(arg('tokens', 32));
const levels = arg('levels', '1,4,16,32').split(',').map(Number);
const record = process.argv.includes('--record');
const modelPath = arg('model', join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache/mlx-ts/models'), 'smollm2-135m-instruct'));

const topics = ['the sea', 'mountains', 'a city at night', 'coffee', 'autumn', 'robots', 'the moon', 'a library',
  'rain', 'a bicycle', 'friendship', 'the desert', 'a violin', 'snow', 'a garden', 'trains'];
const kinds = ['Write a short poem about', 'Give three facts about'];
const prompts = Array.from({ length: 32 }, (_, i) => `${kinds[i % 2]} ${topics[i % 16]}.`);

async function startServer() {
  const child = spawn(process.execPath, [join(benchRoot, 'serve/server.mjs'), modelPath, '256', '256'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => { buf += d; const m = /URL (\S+)/.exec(buf); if (m) resolve(m[1]); });
    child.on('exit', (c) => reject(new Error(`server exited with ${c}`)));
  });
  return { child, url };
}

/** One streaming chat request; returns text, token count (from usage), TTFT and total seconds. */
async function chat(url, content) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'smollm2-135m-instruct', messages: [{ role: 'user', content }], max_tokens: maxTokens,
      temperature: 0, stream: true, stream_options: { include_usage: true }, ignore_eos: true }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const dec = new TextDecoder();
  let buf = '', text = '', ttft, tokens = 0;
  for await (const chunk of res.body) {
    buf += dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const line = buf.slice(0, i); buf = buf.slice(i + 2);
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const j = JSON.parse(line.slice(6));
      if (j.error) throw new Error(j.error.message);
      if (j.usage) tokens = j.usage.completion_tokens;
      const c = j.choices?.[0]?.delta?.content;
      if (c) { ttft ??= (performance.now() - t0) / 1000; text += c; }
    }
  }
  return { text, tokens, ttft: ttft ?? NaN, total: (performance.now() - t0) / 1000 };
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };

const { child, url } = await startServer();
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
