// GPU kernels of the former fallback primitives against PyTorch on the same card (GPU machine only):
//   node bench/gpu/prims.mjs      (writes $OUT/bench-prims.json or bench/gpu/prims-results.json)
// Both sides are timed with CUDA events around one call (ours: the backend's timerStart option, as
// bench/gpu/run.mjs), median of 20. Each timed result is also compared with the CPU backend.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '../../packages/core/dist/index.js';
import N from '../../packages/native/index.js';
import { timeGpu } from './timing.mjs';

const here = dirname(fileURLToPath(import.meta.url));
if (!mx.cuda.isAvailable()) { console.error('bench/gpu/prims: no CUDA GPU'); process.exit(1); }
mx.setDefaultDevice(mx.gpu);
function relErr(a, b) {
  const f = (t) => mx.astype(t.dtype === mx.complex64 ? mx.view(t, mx.float32, mx.cpu) : t, mx.float32, mx.cpu).toTypedArray();
  const x = f(a), y = f(b);
  let d = 0, s = 0;
  for (let i = 0; i < y.length; i++) { d += (x[i] - y[i]) ** 2; s += y[i] ** 2; }
  return Math.sqrt(d / s);
}
const randn = (shape, i) => { const x = mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(i)); mx.eval(x); return x; };

const n = 4096;
const x = randn([n, n], 1);
const c = mx.fft.fft(x);  // complex input for the c2c cases (its astype runs once, here)
const h = mx.fft.rfft(x);
mx.eval(c, h);
const v = randn([8192, 4096], 2);
const xa = randn([512, 4096], 3);
const w = mx.astype(mx.clip(mx.multiply(randn([4096, 4096], 4), 60), -127, 127), mx.int8);
const ws = mx.add(mx.abs(randn([4096], 5)), 0.01), bias = randn([4096], 6);
mx.eval(w, ws, bias);
const cases = {
  fft_c2c_last: () => mx.fft.fft(c),
  fft_c2c_axis0: () => mx.fft.fft(c, null, 0),
  rfft_last: () => mx.fft.rfft(x),
  irfft_last: () => mx.fft.irfft(h, n),
  variance: () => mx.variance(v, [-1]),
  int8_linear: () => mx.int8Linear(xa, w, ws, bias),
};
mx.cuda.resetCounters();
const ours = {}, err = {};
for (const [k, f] of Object.entries(cases)) {
  ours[k] = timeGpu(f);
  const got = f();
  const cpu = { fft_c2c_last: () => mx.fft.fft(c, null, -1, 'backward', mx.cpu), fft_c2c_axis0: () => mx.fft.fft(c, null, 0, 'backward', mx.cpu),
    rfft_last: () => mx.fft.rfft(x, null, -1, 'backward', mx.cpu), irfft_last: () => mx.fft.irfft(h, n, -1, 'backward', mx.cpu),
    variance: () => mx.variance(v, [-1], false, 0, mx.cpu), int8_linear: () => mx.int8Linear(xa, w, ws, bias, mx.cpu) }[k]();
  err[k] = relErr(got, cpu);
}
const counters = mx.cuda.counters();
const peer = JSON.parse(execFileSync(process.env.PYTHON ?? 'python3', [join(here, 'prims_peers.py')], { encoding: 'utf8' }));
console.log(`\nGPU: ${peer.device} (torch ${peer.torch})\n`);
console.log('| case | ours ms | pytorch ms | ratio (>1: ours faster) | rel. err vs CPU |\n|---|---|---|---|---|');
for (const k of Object.keys(cases))
  console.log(`| ${k} | ${(ours[k] * 1e3).toFixed(3)} | ${(peer[k] * 1e3).toFixed(3)} | ${(peer[k] / ours[k]).toFixed(2)} | ${err[k].toExponential(1)} |`);
console.log('fallbacks during the timed ops:', JSON.stringify(Object.fromEntries(Object.entries(counters).filter(([k]) => k.startsWith('fallback:')))));
writeFileSync(process.env.OUT ? join(process.env.OUT, 'bench-prims.json') : join(here, 'prims-results.json'),
  JSON.stringify({ device: peer.device, ours, peer, err, counters }, null, 2));
