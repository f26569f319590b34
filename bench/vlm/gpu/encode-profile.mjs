// Where the GPU image encode's time goes (run after bench/vlm/gpu/run.mjs built the model and its inputs):
// wall time per encode, GPU time from CUDA events, and per-primitive counts from the eval trace.
// Run it under `nsys profile --stats=true` for per-kernel GPU times.
//   node bench/vlm/gpu/encode-profile.mjs [--case split|tile1] [--reps 5] [--dir DIR]
import { join } from 'node:path';
import { parseArgs } from 'node:util';

process.env.MLX_DEFAULT_DEVICE ??= 'gpu';
const root = join(import.meta.dirname, '..', '..', '..');
const mx = await import(join(root, 'packages/core/dist/index.js'));
const native = (await import(join(root, 'packages/native/index.js'))).default;
const { loadVLM } = await import(join(root, 'packages/vlm/dist/index.js'));
const { values: opt } = parseArgs({
  options: {
    case: { type: 'string', default: 'split' }, reps: { type: 'string', default: '5' }, dtype: { type: 'string', default: 'bfloat16' }, size: { type: 'string', default: 'smolvlm-256m' },
    dir: { type: 'string', default: process.env.VLM_GPU_BENCH_DIR ?? '/tmp/mlx-vlm-gpu-bench' },
  },
});
const reps = Number(opt.reps);
const vlm = await loadVLM(join(opt.dir, `${opt.size}-${opt.dtype}`));
const inputs = mx.load(join(opt.dir, `inputs-${opt.size}.safetensors`));
const pix = inputs[`${opt.case}.pixel_values`], pmask = inputs[`${opt.case}.pixel_attention_mask`];
const images = { pixelValues: pix, pixelAttentionMask: pmask.astype(mx.bool) };
const onGpu = mx.cuda.isAvailable();
const stream = onGpu ? mx.defaultStream(mx.gpu).index : 0;
// Without the pixel mask (all patches of these tiles are real, so the graph is the same) the encode is one eval,
// which the CUDA event timer covers whole.
const unmasked = { pixelValues: pix };
const run = (imgs = images) => { const f = mx.tidy(() => vlm.arch.encodeImages(imgs)); mx.eval(f); f.dispose(); };
for (let i = 0; i < 3; i++) run();
native.evalTraceReport?.(true);
const wall = [], gpu = [];
for (let i = 0; i < reps; i++) {
  const t = performance.now();
  run();
  wall.push(performance.now() - t);
  if (onGpu) native.setBackendOption(1, 'timerStart', stream);
  run(unmasked);
  gpu.push(onGpu ? mx.cuda.counters().timer_ms : NaN);
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`eval-trace rows below cover ${reps} masked + ${reps} unmasked encodes`);
console.log(`encode ${opt.case} (${pix.shape.join('x')}): wall ${med(wall).toFixed(2)} ms, GPU events (unmasked encode) ${med(gpu).toFixed(2)} ms (median of ${reps})`);
const trace = native.evalTraceReport?.(true);
if (trace) {
  for (const l of trace.trim().split('\n').slice(0, 40)) console.log(`  ${l}`);
}
if (onGpu) console.log('fallbacks:', Object.entries(mx.cuda.counters()).filter(([k]) => k.startsWith('fallback:')).map(([k, v]) => `${k}=${v}`).join(' ') || 'none');
vlm.dispose();
