// bench/vlm/gpu: our engine on the GPU vs HF transformers (torch) on the same card, with the same random
// SmolVLM-256M-shaped Idefics3 weights and the same input tensors. See README.md in this folder.
//
//   GPU machine:   node bench/vlm/gpu/run.mjs                      (bfloat16, 64 tokens, 5 reps, python3)
//   CPU dry run:   node bench/vlm/gpu/run.mjs --tiny --device cpu --dtype float32 --python /work/hfvenv/bin/python
//
// Options: --device gpu|cpu  --dtype bfloat16|float16|float32  --tokens N (≥ 2)  --reps R  --tiny  --python PATH
//          --dir DIR (model cache, default /tmp/mlx-vlm-gpu-bench)  --threads T (torch CPU threads, dry run)
// Cases: one 512² tile (64 image tokens) and SmolVLM's default splitting of a 1024x768 image (12 tiles + global).
// Timed per case (median of R after one warm-up): image encode (vision tower + connector), prefill (generate 1
// token: encode + prompt), greedy generation of N tokens; decode tok/s = (N - 1) / (t_N - t_1) on both sides.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const { values: opt } = parseArgs({
  options: {
    device: { type: 'string', default: 'gpu' }, dtype: { type: 'string', default: 'bfloat16' },
    tokens: { type: 'string', default: '64' }, reps: { type: 'string', default: '5' }, tiny: { type: 'boolean', default: false },
    python: { type: 'string', default: process.env.VLM_PEER_PYTHON ?? 'python3' }, threads: { type: 'string', default: '2' },
    dir: { type: 'string', default: process.env.VLM_GPU_BENCH_DIR ?? '/tmp/mlx-vlm-gpu-bench' },
  },
});
const tokens = Number(opt.tokens), reps = Number(opt.reps), size = opt.tiny ? 'tiny' : 'smolvlm-256m';
if (!['gpu', 'cpu'].includes(opt.device)) throw new Error('--device must be gpu or cpu');
if (!['bfloat16', 'float16', 'float32'].includes(opt.dtype)) throw new Error('--dtype must be bfloat16, float16 or float32');
if (!(tokens >= 2) || !(reps >= 1)) throw new Error('--tokens must be ≥ 2 and --reps ≥ 1');

// the engine reads MLX_DEFAULT_DEVICE when it loads
process.env.MLX_DEFAULT_DEVICE = opt.device;
const mx = await import(join(root, 'packages/core/dist/index.js'));
const { loadVLM } = await import(join(root, 'packages/vlm/dist/index.js'));
const { Idefics3ImageProcessor } = await import(join(root, 'packages/vlm/dist/processing/idefics3.js'));
if (opt.device === 'gpu' && !mx.cuda.isAvailable()) {
  console.error('bench/vlm/gpu: the addon has no CUDA GPU (build with MLX_CUDA=ON; see bench/vlm/gpu/README.md)');
  process.exit(1);
}

const py = (args) => {
  const out = execFileSync(opt.python, [join(here, 'peer.py'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop());
};

// ---- 1. random weights, written once by transformers and read by both sides
const modelDir = join(opt.dir, `${size}-${opt.dtype}`);
if (!existsSync(join(modelDir, 'bench_spec.json'))) {
  console.log(`building random ${size} Idefics3 (${opt.dtype}) in ${modelDir} …`);
  py(['build', modelDir, '--size', size, '--dtype', opt.dtype]);
}
const vlm = await loadVLM(modelDir);

// ---- 2. inputs, prepared by our processor (bit-exact with HF's PIL processor, packages/vlm/test/preprocess.test.ts)
function syntheticImage(width, height) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const i = (y * width + x) * 3;
    data[i] = (x * 255) / width; data[i + 1] = (y * 255) / height; data[i + 2] = ((x * 7 + y * 13) * 2654435761 >>> 24) & 255;
  }
  return { data, width, height, channels: 3 };
}
const prompt = 'User:<image>Describe this image.<end_of_utterance>\nAssistant:';
const pre = vlm.arch.processor.cfg, tile = pre.max_image_size.longest_edge;
const singleTile = new Idefics3ImageProcessor({ ...pre, do_image_splitting: false, size: { longest_edge: tile } }, vlm.arch.processor.imageSeqLen);
const prepareWith = (processor, img) => {
  const images = processor.process([img]);
  const expandedPrompt = vlm.expandPrompt(prompt, images.replacements);
  return { ids: vlm.tokenizer.encode(expandedPrompt), expandedPrompt, images };
};
const cases = {
  tile1: prepareWith(singleTile, syntheticImage(tile, tile)),
  split: prepareWith(vlm.arch.processor, syntheticImage(2 * tile, (3 * tile) / 2)),
};
const inputsPath = join(opt.dir, `inputs-${size}.safetensors`);
const tensors = {};
for (const [c, p] of Object.entries(cases)) {
  tensors[`${c}.input_ids`] = mx.array(Int32Array.from(p.ids)).reshape([1, -1]);
  tensors[`${c}.pixel_values`] = p.images.pixelValues;
  tensors[`${c}.pixel_attention_mask`] = p.images.pixelAttentionMask.astype(mx.uint8);
}
mx.saveSafetensors(inputsPath, tensors);

// ---- 3. HF transformers on the same card (run first, alone; it exits before we time ours)
console.log(`HF transformers: ${opt.device === 'gpu' ? 'cuda' : 'cpu'} ${opt.dtype}, ${tokens} tokens, ${reps} reps …`);
const hf = py(['time', modelDir, '--inputs', inputsPath, '--tokens', String(tokens), '--reps', String(reps),
  '--device', opt.device === 'gpu' ? 'cuda' : 'cpu', '--dtype', opt.dtype, '--threads', opt.threads]);
