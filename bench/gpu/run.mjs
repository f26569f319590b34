// GPU benchmarks against PyTorch on the same card (run on the GPU machine: scripts/gpu/run-all.sh).
// Prints a table and writes bench/gpu/results.json (or $OUT/bench-gpu.json).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '../../packages/core/dist/index.js';
import N from '../../packages/native/index.js';
import { medianTime } from '../lib/harness.mjs';
import { buildModel, compiledDecoder, eagerDecoder, timeDecode } from './decode-model.mjs';
import { timeGpu } from './timing.mjs';

const here = dirname(fileURLToPath(import.meta.url));
if (!mx.cuda.isAvailable()) { console.error('bench/gpu: no CUDA GPU'); process.exit(1); }
mx.setDefaultDevice(mx.gpu);

// Runs fn (returning an array) and waits for it: eval blocks until the GPU is done. Host wall time.
const timeWall = (fn, reps = 20) => medianTime(() => mx.tidy(() => { mx.eval(fn()); return undefined; }), reps, 3);
// Ratios use GPU times from CUDA events (timing.mjs, as the PyTorch peer is timed); wall times are reported beside them.
// ||a - b|| / ||b|| on the host (float64 sums).
function relErrHost(a, b) {
  const x = mx.astype(a, mx.float32).toTypedArray(), y = mx.astype(b, mx.float32).toTypedArray();
  let d = 0, n = 0;
  for (let i = 0; i < y.length; i++) { d += (x[i] - y[i]) ** 2; n += y[i] ** 2; }
  return Math.sqrt(d / n);
}
const wall = {};
const timeOp = (fn, reps) => { const k = `_${Object.keys(wall).length}`; wall[k] = timeWall(fn, reps); return timeGpu(fn, reps); };
const key = (i) => mx.random.key(i);
const randn = (shape, dt = mx.float32, i = 0) => { const x = mx.astype(mx.random.normal(shape, mx.float32, 0, 1, key(i)), dt); mx.eval(x); return x; };

