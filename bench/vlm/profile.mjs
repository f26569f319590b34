// Profile of one image encode of the bench model (bench/vlm/run.mjs builds it): wall time per encode and, with
// MLX_EVAL_TRACE=1, the engine's per-primitive kernel times and call counts (calls / layers = primitives per layer).
// Usage: MLX_EVAL_TRACE=1 node bench/vlm/profile.mjs [reps=3]
// (MLX_GEMM_TILE=12x32 MLX_SDPA_ROWS=0 in front: the session-4 GEMM tile and attention kernel, for before/after)
import { join } from 'node:path';
import * as mx from '../../packages/core/dist/index.js';
import native from '../../packages/native/index.js';
import { loadVLM } from '../../packages/vlm/dist/index.js';

const reps = Number(process.argv[2] ?? 3);
const dir = process.env.VLM_BENCH_DIR ?? '/tmp/mlx-vlm-bench';
const vlm = await loadVLM(join(dir, 'model'));
const inp = await vlm.prepare({ images: [join(dir, 'image.png')], prompt: 'User:<image>Describe the image.\nAssistant:' });
// mx.tidy as vlm.generate does: intermediate wrappers are released at once instead of at GC (no page-fault storms)
const encode = async () => { const t = performance.now(); const f = mx.tidy(() => vlm.arch.encodeImages(inp.images)); await mx.asyncEval(f); f.dispose(); return performance.now() - t; };
await encode();
native.evalTraceReport(true);
const ts = [];
for (let i = 0; i < reps; i++) ts.push(await encode());
console.log(`encode ms: ${ts.map((t) => t.toFixed(0)).join(' ')}`);
const trace = native.evalTraceReport(true);
if (trace) {
  const lines = trace.trim().split('\n');
  console.log(`per encode: ${lines[0]}  (÷${reps})`);
  let calls = 0;
  for (const l of lines.slice(1)) {
    const m = l.trim().match(/^(\S+)\s+([\d.]+) ms\s+(\d+) calls/);
    if (!m) continue;
    calls += Number(m[3]) / reps;
    console.log(`  ${m[1].padEnd(28)} ${(parseFloat(m[2]) / reps).toFixed(1).padStart(8)} ms ${(Number(m[3]) / reps).toFixed(0).padStart(6)} calls`);
  }
  console.log(`primitives per encode: ${calls.toFixed(0)}`);
}
