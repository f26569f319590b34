// Micro-benchmark of the CPU quantized matmul at the row counts serving uses (SmolLM2-135M shapes, 4-bit g32 with
// float16 scales as GGUF Q4_1 loads, and the 8-bit g32 output head). Reports GFLOP per CPU-second (process CPU
// time, which the machine's load disturbs less than wall time) so kernel changes can be compared; run it with
// MLX_NUM_THREADS=1 for a per-core figure.
// Usage: node bench/serve/qmm.mjs [--rows 1,8,16,32,64] [--reps 20] [--shapes q,gate,down,head]
import { loadavg } from 'node:os';
import * as mx from '../../packages/core/dist/index.js';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const rowsList = arg('rows', '1,8,16,32,64').split(',').map(Number);
const reps = Number(arg('reps', 20));
const all = { q: [576, 576, 4], kv: [192, 576, 4], gate: [1536, 576, 4], down: [576, 1536, 4], head: [49152, 576, 8] };
const shapes = arg('shapes', 'q,gate,down,head').split(',');

for (const name of shapes) {
  const [N, K, bits] = all[name];
  const w = mx.multiply(mx.random.normal([N, K]), 0.05);
  const [wq, s0, b0] = mx.quantize(w, 32, bits);
  const scales = s0.astype(mx.float16), biases = b0.astype(mx.float16);
  mx.eval(wq, scales, biases);
  const line = [];
  for (const M of rowsList) {
    const x = mx.random.normal([M, K]);
    mx.eval(x);
    const n = Math.max(2, Math.round(reps * 32 / Math.max(M, 8) * (name === 'head' ? 0.1 : 1)));
    for (let i = 0; i < 2; i++) mx.eval(mx.quantizedMatmul(x, wq, scales, biases, true, 32, bits));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) { const y = mx.quantizedMatmul(x, wq, scales, biases, true, 32, bits); mx.eval(y); y.dispose(); }
    const wall = (performance.now() - t0) / n;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000 / n;
    const gf = 2 * M * N * K / 1e9;
    line.push(`M=${M}: ${(gf / (cpu / 1000)).toFixed(1)} GF/cpu-s (${cpu.toFixed(2)} ms cpu, ${wall.toFixed(2)} ms wall)`);
    x.dispose();
  }
  console.log(`${name} [${N}x${K}] ${bits}-bit  ${line.join('  ')}`);
  mx.dispose([w, wq, s0, b0, scales, biases]);
}
console.log(`load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