const decodeConfig = { vocab: 49152, hidden: 576, ffn: 1536, layers: 30, heads: 9, kvHeads: 3, prompt: 16, steps: 64 };
const ours = {};
const n = 4096;
const a = randn([n, n], mx.float32, 1), b = randn([n, n], mx.float32, 2);
mx.cuda.setTf32(false);
ours.gemm_f32 = timeOp(() => mx.matmul(a, b));
mx.cuda.setTf32(true);
ours.gemm_tf32 = timeOp(() => mx.matmul(a, b));
mx.cuda.setTf32(false);
const a16 = mx.astype(a, mx.bfloat16), b16 = mx.astype(b, mx.bfloat16);
ours.gemm_bf16 = timeOp(() => mx.matmul(a16, b16));
const x = randn([8192, 4096], mx.float32, 3);
ours.softmax = timeOp(() => mx.softmax(x, -1));
const w = randn([4096], mx.float32, 4), bb = randn([4096], mx.float32, 5);
ours.layernorm = timeOp(() => mx.fast.layerNorm(x, w, bb, 1e-5));
// Attention: cuDNN's fused flash attention where the build has it (plans are built in the background
// on a shape's first call, our kernel runs meanwhile: settle() waits for the steady state), and our
// own flash kernel (MLX_CUDA_CUDNN_SDPA=0, read per call) in the same run.
const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
function settle(fn) {
  for (let i = 0; i < 100; i++) {
    const before = mx.cuda.counters().cudnn_sdpa_pending ?? 0;
    mx.tidy(() => { mx.eval(fn()); return undefined; });
    if ((mx.cuda.counters().cudnn_sdpa_pending ?? 0) === before) return;
    sleepMs(200);
  }
}
function timeAttention(name, fn, reps) {
  settle(fn);
  const runs0 = mx.cuda.counters().cudnn_sdpa ?? 0;
  ours[name] = timeOp(fn, reps);
  ours[`${name}_path`] = (mx.cuda.counters().cudnn_sdpa ?? 0) > runs0 ? 'cudnn' : 'ours';
  process.env.MLX_CUDA_CUDNN_SDPA = '0';
  ours[`${name}_own`] = timeGpu(fn, reps);
  delete process.env.MLX_CUDA_CUDNN_SDPA;
}
const q = randn([1, 32, 4096, 128], mx.bfloat16, 6), k = randn([1, 32, 4096, 128], mx.bfloat16, 7), v = randn([1, 32, 4096, 128], mx.bfloat16, 8);
timeAttention('attention', () => mx.fast.scaledDotProductAttention(q, k, v, 1 / Math.sqrt(128), 'causal'), 10);
// SigLIP-like vision encoder attention: 13 images x 12 heads x 1024 patches x 64, no mask.
const qs = randn([13, 12, 1024, 64], mx.bfloat16, 15), ks = randn([13, 12, 1024, 64], mx.bfloat16, 16), vs = randn([13, 12, 1024, 64], mx.bfloat16, 17);
timeAttention('attention_siglip', () => mx.fast.scaledDotProductAttention(qs, ks, vs, 1 / 8), 20);
// Decode attention: one query row per head (32 heads, 8 kv heads), 4096 cached keys, bf16.
const qd = randn([1, 32, 1, 128], mx.bfloat16, 12), kd = randn([1, 8, 4096, 128], mx.bfloat16, 13), vd = randn([1, 8, 4096, 128], mx.bfloat16, 14);
timeAttention('attention_decode', () => mx.fast.scaledDotProductAttention(qd, kd, vd, 1 / Math.sqrt(128)), 50);
const W = randn([14336, 4096], mx.bfloat16, 9);
const [wq, sc, bi] = mx.quantize(W, 64, 4);
mx.eval(wq, sc, bi);
const xv = randn([1, 4096], mx.bfloat16, 10);
ours.qgemv = timeOp(() => mx.quantizedMatmul(xv, wq, sc, bi, true, 64, 4), 50);
{  // the timed kernel's result against the CPU in float32
  const f = (a) => mx.astype(a, mx.float32, mx.cpu);
  const got = f(mx.quantizedMatmul(xv, wq, sc, bi, true, 64, 4));
  const ref = mx.quantizedMatmul(f(xv), wq, f(sc), f(bi), true, 64, 4, 'affine', mx.cpu);
  ours.qgemv_relerr = relErrHost(got, ref);
}
const qBytes = wq.nbytes + sc.nbytes + bi.nbytes + xv.nbytes + 14336 * 2;
// The same GEMV as decode runs it: 8 GEMVs over 8 distinct weight copies (8 x 33 MB, more than L2) in one
// eval, so the kernels run back to back (with PDL each starts, and prefetches its weights, during the
// previous one's tail). Time per GEMV = eval time / 8; the single-launch row above stays as it was.
const chainW = Array.from({ length: 8 }, (_, i) => {
  const Wi = randn([14336, 4096], mx.bfloat16, 40 + i);
  const q3 = mx.quantize(Wi, 64, 4);
  mx.eval(...q3);
  mx.dispose(Wi);
  return q3;
});
const gemvChain = () => chainW.map(([a, s, b]) => mx.quantizedMatmul(xv, a, s, b, true, 64, 4));
ours.qgemv_chain = timeOp(gemvChain, 30) / chainW.length;
// A/B in the same run (switches read per launch): without PDL, and session 5's kernel (form 1) with PDL.
const withEnv = (env, fn) => {
  Object.assign(process.env, env);
  try { return fn(); } finally { for (const k of Object.keys(env)) delete process.env[k]; }
};
ours.qgemv_chain_nopdl = withEnv({ MLX_CUDA_PDL: '0' }, () => timeGpu(gemvChain, 30)) / chainW.length;
ours.qgemv_chain_prev = withEnv({ MLX_CUDA_QMV_FAST: '1' }, () => timeGpu(gemvChain, 30)) / chainW.length;
ours.qgemv_prev = withEnv({ MLX_CUDA_QMV_FAST: '1' }, () => timeGpu(() => mx.quantizedMatmul(xv, wq, sc, bi, true, 64, 4), 50));
{  // every GEMV of the chain against the CPU in float32 (worst of the 8)
  const f = (a) => mx.astype(a, mx.float32, mx.cpu);
  const ys = gemvChain();
  ours.qgemv_chain_relerr = Math.max(...chainW.map(([a, s, b], i) =>
    relErrHost(f(ys[i]), mx.quantizedMatmul(f(xv), a, f(s), f(b), true, 64, 4, 'affine', mx.cpu))));
  mx.dispose(ys);
}
mx.dispose(chainW.flat());
const big = randn([256 << 20], mx.float32, 11);
ours.copy = timeOp(() => mx.multiply(big, 1), 10);
mx.dispose(big);

