// The engine's 4-bit GEMV rows of bench/gpu/run.mjs alone (issue #6): one launch, and a chain of 8 GEMVs
// over 8 distinct weight copies per eval, for the kernel forms (MLX_CUDA_QMV_FAST=5: default, the ring kernel; 1: session 5's; 0: session 4; 2: 16-row tiles; 4: x in shared memory) with and without
// PDL (MLX_CUDA_PDL; both read per launch), against the 1 GiB copy rate measured in the same run by PyTorch
// (as bench/gpu/peers.py) and by the engine. GPU times from CUDA events (bench/gpu/timing.mjs).
//   node bench/gpu/micro/gemv-engine.mjs     (on the GPU machine, after the CUDA build)
import { execFileSync } from 'node:child_process';
import * as mx from '../../../packages/core/dist/index.js';
import { timeGpu } from '../timing.mjs';

if (!mx.cuda.isAvailable()) { console.error('gemv-engine: no CUDA GPU'); process.exit(1); }
mx.setDefaultDevice(mx.gpu);
const randn = (shape, dt, i) => { const x = mx.astype(mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(i)), dt); mx.eval(x); return x; };
const withEnv = (env, fn) => {
  Object.assign(process.env, env);
  try { return fn(); } finally { for (const k of Object.keys(env)) delete process.env[k]; }
};
const OFF = { MLX_CUDA_PDL: '0' };  // same kernel without PDL: must give the same bits

let torchCopy = NaN;
try {  // PyTorch's 1 GiB clone, as bench/gpu/peers.py times it
  const py = `import torch, json
big = torch.randn(256 << 20, device='cuda')
s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
ts = []
for i in range(13):
    s.record(); big.clone(); e.record(); torch.cuda.synchronize(); ts.append(s.elapsed_time(e) / 1e3)
ts = sorted(ts[3:])
print(json.dumps({'gbs': 2 * big.numel() * 4 / ts[len(ts) // 2] / 1e9}))`;
  torchCopy = JSON.parse(execFileSync(process.env.PYTHON ?? 'python3', ['-c', py], { encoding: 'utf8' }).trim().split('\n').pop()).gbs;
} catch (e) { console.log('torch copy peer failed:', String(e.message ?? e).slice(0, 200)); }
const big = randn([256 << 20], mx.float32, 11);
const oursCopy = 2 * (1 << 30) / timeGpu(() => mx.multiply(big, 1), 10) / 1e9;
mx.dispose(big);
const copy = Number.isFinite(torchCopy) ? torchCopy : oursCopy;
console.log(`copy 1 GiB (read+write): PyTorch ${torchCopy.toFixed(0)} GB/s, engine ${oursCopy.toFixed(0)} GB/s; 70% of ${copy.toFixed(0)} = ${(0.7 * copy).toFixed(0)} GB/s`);

for (const [N, K, gs] of [[14336, 4096, 64], [4096, 14336, 64], [14336, 4096, 32], [14336, 4096, 128]]) {
  const xv = randn([1, K], mx.bfloat16, 10);
  const ws = Array.from({ length: 8 }, (_, i) => {
    const W = randn([N, K], mx.bfloat16, 40 + i);
    const q = mx.quantize(W, gs, 4);
    mx.eval(...q);
    mx.dispose(W);
    return q;
  });
  const [wq, sc, bi] = ws[0];
  const bytes = wq.nbytes + sc.nbytes + bi.nbytes + xv.nbytes + N * 2;
  const one = () => mx.quantizedMatmul(xv, wq, sc, bi, true, gs, 4);
  const chain = () => ws.map(([a, s, b]) => mx.quantizedMatmul(xv, a, s, b, true, gs, 4));
  // bits: the switches must not change a result
  const f = (a) => mx.astype(a, mx.float32, mx.cpu).toTypedArray();
  const on = chain().map(f), off = withEnv(OFF, () => chain().map(f));
  let diff = 0;
  for (let i = 0; i < on.length; i++) for (let j = 0; j < on[i].length; j++) diff += !Object.is(on[i][j], off[i][j]);
  const fmt = (t) => `${(t * 1e6).toFixed(2)} us ${(bytes / t / 1e9).toFixed(0)} GB/s ${(100 * bytes / t / 1e9 / copy).toFixed(0)}%`;
  console.log(`${N}x${K} g${gs} (${(bytes / 1e6).toFixed(2)} MB) bits default vs MLX_CUDA_PDL=0: ${diff === 0 ? 'same' : `${diff} DIFFER`}`);
  console.log(`  single (hot L2): default ${fmt(timeGpu(one, 50))} | off ${fmt(withEnv(OFF, () => timeGpu(one, 50)))}`);
  // the chain, per GEMV, for every kernel form (quantized.cu qmv_fast_mode) with and without PDL, interleaved twice
  for (let rep = 0; rep < 2; rep++) {
    const cells = [];
    for (const form of ['5', '1', '0', '2', '4'])
      for (const pdl of ['1', '0'])
        cells.push(`form ${form} pdl ${pdl}: ${fmt(withEnv({ MLX_CUDA_QMV_FAST: form, MLX_CUDA_PDL: pdl }, () => timeGpu(chain, 20)) / 8)}`);
    console.log(`  chain of 8 per GEMV (round ${rep + 1}):\n    ${cells.join('\n    ')}`);
  }
  mx.dispose(ws.flat(), xv);
}
