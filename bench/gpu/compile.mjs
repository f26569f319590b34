// mx.compile on the GPU: fused elementwise kernels (NVRTC, packages/native/src/backend/cuda/compiled*.cu)
// against the same ops uncompiled, PyTorch eager and torch.compile on the same card (compile_peers.py).
// Run on the GPU machine: `node bench/gpu/compile.mjs` (table) or `--json` (bench/gpu/run.mjs reads
// the last line). Cases: a 10-op chain at 16M elements (f32, bf16), the SigLIP tanh-GELU at
// [13·1024, 3072] bf16, and the latency of the first call of a new program (NVRTC) vs a disk-cache hit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '../../packages/core/dist/index.js';
import N from '../../packages/native/index.js';
import { medianTime } from '../lib/harness.mjs';
import { timeGpu as timeGpuShared } from './timing.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

// The 10-op chain (one input, one output) and tanh-GELU, written once for both dtypes.
export const chain10 = (x) => {
  const a = mx.multiply(x, 1.1), b = mx.add(a, 0.3), c = mx.tanh(b), d = mx.multiply(c, x), e = mx.subtract(d, 0.2);
  const f = mx.abs(e), g = mx.sqrt(f), h = mx.multiply(g, 0.7), i = mx.maximum(h, x);
  return mx.add(i, 1);
};
const C0 = Math.sqrt(2 / Math.PI);
export const geluTanh = (x) =>
  mx.multiply(mx.multiply(x, mx.add(mx.tanh(mx.multiply(mx.add(x, mx.multiply(mx.multiply(mx.multiply(x, x), x), 0.044715)), C0)), 1)), 0.5);

// --latency: one process, one new program: prints the first call's wall time and the JIT counters.
if (args[0] === '--latency') {
  mx.setDefaultDevice(mx.gpu);
  const x = mx.astype(mx.random.normal([1 << 20], mx.float32, 0, 1, mx.random.key(1)), mx.bfloat16);
  mx.eval(x);
  mx.cuda.resetCounters();
  const f = mx.compile(geluTanh);
  const t0 = process.hrtime.bigint();
  mx.eval(f(x));
  const first = Number(process.hrtime.bigint() - t0) / 1e6;
  const steady = medianTime(() => mx.eval(f(x)), 20, 2) * 1e3;
  console.log(JSON.stringify({ first_ms: first, steady_ms: steady, counters: mx.cuda.counters() }));
  process.exit(0);
}

if (!mx.cuda.isAvailable()) { console.error('bench/gpu/compile: no CUDA GPU'); process.exit(1); }
mx.setDefaultDevice(mx.gpu);
const timeGpu = (fn, reps = 30, warmup = 3) => timeGpuShared(fn, reps, warmup);
const wallTime = (fn, reps = 30) => medianTime(() => mx.tidy(() => { mx.eval(fn()); return undefined; }), reps, 3);
function maxRelDiff(a, b) {
  const x = mx.astype(a, mx.float32).toTypedArray(), y = mx.astype(b, mx.float32).toTypedArray();
  let worst = 0;
  for (let i = 0; i < y.length; i += 97) worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(Math.abs(y[i]), 1e-3));
  return worst;
}

const ours = {};
const N16 = 16 << 20;
for (const [tag, dt] of [['f32', mx.float32], ['bf16', mx.bfloat16]]) {
  const x = mx.astype(mx.random.normal([N16], mx.float32, 0, 1, mx.random.key(2)), dt);
  mx.eval(x);
  const f = mx.compile(chain10);
  mx.cuda.resetCounters();
  ours[`chain_${tag}_compiled`] = timeGpu(() => f(x));
  ours[`chain_${tag}_compiled_wall`] = wallTime(() => f(x));
  ours[`chain_${tag}_fallbacks`] = mx.cuda.counters()['fallback:Compiled'] ?? 0;
  ours[`chain_${tag}_eager`] = timeGpu(() => chain10(x));
  ours[`chain_${tag}_maxdiff`] = maxRelDiff(f(x), chain10(x));
  ours[`chain_${tag}_bytes`] = 2 * x.nbytes;
  ours[`one_op_${tag}`] = timeGpu(() => mx.multiply(x, 1.5));  // one elementwise kernel, same bytes
  mx.dispose(x);
}
{
  const x = mx.astype(mx.random.normal([13 * 1024, 3072], mx.float32, 0, 1, mx.random.key(3)), mx.bfloat16);
  mx.eval(x);
  const g = mx.compile(geluTanh);
  ours.gelu_compiled = timeGpu(() => g(x));
  ours.gelu_eager = timeGpu(() => geluTanh(x));
  ours.gelu_maxdiff = maxRelDiff(g(x), geluTanh(x));
  ours.gelu_bytes = 2 * x.nbytes;
  // With a broadcast bias the fused kernel takes its strided path (per-element index math).
  const b = mx.astype(mx.random.normal([3072], mx.float32, 0, 1, mx.random.key(4)), mx.bfloat16);
  const gb = mx.compile((v, w) => geluTanh(mx.add(v, w)));
  ours.gelu_bias_compiled = timeGpu(() => gb(x, b));
  ours.gelu_bias_maxdiff = maxRelDiff(gb(x, b), geluTanh(mx.add(x, b)));
  mx.dispose(x);
}
{  // first call of a new program in a fresh process: empty disk cache, then the same cache again
  const dir = mkdtempSync(join(tmpdir(), 'mlx-jit-bench-'));
  const run = () => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--latency'], {
    encoding: 'utf8', env: { ...process.env, MLX_CACHE_DIR: dir, MLX_DEFAULT_DEVICE: '' },
  }).trim().split('\n').pop());
  ours.latency_cold = run();
  ours.latency_cached = run();
  rmSync(dir, { recursive: true, force: true });
}

