// One decode step of the serving model in isolation: B rows at position P (paged KV, greedy argmax), built and
// evaluated `reps` times. Prints the min and median process CPU time and wall time per step, for B rows and for
// one row, so that engine changes can be compared on a loaded machine (run twice with MLX_NATIVE_PATH pointing at
// two builds, interleaved).
// Usage: node bench/serve/step.mjs [--rows 32] [--pos 48] [--reps 15] [--model path]
import { homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import * as mx from '../../packages/core/dist/index.js';
import { PagedKv, loadBatchedLM } from '../../packages/serve/dist/index.js';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const B = Number(arg('rows', 32));
const P = Number(arg('pos', 48));
const reps = Number(arg('reps', 15));
// --attn none: attention replaced by its query (to see what the rest of the step costs).
const attnMode = arg('attn', 'paged');
const modelPath = arg('model', join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache/mlx-ts/models'), 'smollm2-135m-instruct'));

const { model } = await loadBatchedLM(modelPath);
const blockSize = 16;
const perSeq = Math.ceil((P + 1) / blockSize);
const kv = new PagedKv(model.kv, B * perSeq + 1, blockSize);

function step(rowsN) {
  const rows = Array.from({ length: rowsN }, (_, b) => ({ blockTable: Array.from({ length: perSeq }, (_, i) => b * perSeq + i), start: P, count: 1 }));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = mx.tidy(() => {
    const tokens = mx.array(Int32Array.from(rows, (_, i) => 100 + i));
    const positions = mx.array(Int32Array.from(rows, () => P));
    const plan = kv.plan(rows);
    const attend = attnMode === 'none' ? (layer, q) => q : plan;
    const logits = model.forward(tokens, positions, attend, mx.array(Int32Array.from(rows, (_, i) => i)), rows.map(() => 1));
    return mx.argmax(logits, 1);
  });
  const tb = performance.now();
  mx.eval(out, ...kv.pools);
  out.dispose();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, build: tb - t0, cpu: (c.user + c.system) / 1000 };
}

const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
for (const n of [B, 1]) {
  for (let i = 0; i < 3; i++) step(n);
  const rs = Array.from({ length: reps }, () => step(n));
  const f = (k) => `${Math.min(...rs.map((r) => r[k])).toFixed(1)}/${med(rs.map((r) => r[k])).toFixed(1)}`;
  console.log(`rows ${String(n).padStart(2)}: cpu ms min/med ${f('cpu')}  wall ${f('wall')}  build ${f('build')}  (cpu per row: ${(Math.min(...rs.map((r) => r.cpu)) / n).toFixed(2)} ms)  load ${loadavg()[0].toFixed(1)}`);
}
kv.dispose();
model.dispose?.();