// ---- decode: a llama-shaped model with random weights (bench/gpu/decode-model.mjs), greedy tokens.
// eager: graph built in JS per step, growing caches; compiled: one mx.compile'd step over fixed-shape
// K/V buffers (the way @mlx/lm decodes). The two must produce the same logits (checked on the GPU).
function decodeAgreement(m) {
  const e = eagerDecoder(m), c = compiledDecoder(m, 64);
  let worst = 0;
  let te = e([1, 50, 300, 7]), tc = c([1, 50, 300, 7]);
  for (let i = 0; i < 4; i++) {
    const a = mx.astype(e.logits, mx.float32), b = mx.reshape(mx.astype(c.logits, mx.float32), a.shape);
    worst = Math.max(worst, relErrHost(b, a));
    te = e([(i * 37 + 11) % 4096]); tc = c([(i * 37 + 11) % 4096]);
  }
  return { relErr: worst, sameTokens: te === tc };
}
const model = buildModel(decodeConfig);
ours.decode_agreement = decodeAgreement(model);
{  // the same check in float32 on a 4-layer model: differences there are arithmetic order only
  const m32 = buildModel({ ...decodeConfig, layers: 4 }, mx.float32);
  ours.decode_agreement_f32 = decodeAgreement(m32);
  mx.dispose(m32.emb, m32.norm, ...m32.L.flatMap((l) => Object.values(l)));
}
mx.cuda.resetCounters();
ours.decode_token = timeDecode(eagerDecoder(model), decodeConfig).seconds;
ours.decode_token_compiled = timeDecode(compiledDecoder(model, 128), decodeConfig).seconds;
const decodeCounters = mx.cuda.counters();
// compiled vs compiled + CUDA graph (decode-graph.mjs, in a child process: bit-agreement check, then
// both timed interleaved there; a failure leaves the row empty and the other rows intact).
let graphRun = { error: 'not run' };
try {
  graphRun = JSON.parse(execFileSync(process.execPath, [join(here, 'decode-graph.mjs'), JSON.stringify(decodeConfig)],
    { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 240e3 }).trim().split('\n').pop());
} catch (e) {
  graphRun = { error: String(e.message ?? e).slice(0, 2000) };
}
ours.decode_token_graph = graphRun.graph ?? NaN;
ours.decode_graph = graphRun;

const peer = JSON.parse(execFileSync(process.env.PYTHON ?? 'python3', [join(here, 'peers.py'), JSON.stringify({ decodeConfig })],
  { encoding: 'utf8', maxBuffer: 1 << 26 }));