const peer = JSON.parse(execFileSync(process.env.PYTHON ?? 'python3', [join(here, 'compile_peers.py')],
  { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 400_000 }).trim().split('\n').pop());
const gbs = (bytes, s) => bytes / s / 1e9;
const rows = [];
for (const tag of ['f32', 'bf16']) {
  const b = ours[`chain_${tag}_bytes`];
  rows.push([`10-op chain 16M ${tag}, compiled (vs torch eager)`, 'GB/s', gbs(b, ours[`chain_${tag}_compiled`]), gbs(b, peer[`chain_${tag}_eager`])]);
  rows.push([`10-op chain 16M ${tag}, compiled (vs torch.compile)`, 'GB/s', gbs(b, ours[`chain_${tag}_compiled`]), gbs(b, peer[`chain_${tag}_compile`] ?? NaN)]);
  rows.push([`10-op chain 16M ${tag}, uncompiled (vs torch eager)`, 'GB/s', gbs(b, ours[`chain_${tag}_eager`]), gbs(b, peer[`chain_${tag}_eager`])]);
  rows.push([`one op (x·1.5) 16M ${tag}, same bytes (vs torch eager)`, 'GB/s', gbs(b, ours[`one_op_${tag}`]), gbs(b, peer[`one_op_${tag}`])]);
}
rows.push(['tanh-GELU [13312,3072] bf16, compiled (vs F.gelu tanh)', 'ms', ours.gelu_compiled * 1e3, peer.gelu_builtin * 1e3]);
rows.push(['tanh-GELU [13312,3072] bf16, compiled (vs torch.compile formula)', 'ms', ours.gelu_compiled * 1e3, (peer.gelu_compile ?? NaN) * 1e3]);
rows.push(['tanh-GELU [13312,3072] bf16, uncompiled (vs torch eager formula)', 'ms', ours.gelu_eager * 1e3, peer.gelu_eager * 1e3]);
rows.push(['tanh-GELU(x + bias[3072]) bf16, compiled, strided path (vs F.gelu(x + b))', 'ms', ours.gelu_bias_compiled * 1e3, peer.gelu_bias_builtin * 1e3]);
rows.push(['tanh-GELU(x + bias[3072]) bf16, compiled (vs torch.compile)', 'ms', ours.gelu_bias_compiled * 1e3, (peer.gelu_bias_compile ?? NaN) * 1e3]);
rows.push(['new program first call, empty cache (vs torch.compile first call)', 'ms', ours.latency_cold.first_ms, (peer.compile_first_s ?? NaN) * 1e3]);
rows.push(['new program first call, disk-cache hit (vs torch.compile first call)', 'ms', ours.latency_cached.first_ms, (peer.compile_first_s ?? NaN) * 1e3]);

if (args.includes('--json')) {
  console.log(JSON.stringify({ rows, ours, peer }));
} else {
  console.log(`\nGPU: ${peer.device} (torch ${peer.torch})\n`);
  console.log('| case | unit | ours | pytorch | ratio (>1: ours faster) |\n|---|---|---|---|---|');
  for (const [name, unit, o, p] of rows) {
    const ratio = unit === 'ms' ? p / o : o / p;
    console.log(`| ${name} | ${unit} | ${o.toFixed(3)} | ${p.toFixed(3)} | ${Number.isFinite(ratio) ? ratio.toFixed(2) : '-'} |`);
  }
  console.log('\nours:', JSON.stringify(ours));
  if (process.env.OUT) writeFileSync(join(process.env.OUT, 'bench-gpu-compile.json'), JSON.stringify({ rows, ours, peer }, null, 2));
}
