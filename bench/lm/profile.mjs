// Profile of one greedy decode step per model: time to build the graph (JS) vs to evaluate it, weight bytes read
// per token against a copy bandwidth measured in the same run. Usage: node bench/lm/profile.mjs [steps] [model…]
// With MLX_EVAL_TRACE=1 it also prints the engine's per-primitive kernel times per step (and the time between
// kernels: scheduling, tape walk, allocation).
import * as mx from '@mlx/core';
import native from '../../packages/native/index.js';
import { loadLM } from '../../packages/lm/dist/index.js';

const STEPS = Number(process.argv[2] ?? 64);
mx.setNumThreads(2);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function copyBandwidth() {
  const a = mx.random.uniform(0, 1, [16, 1024, 1024]);
  mx.eval(a);
  const ts = [];
  for (let i = 0; i < 5; i++) { const t = performance.now(); const b = mx.copy(a); mx.eval(b); ts.push((performance.now() - t) / 1000); b.dispose(); }
  a.dispose();
  return (2 * 16 * 4 * 1024 * 1024) / median(ts);
}

const bw = copyBandwidth();
console.log(`copy bandwidth ${(bw / 1e9).toFixed(2)} GB/s`);
const models = process.argv.slice(3);
for (const name of models.length ? models : ['smollm2-135m-instruct', 'gemma-3-270m-it']) {
  const lm = await loadLM(name);
  const m = lm.model;
  const caches = m.newCache();
  const keep = () => caches.flatMap((c) => c.state());
  const [first] = mx.tidy(() => [m.forward(mx.array(Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8])).reshape([1, 8]), caches, { lastOnly: true }), keep()]);
  mx.eval(first);
  let tok = 10;
  native.evalTraceReport(true);
  const build = [], evalT = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    const [y] = mx.tidy(() => [mx.argmax(mx.reshape(m.forward(mx.array(Int32Array.from([tok])).reshape([1, 1]), caches, { lastOnly: true }), [-1])), keep()]);
    const t1 = performance.now();
    mx.eval(y);
    const t2 = performance.now();
    tok = y.item();
    y.dispose();
    build.push(t1 - t0), evalT.push(t2 - t1);
  }
  const bytes = m.weightBytes();
  const step = median(build) + median(evalT);
  const types = new Map();
  for (const b of m.blocks) for (const l of [b.attn.qkv.fused ?? b.attn.qkv.parts, b.attn.o, b.mlp.gateUp ?? [b.mlp.gate, b.mlp.up], b.mlp.down].flat()) {
    const k = l.w.quant ? `${l.w.quant.bits}-bit g${l.w.quant.groupSize}` : String(l.w.weight.dtype);
    types.set(k, (types.get(k) ?? 0) + 1);
  }
  const head = m.lmHead ?? m.embed;
  console.log(`${name}: build ${median(build).toFixed(2)} ms, eval ${median(evalT).toFixed(2)} ms per token ` +
    `(${(1000 / step).toFixed(1)} tok/s); weights ${(bytes / 1e6).toFixed(1)} MB/token → ${(bytes / (step / 1000) / 1e9).toFixed(2)} GB/s ` +
    `= ${((100 * bytes) / (step / 1000) / bw).toFixed(0)}% of copy; matmuls ${JSON.stringify(Object.fromEntries(types))}, ` +
    `output ${head.w.quant ? `${head.w.quant.bits}-bit` : head.w.weight.dtype} (${m.lmHead ? 'lm_head' : 'tied'})`);
  const trace = native.evalTraceReport(true);
  if (trace) {
    const lines = trace.trim().split('\n');
    const perStep = lines[0].replace(/^\d+ evals: /, '').replace(/([\d.]+) (ms|kernels|between)/g, (_, v, w) => `${(parseFloat(v) / STEPS).toFixed(2)} ${w === 'ms' ? 'ms' : `ms ${w}`}`);
    console.log(`  eval trace per step (${STEPS} steps): ${perStep}`);
    for (const l of lines.slice(1)) {
      const [, op, ms, calls, us] = l.trim().match(/^(\S+)\s+([\d.]+) ms\s+(\d+) calls\s+([\d.]+)/);
      console.log(`    ${op.padEnd(26)} ${(parseFloat(ms) / STEPS).toFixed(3).padStart(8)} ms ${(Number(calls) / STEPS).toFixed(1).padStart(6)} calls ${us.padStart(8)} us/call`);
    }
  }
  for (const c of caches) c.dispose();
  lm.dispose();
}