const flops = 2 * n ** 3;
const rows = [
  ['gemm f32 4096^3', 'TFLOP/s', flops / ours.gemm_f32 / 1e12, flops / peer.gemm_f32 / 1e12],
  ['gemm tf32 4096^3', 'TFLOP/s', flops / ours.gemm_tf32 / 1e12, flops / peer.gemm_tf32 / 1e12],
  ['gemm bf16 4096^3', 'TFLOP/s', flops / ours.gemm_bf16 / 1e12, flops / peer.gemm_bf16 / 1e12],
  ['softmax (8192,4096) f32', 'ms', ours.softmax * 1e3, peer.softmax * 1e3],
  ['layerNorm (8192,4096) f32', 'ms', ours.layernorm * 1e3, peer.layernorm * 1e3],
  ['attention 1x32x4096x128 causal bf16', 'ms', ours.attention * 1e3, peer.attention * 1e3],
  ['attention decode 1x32(8kv)x1x4096x128 bf16', 'ms', ours.attention_decode * 1e3, peer.attention_decode * 1e3],
  ['attention 13x12x1024x64 no mask bf16 (SigLIP-like)', 'ms', ours.attention_siglip * 1e3, peer.attention_siglip * 1e3],
  ['attention 1x32x4096x128 causal bf16, own flash kernel', 'ms', ours.attention_own * 1e3, peer.attention * 1e3],
  ['attention 13x12x1024x64 bf16, own flash kernel', 'ms', ours.attention_siglip_own * 1e3, peer.attention_siglip * 1e3],
  ['4-bit GEMV 14336x4096 g64, one launch, weights hot in L2 (ours GB/s | peer: copy GB/s)', 'GB/s', qBytes / ours.qgemv / 1e9, peer.copy_bytes / peer.copy / 1e9],
  ['4-bit GEMV chain 14336x4096 g64 (8 distinct weight copies per eval; ours GB/s per GEMV | peer: copy GB/s)', 'GB/s', qBytes / ours.qgemv_chain / 1e9, peer.copy_bytes / peer.copy / 1e9],
  ['bf16 GEMV 14336x4096 (peer only)', 'ms', NaN, peer.gemv_bf16 * 1e3],
  ['copy 1 GiB f32 (read+write)', 'GB/s', 2 * (1 << 30) / ours.copy / 1e9, peer.copy_bytes / peer.copy / 1e9],
  ['decode token, 30L x 576 llama bf16, eager (vs HF eager)', 'ms', ours.decode_token * 1e3, peer.decode_token * 1e3],
  ['decode token, 30L x 576 llama bf16, compiled step (vs HF eager)', 'ms', ours.decode_token_compiled * 1e3, peer.decode_token * 1e3],
  ['decode token, 30L x 576 llama bf16, compiled + CUDA graph (vs HF eager)', 'ms', ours.decode_token_graph * 1e3, peer.decode_token * 1e3],
];
// ---- mx.compile on the GPU: NVRTC-fused elementwise kernels (bench/gpu/compile.mjs runs both sides).
const fused = JSON.parse(execFileSync(process.execPath, [join(here, 'compile.mjs'), '--json'],
  { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n').pop());
rows.push(...fused.rows);
console.log(`\nGPU: ${peer.device} (torch ${peer.torch})\n`);
console.log('| case | unit | ours | pytorch | ratio (>1: ours faster) |\n|---|---|---|---|---|');
for (const [name, unit, o, p] of rows) {
  const ratio = unit === 'ms' ? p / o : o / p;
  console.log(`| ${name} | ${unit} | ${o.toFixed(3)} | ${p.toFixed(3)} | ${Number.isFinite(ratio) ? ratio.toFixed(2) : '-'} |`);
}
console.log('\nours, host wall time per op (ms, same order as the single-op rows):', Object.values(wall).map((t) => (t * 1e3).toFixed(3)).join(' '));
console.log('\ndecode GPU counters:', JSON.stringify(decodeCounters));
console.log('attention paths (cudnn = cuDNN fused attention):', ['attention', 'attention_siglip', 'attention_decode'].map((k) => `${k}=${ours[`${k}_path`]}`).join(' '));
console.log('4-bit GEMV relative error vs CPU f32:', ours.qgemv_relerr.toExponential(2), '| chain (worst of 8):', ours.qgemv_chain_relerr.toExponential(2));
{
  const gbs = (t) => `${(t * 1e6).toFixed(2)} us ${(qBytes / t / 1e9).toFixed(0)} GB/s ${(100 * qBytes / t / (peer.copy_bytes / peer.copy)).toFixed(0)}% of copy`;
  console.log(`4-bit GEMV per GEMV: single ${gbs(ours.qgemv)} (session 5's kernel ${gbs(ours.qgemv_prev)}) | chain of 8: PDL ${gbs(ours.qgemv_chain)}, ` +
    `no PDL ${gbs(ours.qgemv_chain_nopdl)}, session 5's kernel with PDL ${gbs(ours.qgemv_chain_prev)}`);
}
console.log('decode compiled vs compiled + CUDA graph (child process):', JSON.stringify(graphRun));
console.log('decode eager vs compiled logits agreement: bf16 30 layers', JSON.stringify(ours.decode_agreement), 'f32 4 layers', JSON.stringify(ours.decode_agreement_f32));
const result = { device: peer.device, ours, wall, peer, rows, decodeCounters, fused };
writeFileSync(process.env.OUT ? join(process.env.OUT, 'bench-gpu.json') : join(here, 'results.json'), JSON.stringify(result, null, 2));
