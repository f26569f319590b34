// bench/ops: conv (ResNet-like 3x3, Whisper's conv1d), rfft of 3000x400 frames, sort and cumsum of
// 16M floats, against numpy and MLX-CPU in the same run.   node bench/ops/run.mjs [--record]
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { benchRoot, medianTime, report, runPeers } from '../lib/harness.mjs';

const cfg = {
  elems: 1 << 24,
  convs: {
    resnet3x3: [[8, 56, 56, 64], [64, 3, 3, 64], { stride: 1, padding: 1 }],
    whisper_conv1: [[1, 3000, 80], [384, 3, 80], { stride: 1, padding: 1 }],
    whisper_conv2: [[1, 3000, 384], [384, 3, 384], { stride: 2, padding: 1 }],
  },
};
const run = (fn, reps) => medianTime(() => mx.tidy(() => mx.eval(fn())), reps);
const ours = {};
const x = mx.random.normal([cfg.elems]);
mx.eval(x);
ours.sort = run(() => mx.sort(x), 5);
ours.cumsum = run(() => mx.cumsum(x), 5);
const frames = mx.random.normal([3000, 400]);
mx.eval(frames);
ours.rfft = run(() => mx.fft.rfft(frames), 10);
const flops = {};
for (const [name, [xs, ws, kw]] of Object.entries(cfg.convs)) {
  const a = mx.random.normal(xs), w = mx.random.normal(ws);
  mx.eval(a, w);
  const f = xs.length === 4 ? () => mx.conv2d(a, w, kw.stride, kw.padding) : () => mx.conv1d(a, w, kw.stride, kw.padding);
  if (typeof (xs.length === 4 ? mx.conv2d : mx.conv1d) === 'function') ours[name] = run(f, 5);
  const out = xs.length === 4 ? xs[0] * xs[1] * xs[2] * ws[0] : xs[0] * Math.floor((xs[1] + 2 - 3) / kw.stride + 1) * ws[0];
  flops[name] = 2 * out * ws.slice(1).reduce((p, q) => p * q, 1);
}
const peers = runPeers(join(benchRoot, 'ops', 'peers.py'), cfg);
const ms = (t) => (t === undefined ? undefined : t * 1e3);
const rows = [
  ['sort 16M f32', 'ms', ms(ours.sort), ms(peers.numpy.sort), ms(peers.mlx.sort), false],
  ['cumsum 16M f32', 'ms', ms(ours.cumsum), ms(peers.numpy.cumsum), ms(peers.mlx.cumsum), false],
  ['rfft 3000x400 f32', 'ms', ms(ours.rfft), ms(peers.numpy.rfft), ms(peers.mlx.rfft), false],
];
for (const name of Object.keys(cfg.convs)) {
  const g = (t) => (t === undefined ? undefined : flops[name] / t / 1e9);
  rows.push([`conv ${name}`, 'GFLOP/s', g(ours[name]), undefined, g(peers.mlx[name]), true]);
}
report('bench/ops', rows, '', process.argv.includes('--record'));
