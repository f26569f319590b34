// GPU load test (run on the GPU machine; prepared, not yet run): @mlx/serve with MLX_DEFAULT_DEVICE=gpu serving
// SmolLM2-135M (the Q4_1 GGUF) to 32 and 64 concurrent streaming clients, against HF transformers `generate` with
// the same batch size, prompts (token ids from our tokenizer), new-token count and model configuration (random
// weights; see hf_generate.py). Aggregate generated tokens per second, both sides; goal ≥ 2,000 tok/s and ≥ 2×.
// Variants of ours (--variants compiled,eager): the compiled fixed-shape decode step (MLX_SERVE_COMPILED=1, the GPU
// default) and the eager step graph (=0). Agreement: the first --agree prompts batched vs each alone (greedy).
// One command:  node bench/serve/gpu/run.mjs [--tokens 128] [--clients 32,64] [--python python3] [--dtype bfloat16] [--hf-dir DIR]
//   [--variants compiled,eager] [--agree 32] [--no-hf]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '../../../packages/core/dist/index.js';
import { CompiledDecode, PagedKv, loadBatchedLM } from '../../../packages/serve/dist/index.js';
import { chat, pct, prompts as makePrompts, startServer } from '../client.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const maxTokens = Number(arg('tokens', 128));
const levels = arg('clients', '32,64').split(',').map(Number);
const python = arg('python', process.env.PYTHON ?? 'python3');
const dtype = arg('dtype', 'bfloat16');
const device = arg('device', 'gpu');  // 'cpu' only for a dry run of the script
// --hf-dir DIR: a HF model directory (config.json + tokenizer files) that the peer fills with random weights in
// `dtype` on first use; the server and the peer then run the very same weights (used where the GGUF can't travel).
const hfDir = arg('hf-dir', null);
let modelPath, config;
if (hfDir) {
  const c = JSON.parse(readFileSync(join(hfDir, 'config.json'), 'utf8'));
  config = { vocab: c.vocab_size, hidden: c.hidden_size, ffn: c.intermediate_size, layers: c.num_hidden_layers,
    heads: c.num_attention_heads, kvHeads: c.num_key_value_heads, eps: c.rms_norm_eps, ropeTheta: c.rope_theta ?? 10000,
    context: c.max_position_embeddings };
  if (!readdirSync(hfDir).some((f) => f.endsWith('.safetensors')))
    execFileSync(python, [join(here, 'hf_generate.py')], { input: JSON.stringify({ config, model_dir: hfDir, dtype }), stdio: ['pipe', 'pipe', 'inherit'] });
  modelPath = hfDir;
} else {
  const dir = arg('model', join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache/mlx-ts/models'), 'smollm2-135m-instruct'));
  modelPath = dir.endsWith('.gguf') ? dir : join(dir, 'SmolLM2-135M-Instruct.Q4_1.gguf');
  // The model's configuration and the prompts' token ids, for the peer.
  const meta = mx.readGgufHeader(modelPath).metadata;
  const g = (k) => meta[`llama.${k}`];
  config = { vocab: Number(meta['tokenizer.ggml.tokens']?.length ?? 49152), hidden: Number(g('embedding_length')),
    ffn: Number(g('feed_forward_length')), layers: Number(g('block_count')), heads: Number(g('attention.head_count')),
    kvHeads: Number(g('attention.head_count_kv')), eps: Number(g('attention.layer_norm_rms_epsilon')),
    ropeTheta: Number(g('rope.freq_base') ?? 10000), context: Number(g('context_length')) };
}
const maxClients = Math.max(...levels);
const prompts = makePrompts(maxClients);
if (device === 'gpu') mx.setDefaultDevice(mx.gpu);
const { model } = await loadBatchedLM(modelPath);
const promptIds = prompts.map((p) => model.encodeChat([{ role: 'user', content: p }]));
// The compiled decode step alone, in process (no HTTP, no scheduler): ms per step at a few batch sizes, and the
// primitives that fell back to the CPU (each one is a device synchronisation).
const probe = {};
if (device === 'gpu') try {
  const perSeq = 8, bs = 16;
  const kv = new PagedKv(model.kv, 64 * perSeq, bs, 'paged');
  const step = new CompiledDecode(model, kv);
  mx.cuda.resetCounters();
  for (const B of [1, 8, 32, 64]) {
    const rows = (pos) => Array.from({ length: B }, (_, b) => ({ token: 100 + b, position: pos, blockTable: Array.from({ length: perSeq }, (_, i) => b * perSeq + i) }));
    const once = async (pos) => {
      const { tokens } = mx.tidy(() => step.step(rows(pos)));
      await mx.asyncEval(tokens, ...kv.pools);
      tokens.toTypedArray();
      tokens.dispose();
    };
    for (let i = 0; i < 3; i++) await once(40 + i);
    const times = [];
    for (let i = 0; i < 20; i++) { const t0 = performance.now(); await once(43 + i); times.push(performance.now() - t0); }
    times.sort((a, b) => a - b);
    probe[B] = times[10];
    console.error(`compiled step in process, ${B} rows: ${times[10].toFixed(2)} ms median (min ${times[0].toFixed(2)})`);
  }
  probe.fallbacks = Object.fromEntries(Object.entries(mx.cuda.counters()).filter(([k]) => k.startsWith('fallback:') || k.startsWith('graph')));
  console.error('fallbacks and graph counters during the probe:', JSON.stringify(probe.fallbacks));
  step.dispose();
  kv.dispose();
} catch (e) {
  console.error('probe failed:', e);
}
model.dispose();

const variants = arg('variants', 'compiled,eager').split(',');
const agreeN = Math.min(Number(arg('agree', 32)), prompts.length);
const agreeVariants = arg('agree-variants', 'compiled').split(',');
const metrics = async (url) => Object.values((await (await fetch(`${url}/metrics`)).json()).models)[0];
const rows = [];
const agreement = {};
for (const variant of variants) {
  const env = { MLX_DEFAULT_DEVICE: device, MLX_SERVE_COMPILED: variant === 'compiled' ? '1' : '0' };
  const { child, url } = await startServer(modelPath, { kvMiB: 2048, prefillChunk: 512, maxBatch: Math.max(64, maxClients), env });
  try {
    await chat(url, 'Warm up.', 8);
    // Warm the kernels and (compiled) the traces of every batch bucket and table width the runs will meet.
    for (const c of levels) await Promise.all(prompts.slice(0, c).map((p) => chat(url, p, maxTokens)));
    for (const c of levels) {
      const runs = [];
      for (let rep = 0; rep < 3; rep++) {
        const m0 = await metrics(url);
        const t0 = performance.now();
        const rs = await Promise.all(prompts.slice(0, c).map((p) => chat(url, p, maxTokens)));
        const wall = (performance.now() - t0) / 1000;
        const m1 = await metrics(url);
        const st = Object.fromEntries(['buildMs', 'evalMs', 'hostMs', 'passes'].map((k) => [k, m1.stepTime[k] - m0.stepTime[k]]));
        runs.push({ wall, tokens: rs.reduce((s, r) => s + r.tokens, 0), ttft50: pct(rs.map((r) => r.ttft), 50), total99: pct(rs.map((r) => r.total), 99),
          steps: m1.steps - m0.steps, stepTime: st });
      }
      runs.sort((a, b) => a.wall - b.wall);
      const med = runs[1];
      const per = (k) => med.stepTime[k] / Math.max(1, med.steps);
      rows.push({ variant, clients: c, ours: med.tokens / med.wall, wall: med.wall, ttft50: med.ttft50, total99: med.total99, steps: med.steps,
        msPerStep: (med.wall * 1000) / Math.max(1, med.steps), buildMs: per('buildMs'), evalMs: per('evalMs'), hostMs: per('hostMs') });
      console.error(`ours (${variant}), ${c} clients: ${(med.tokens / med.wall).toFixed(0)} tok/s, ${med.steps} steps, ` +
        `per step build ${per('buildMs').toFixed(2)} eval ${per('evalMs').toFixed(2)} host ${per('hostMs').toFixed(2)} ms, wall ${((med.wall * 1000) / med.steps).toFixed(2)} ms`);
    }
    if (agreeN > 0 && agreeVariants.includes(variant)) {
      // Greedy outputs of the same requests batched (all at once) and alone (one after another).
      const batched = await Promise.all(prompts.slice(0, agreeN).map((p) => chat(url, p, maxTokens)));
      const alone = [];
      for (const p of prompts.slice(0, agreeN)) alone.push(await chat(url, p, maxTokens));
      const prefix = (a, b) => { let i = 0; while (i < a.length && i < b.length && a[i] === b[i]) i++; return i; };
      const same = batched.filter((r, i) => r.text === alone[i].text).length;
      const frac = batched.map((r, i) => prefix(r.text, alone[i].text) / Math.max(1, Math.max(r.text.length, alone[i].text.length)));
      agreement[variant] = { requests: agreeN, identical: same, meanCommonPrefix: frac.reduce((a, b) => a + b, 0) / frac.length };
      console.error(`agreement (${variant}): ${same}/${agreeN} identical to the request alone; mean common prefix ${(agreement[variant].meanCommonPrefix * 100).toFixed(1)} %`);
    }
  } catch (e) {
    console.error(`variant ${variant} failed:`, e);
  } finally {
    child.kill('SIGTERM');
  }
}

const peer = process.argv.includes('--no-hf') ? { device: '-', torch: '-' } : JSON.parse(execFileSync(python, [join(here, 'hf_generate.py')], {
  input: JSON.stringify({ config, batches: levels, prompts: promptIds, new_tokens: maxTokens, dtype, reps: 3, model_dir: hfDir ?? undefined }),
  maxBuffer: 1 << 24, stdio: ['pipe', 'pipe', 'inherit'] }).toString());
const f = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '-');
const table = ['| ours | clients (= HF batch) | ours tok/s | HF generate tok/s | ratio | ms per step (build / eval / host) | ours TTFT p50 s | ours total p99 s |', '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => { const hf = peer[String(r.clients)]?.tok_s; return `| ${r.variant} | ${r.clients} | ${f(r.ours)} | ${f(hf)} | ${f(r.ours / hf, 2)}× | ${f(r.msPerStep, 2)} (${f(r.buildMs, 2)} / ${f(r.evalMs, 2)} / ${f(r.hostMs, 2)}) | ${f(r.ttft50, 2)} | ${f(r.total99, 2)} |`; })].join('\n');
const probeLine = Object.keys(probe).length ? `- compiled step in process (ms, median): ${[1, 8, 32, 64].map((b) => `${b} rows ${f(probe[b], 2)}`).join(', ')}; CPU fallbacks: ${JSON.stringify(probe.fallbacks)}\n` : '';
const agreeLines = probeLine + Object.entries(agreement).map(([v, a]) => `- agreement (${v}): ${a.identical}/${a.requests} completions identical batched vs alone; mean common prefix ${(a.meanCommonPrefix * 100).toFixed(1)} %`).join('\n');
console.log(`serve GPU load test — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${peer.device} · torch ${peer.torch} (${dtype}) · SmolLM2-135M: ${hfDir ? `the same random ${dtype} weights on both sides (${hfDir})` : 'ours Q4_1 GGUF, HF random weights in the same config'} · ${maxTokens} new tokens per request, streaming over loopback HTTP (ours) vs in-process generate (HF)\n${table}\n${agreeLines}`);
const out = process.env.OUT ?? join(here, '..', '..', 'out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'serve-gpu.json'), JSON.stringify({ config, rows, agreement, probe, peer, maxTokens, dtype }, null, 2));
