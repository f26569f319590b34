// cuDNN attention plan cost on the GPU machine: wall time of a shape's first call (plan built in
// the calling thread: MLX_CUDA_CUDNN_BUILD=sync) and of the next one, for new sequence lengths,
// with static graphs and with cuDNN's dynamic shapes + shared kernel cache (MLX_CUDA_CUDNN_DYNAMIC=1),
// plus each result's error against our own flash kernel. Then the default background build: calls
// until the shape runs on cuDNN. Usage: node bench/gpu/attn-plans.mjs
import * as mx from '../../packages/core/dist/index.js';

if (!mx.cuda.isAvailable()) { console.error('no CUDA GPU'); process.exit(1); }
mx.setDefaultDevice(mx.gpu);
const sdpa = mx.fast.scaledDotProductAttention;
const randn = (shape, i) => { const x = mx.astype(mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(i)), mx.bfloat16); mx.eval(x); return x; };
const wall = (fn) => { const t = performance.now(); const y = fn(); mx.eval(y); return [performance.now() - t, y]; };
function relErr(a, b) {
  const x = mx.astype(a, mx.float32).toTypedArray(), y = mx.astype(b, mx.float32).toTypedArray();
  let d = 0, n = 0;
  for (let i = 0; i < y.length; i++) { d += (x[i] - y[i]) ** 2; n += y[i] ** 2; }
  return Math.sqrt(d / n);
}
const c = () => mx.cuda.counters();
process.env.MLX_CUDA_CUDNN_BUILD = 'sync';
for (const dyn of ['0', '1']) {
  process.env.MLX_CUDA_CUDNN_DYNAMIC = dyn;
  for (const [L, mask, D] of [[1000, 'causal', 128], [1001, 'causal', 128], [1500, 'causal', 128], [2047, 'causal', 128], [777, undefined, 64], [3001, undefined, 64]]) {
    const scale = (dyn === '1' ? 1.0001 : 1) / Math.sqrt(D);  // distinct plan per mode
    const q = randn([1, 16, L, D], L), k = randn([1, 16, L, D], L + 1), v = randn([1, 16, L, D], L + 2);
    const b0 = c().cudnn_sdpa_build ?? 0, ms0 = c().cudnn_sdpa_build_ms ?? 0, r0 = c().cudnn_sdpa ?? 0;
    const [first, y] = wall(() => sdpa(q, k, v, scale, mask));
    const [second] = wall(() => sdpa(q, k, v, scale, mask));
    const ran = (c().cudnn_sdpa ?? 0) - r0;
    process.env.MLX_CUDA_CUDNN_SDPA = '0';
    const own = sdpa(q, k, v, scale, mask);
    delete process.env.MLX_CUDA_CUDNN_SDPA;
    console.log(`dynamic=${dyn} L=${L} D=${D} ${mask ?? 'none'}: first call ${first.toFixed(1)} ms (plans built ${(c().cudnn_sdpa_build ?? 0) - b0}, ` +
      `${((c().cudnn_sdpa_build_ms ?? 0) - ms0).toFixed(1)} ms), second ${second.toFixed(2)} ms, cudnn runs ${ran}, err vs own kernel ${relErr(y, own).toExponential(2)}`);
    mx.dispose(q, k, v, y, own);
  }
}
delete process.env.MLX_CUDA_CUDNN_BUILD;
delete process.env.MLX_CUDA_CUDNN_DYNAMIC;
const q = randn([1, 8, 900, 128], 1), k = randn([1, 8, 900, 128], 2), v = randn([1, 8, 900, 128], 3);
const t0 = performance.now();
let calls = 0;
for (; calls < 2000; calls++) {
  const r0 = c().cudnn_sdpa ?? 0;
  mx.eval(sdpa(q, k, v, 0.09, 'causal'));
  if ((c().cudnn_sdpa ?? 0) > r0) break;
}
console.log(`background build: cuDNN from call ${calls + 1}, after ${(performance.now() - t0).toFixed(0)} ms; counters ${JSON.stringify(Object.fromEntries(Object.entries(c()).filter(([k]) => k.startsWith('cudnn'))))}`);
