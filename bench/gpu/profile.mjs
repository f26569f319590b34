// GPU profiling helpers for bench/gpu (run on the GPU machine):
//   node bench/gpu/profile.mjs kernels  -> a few launches of the attention / qmv kernels (for ncu)
//   node bench/gpu/profile.mjs attn     -> GPU time of the causal bf16 attention case (CUDA events)
//   node bench/gpu/profile.mjs qmv      -> GPU time and error (vs the CPU in f32) of one-row 4-bit products
//   node bench/gpu/profile.mjs decode   -> where a decode step's time goes (eager: graph building in JS,
//                                          eval, item(); compiled: whole step), tag in PROFILE_TAG
import * as mx from '../../packages/core/dist/index.js';
import N from '../../packages/native/index.js';
import { buildModel, compiledDecoder, eagerDecoder, timeDecode } from './decode-model.mjs';

const what = process.argv[2] ?? 'decode';
const tag = process.env.PROFILE_TAG ?? 'default';
mx.setDefaultDevice(mx.gpu);
const key = (i) => mx.random.key(i);
const randn = (shape, dt, i) => { const x = mx.astype(mx.random.normal(shape, mx.float32, 0, 1, key(i)), dt); mx.eval(x); return x; };

function gpuMs(fn, reps = 10) {
  for (let i = 0; i < 3; i++) mx.tidy(() => { mx.eval(fn()); return undefined; });
  const ts = [];
  for (let i = 0; i < reps; i++) {
    N.setBackendOption(1, 'timerStart', mx.defaultStream(mx.gpu).index);
    mx.tidy(() => { mx.eval(fn()); return undefined; });
    ts.push(mx.cuda.counters().timer_ms);
  }
  return ts.sort((a, b) => a - b)[reps >> 1];
}
function relErrHost(a, b) {
  const x = mx.astype(a, mx.float32).toTypedArray(), y = mx.astype(b, mx.float32).toTypedArray();
  let d = 0, n = 0;
  for (let i = 0; i < y.length; i++) { d += (x[i] - y[i]) ** 2; n += y[i] ** 2; }
  return Math.sqrt(d / n);
}

if (what === 'attn') {
  const q = randn([1, 32, 4096, 128], mx.bfloat16, 6), k = randn([1, 32, 4096, 128], mx.bfloat16, 7), v = randn([1, 32, 4096, 128], mx.bfloat16, 8);
  const ms = gpuMs(() => mx.fast.scaledDotProductAttention(q, k, v, 1 / Math.sqrt(128), 'causal'));
  const tf = 4 * 32 * 4096 * 4096 * 128 / 2 / (ms / 1e3) / 1e12;
  const msN = gpuMs(() => mx.fast.scaledDotProductAttention(q, k, v, 1 / Math.sqrt(128)));
  const qs = randn([13, 12, 1024, 64], mx.bfloat16, 16), ks = randn([13, 12, 1024, 64], mx.bfloat16, 17), vs = randn([13, 12, 1024, 64], mx.bfloat16, 18);
  const msS = gpuMs(() => mx.fast.scaledDotProductAttention(qs, ks, vs, 1 / 8));
  console.log(`attention bf16 1x32x4096x128 (warps ${process.env.MLX_CUDA_FLASH_WARPS === '8' ? '8x1' : '4x2'}): causal ${ms.toFixed(3)} ms (${tf.toFixed(0)} TFLOP/s), no mask ${msN.toFixed(3)} ms (${(2 * tf * ms / msN).toFixed(0)} TFLOP/s); 13x12x1024x64 no mask ${msS.toFixed(3)} ms`);
} else if (what === 'qmv') {
  const f = (a) => mx.astype(a, mx.float32, mx.cpu);
  const parts = [];
  for (const [N_, K, gs, dt] of [[14336, 4096, 64, mx.bfloat16], [14336, 4096, 32, mx.bfloat16], [14336, 4096, 128, mx.bfloat16],
    [4096, 14336, 64, mx.bfloat16], [14336, 4096, 64, mx.float16], [4096, 4096, 64, mx.bfloat16]]) {
    const W = randn([N_, K], dt, 9);
    const [wq, sc, bi] = mx.quantize(W, gs, 4);
    const xv = randn([1, K], dt, 10);
    mx.eval(wq, sc, bi);
    const ms = gpuMs(() => mx.quantizedMatmul(xv, wq, sc, bi, true, gs, 4), 50);
    const bytes = wq.nbytes + sc.nbytes + bi.nbytes + xv.nbytes + N_ * dt.size;
    const err = relErrHost(mx.quantizedMatmul(xv, wq, sc, bi, true, gs, 4), mx.quantizedMatmul(f(xv), wq, f(sc), f(bi), true, gs, 4, 'affine', mx.cpu));
    parts.push(`${N_}x${K} g${gs} ${dt.name ?? dt}: ${(ms * 1e3).toFixed(1)} us ${(bytes / ms / 1e6).toFixed(0)} GB/s err ${err.toExponential(1)}`);
    mx.dispose(W, wq, sc, bi, xv);
  }
  console.log(`qmv (${tag}): ${parts.join(' | ')}`);
} else if (what === 'kernels') {
  const q = randn([1, 32, 4096, 128], mx.bfloat16, 6), k = randn([1, 32, 4096, 128], mx.bfloat16, 7), v = randn([1, 32, 4096, 128], mx.bfloat16, 8);
  const qd = randn([1, 32, 1, 128], mx.bfloat16, 12), kd = randn([1, 8, 4096, 128], mx.bfloat16, 13), vd = randn([1, 8, 4096, 128], mx.bfloat16, 14);
  const W = randn([14336, 4096], mx.bfloat16, 9);
  const [wq, sc, bi] = mx.quantize(W, 64, 4);
  const xv = randn([1, 4096], mx.bfloat16, 10);
  for (let i = 0; i < 2; i++) {
    mx.eval(mx.fast.scaledDotProductAttention(q, k, v, 1 / Math.sqrt(128), 'causal'));
    mx.eval(mx.fast.scaledDotProductAttention(qd, kd, vd, 1 / Math.sqrt(128)));
    mx.eval(mx.quantizedMatmul(xv, wq, sc, bi, true, 64, 4));
  }
  console.log('kernels done');
} else {
  const cfg = { vocab: 49152, hidden: 576, ffn: 1536, layers: 30, heads: 9, kvHeads: 3, prompt: 16, steps: 32 };
  const m = buildModel(cfg);
  const e = timeDecode(eagerDecoder(m), cfg);
  const c = timeDecode(compiledDecoder(m, 128), cfg);
  mx.cuda.resetCounters();
  const c2 = timeDecode(compiledDecoder(m, 128), cfg);
  const cnt = mx.cuda.counters();
  console.log(`decode step (${tag}): eager ${(e.seconds * 1e3).toFixed(3)} ms, compiled ${(c.seconds * 1e3).toFixed(3)} / ${(c2.seconds * 1e3).toFixed(3)} ms; counters ${JSON.stringify(cnt)}`);
}