const hfOut = mx.load(join(opt.dir, 'hf_outputs.safetensors'));

// ---- 4. ours
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
/** Median seconds of `reps` calls after WARMUP warm-ups (as peer.py; JS code paths need a few calls to be
 * optimised); returns the last result (earlier array results are disposed). */
const WARMUP = 3;
async function timed(fn) {
  const ts = [];
  let out;
  for (let i = 0; i < reps + WARMUP; i++) {
    if (out instanceof mx.array) out.dispose();
    const t = performance.now();
    out = await fn();
    if (i >= WARMUP) ts.push((performance.now() - t) / 1000);
  }
  return [median(ts), out];
}
const relErr = (ours, ref) => {
  const o = ours.astype(mx.float32).reshape(ref.shape);
  return mx.max(mx.abs(mx.subtract(o, ref))).item() / mx.max(mx.abs(ref)).item();
};
if (opt.device === 'gpu') mx.cuda.resetCounters();
const ours = {};
for (const [c, p] of Object.entries(cases)) {
  const [encS, feats] = await timed(async () => {
    const f = mx.tidy(() => vlm.arch.encodeImages(p.images));
    mx.eval(f); // eval blocks until the device is done
    return f;
  });
  const featErr = relErr(feats, hfOut[`${c}.features`]);
  const logits = mx.tidy(() => {
    const caches = vlm.arch.text.newCache();
    const l = vlm.arch.text.forward(vlm.embed(p.ids, feats), caches, { lastOnly: true });
    for (const k of caches) k.dispose();
    return mx.reshape(l, [-1]);
  });
  const logitErr = relErr(logits, hfOut[`${c}.last_logits`]);
  mx.dispose([feats, logits]);
  const gen = (n) => vlm.generate({ prepared: p }, { maxTokens: n, temperature: 0, ignoreEos: true });
  const [prefillS] = await timed(() => gen(1));
  const [genS, out] = await timed(() => gen(tokens));
  ours[c] = { encodeS: encS, prefillS, genS, tokens: out.tokens, statsTps: out.stats.generationTps, featErr, logitErr };
}
const counters = opt.device === 'gpu' ? mx.cuda.counters() : {};

// ---- 5. one table
// decode time = t_N - t_1; when noise makes that tiny (or negative) the figure is not meaningful
const decodeTps = (gen, prefill) => (gen - prefill > 0.05 * gen ? (tokens - 1) / (gen - prefill) : NaN);
const rows = [];
for (const c of Object.keys(cases)) {
  const o = ours[c], h = hf.cases[c];
  const label = `${c === 'tile1' ? '1 tile' : `${h.tiles} tiles`}, ${h.prompt_tokens}-token prompt`;
  rows.push([`image encode (${label}) [ms]`, o.encodeS * 1e3, h.encode_s * 1e3, h.encode_s / o.encodeS]);
  rows.push([`prefill = encode + prompt (${label}) [ms]`, o.prefillS * 1e3, h.prefill_s * 1e3, h.prefill_s / o.prefillS]);
  const od = decodeTps(o.genS, o.prefillS), hd = decodeTps(h.generate_s, h.prefill_s);
  rows.push([`decode, greedy (${label}) [tok/s]`, od, hd, od / hd]);
  rows.push([`end to end, ${tokens} tokens (${label}) [tok/s]`, tokens / o.genS, tokens / h.generate_s, h.generate_s / o.genS]);
}
const agree = (a, b) => { let k = 0; while (k < Math.min(a.length, b.length) && a[k] === b[k]) k++; return k; };
const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
const devName = opt.device === 'gpu' ? hf.device : 'CPU';
console.log(`\n## bench/vlm/gpu — ${stamp} UTC · ${devName} · ${size} random Idefics3 · ${opt.dtype} · median of ${reps}`);
console.log(`ours: @mlx ${opt.device}; peer: transformers ${hf.transformers} / torch ${hf.torch} (${hf.attn_implementation ?? 'default'} attention, eager generate)\n`);
console.log('| case | ours | HF transformers | ratio (> 1: ours faster) |\n|---|---|---|---|');
const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
for (const [name, o, h, r] of rows) console.log(`| ${name} | ${f2(o)} | ${f2(h)} | ${f2(r)}× |`);
console.log('');
for (const c of Object.keys(cases)) {
  const o = ours[c], h = hf.cases[c];
  console.log(`${c}: same function — features max|Δ|/max|ref| ${o.featErr.toExponential(2)}, last logits ${o.logitErr.toExponential(2)}; `
    + `greedy tokens agree for the first ${agree(o.tokens, h.tokens)}/${tokens} (HF's first-step top-2 margin ${h.first_margin.toExponential(2)}); `
    + `first tokens ours ${JSON.stringify(o.tokens.slice(0, 6))} HF ${JSON.stringify(h.tokens.slice(0, 6))}; `
    + `our own decode timer (stats.generationTps) ${o.statsTps.toFixed(1)} tok/s`);
}
const fallbacks = Object.entries(counters).filter(([k]) => k.startsWith('fallback:'));
if (opt.device === 'gpu') console.log(`GPU ops that ran the CPU kernel: ${fallbacks.length ? fallbacks.map(([k, v]) => `${k.slice(9)}×${v}`).join(', ') : 'none'}`);
const outDir = process.env.OUT ?? join(here, 'out');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'vlm-gpu.json'), JSON.stringify({ stamp, device: devName, size, dtype: opt.dtype, tokens, reps, rows, ours, hf, counters }, null, 1));
vlm.dispose();
