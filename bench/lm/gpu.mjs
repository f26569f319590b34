// @mlx/lm generation on the GPU (GPU machine): lm.generate with the compiled decode step replayed as one CUDA
// graph vs replayed kernel by kernel, and HF transformers `generate` (eager) on the same card with the very same
// random weights (bench/serve/gpu/hf_generate.py writes them once into the HF directory; the GGUF can't travel).
//   node bench/lm/gpu.mjs --hf-dir DIR [--tokens 128] [--rounds 3] [--python python3] [--dtype bfloat16]
// DIR: a HF model directory with SmolLM2's config.json and tokenizer files. Greedy, one sequence, tok/s from
// generate's own decode timer (ours) and wall time of generate over the new tokens (HF, median of 3).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..', '..');
const mx = await import(join(root, 'packages/core/dist/index.js'));
const { loadLM } = await import(join(root, 'packages/lm/dist/index.js'));
const { values: opt } = parseArgs({
  options: {
    'hf-dir': { type: 'string' }, tokens: { type: 'string', default: '128' }, rounds: { type: 'string', default: '3' },
    python: { type: 'string', default: 'python3' }, dtype: { type: 'string', default: 'bfloat16' },
  },
});
if (!opt['hf-dir']) throw new Error('--hf-dir is required');
if (!mx.cuda.isAvailable()) { console.error('bench/lm/gpu: no CUDA GPU'); process.exit(1); }
mx.setDefaultDevice(mx.gpu);
const dir = opt['hf-dir'], tokens = Number(opt.tokens), rounds = Number(opt.rounds);
const peerScript = join(root, 'bench/serve/gpu/hf_generate.py');
const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
const config = { vocab: c.vocab_size, hidden: c.hidden_size, ffn: c.intermediate_size, layers: c.num_hidden_layers,
  heads: c.num_attention_heads, kvHeads: c.num_key_value_heads, eps: c.rms_norm_eps, ropeTheta: c.rope_theta ?? 10000,
  context: c.max_position_embeddings };
const peer = (req) => JSON.parse(execFileSync(opt.python, [peerScript], { input: JSON.stringify({ config, model_dir: dir, dtype: opt.dtype, ...req }), stdio: ['pipe', 'pipe', 'inherit'] }).toString());
if (!readdirSync(dir).some((f) => f.endsWith('.safetensors'))) peer({});

const lm = await loadLM(dir);
const prompt = lm.tokenizer.encode('Write a short story about a lighthouse keeper who finds a message in a bottle.');
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const run = async (graph) => {
  lm.model.releaseCompiled();
  lm.model.decodeCudaGraph = graph;
  await lm.generate(prompt, { maxTokens: 16, temperature: 0, ignoreEos: true, reuseCache: false });  // trace + capture
  mx.cuda.resetCounters();
  const r = await lm.generate(prompt, { maxTokens: tokens, temperature: 0, ignoreEos: true, reuseCache: false });
  return { tps: r.stats.generationTps, tokens: r.tokens, launches: mx.cuda.counters().graph_launches ?? 0 };
};
const res = { graph: [], plain: [] };
let same = true, launches = 0, first;
for (let i = 0; i < rounds; i++) {
  for (const graph of [false, true]) {
    const r = await run(graph);
    res[graph ? 'graph' : 'plain'].push(r.tps);
    first ??= r.tokens;
    same &&= JSON.stringify(r.tokens) === JSON.stringify(first);
    if (graph) launches = r.launches;
  }
}
const hf = peer({ batches: [1], prompts: [prompt], new_tokens: tokens, reps: 3 });
const hfTps = hf['1'].tok_s, g = median(res.graph), p = median(res.plain);
console.log(`## @mlx/lm generate on the GPU — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${hf.device} · torch ${hf.torch} · random ${opt.dtype} SmolLM2-135M config · ${tokens} greedy tokens, prompt ${prompt.length}`);
console.log('| decode | tok/s | vs HF generate |\n|---|---|---|');
console.log(`| compiled step as a CUDA graph | ${g.toFixed(1)} | ${(g / hfTps).toFixed(2)}× |`);
console.log(`| compiled step, kernel by kernel | ${p.toFixed(1)} | ${(p / hfTps).toFixed(2)}× |`);
console.log(`| HF transformers generate (eager) | ${hfTps.toFixed(1)} | 1.00× |`);
console.log(`rounds ${rounds} (medians; graph ${res.graph.map((x) => x.toFixed(0)).join('/')}, plain ${res.plain.map((x) => x.toFixed(0)).join('/')}); same tokens in every run: ${same}; graph launches in the last graph run: ${launches}`);
lm.dispose();
