// mx.int8Linear (int8 x int8, dynamic per-row activation quantization) against the float32 GEMM and the 8-bit
// affine quantizedMatmul on Whisper tiny's linear shapes. Usage: node bench/whisper/int8_gemm.mjs
import { loadavg } from 'node:os';
import * as mx from '@mlx/core';

mx.setNumThreads?.(2);
const shapes = [[1, 384, 1152], [5, 384, 1536], [5, 384, 51864], [1500, 384, 1152], [1500, 384, 1536], [1500, 1536, 384]];
const time = (fn, reps) => {
  for (let i = 0; i < 2; i++) mx.eval(fn());
  const ts = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); const y = fn(); mx.eval(y); ts.push(performance.now() - t0); y.dispose(); }
  return ts.sort((a, b) => a - b)[reps >> 1];
};
console.log(`load ${loadavg()[0].toFixed(1)}`);
console.log('| M×K×N | f32 matmul ms | affine q8 ms | int8Linear ms | int8 GOP/s | vs f32 | vs q8 |');
console.log('|---|---|---|---|---|---|---|');
for (const [M, K, N] of shapes) {
  const x = mx.random.normal([M, K]);
  const w = mx.random.normal([N, K]);
  const wt = mx.transpose(w);
  const [wq, ws] = mx.int8QuantizeRows(w);
  const [aq, as, ab] = mx.quantize(w, 64, 8);
  mx.eval(x, w, wt, wq, ws, aq, as, ab);
  const reps = M * K * N > 1e8 ? 7 : 41;
  const f = time(() => mx.matmul(x, wt), reps);
  const q8 = time(() => mx.quantizedMatmul(x, aq, as, ab, true, 64, 8), reps);
  const i8 = time(() => mx.int8Linear(x, wq, ws), reps);
  console.log(`| ${M}×${K}×${N} | ${f.toFixed(3)} | ${q8.toFixed(3)} | ${i8.toFixed(3)} | ${(2 * M * K * N / i8 / 1e6).toFixed(0)} | ${(f / i8).toFixed(2)}× | ${(q8 / i8).toFixed(2)}× |`);
  mx.dispose([x, w, wt, wq, ws, aq, as, ab]);
}
