// bench/transforms: compile fusion, a valueAndGrad training step, quantized matrix-vector products
// and attention, against MLX-CPU (and numpy's copy bandwidth as the memory limit) in one run.
//   node bench/transforms/run.mjs [--record]
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { benchRoot, medianTime, report, runPeers } from '../lib/harness.mjs';

const cfg = { elems: 1 << 24, mlp: [784, 512, 512, 512, 10], batch: 256, qmv: [[1536, 576], [576, 1536], [8192, 2048]], attn: [1, 8, 1500, 64] };
const run = (fn, reps) => medianTime(() => mx.tidy(() => { mx.eval(fn()); }), reps);
const ours = {};

const big = mx.random.normal([cfg.elems]);
mx.eval(big);
const chain = (x) => {
  let z = x;
  for (let i = 0; i < 10; i++) z = i % 3 === 0 ? mx.add(z, 0.5) : i % 3 === 1 ? mx.multiply(z, 0.999) : mx.tanh(z);
  return z;
};
const compiled = mx.compile(chain);
ours.eager = run(() => chain(big), 10);
ours.compiled = run(() => compiled(big), 10);
ours.copy = run(() => mx.copy(big), 10);

const params = [];
for (let k = 0; k + 1 < cfg.mlp.length; k++) {
  const [i, o] = [cfg.mlp[k], cfg.mlp[k + 1]];
  params.push({ w: mx.multiply(mx.random.normal([o, i]), Math.sqrt(2 / i)), b: mx.zeros([o]) });
}
const x = mx.random.normal([cfg.batch, cfg.mlp[0]]);
const y = mx.random.randint(0, cfg.mlp.at(-1), [cfg.batch]);
mx.eval(params, x, y);
const loss = (ps, xb, yb) => {
  let h = xb;
  ps.forEach((p, k) => {
    h = mx.add(mx.matmul(h, mx.transpose(p.w)), p.b);
    if (k < ps.length - 1) h = mx.maximum(h, 0);
  });
  const picked = mx.squeeze(mx.takeAlongAxis(h, mx.expandDims(yb, -1), -1), -1);
  return mx.mean(mx.subtract(mx.logsumexp(h, -1), picked));
};
const vg = mx.valueAndGrad(loss);
ours.mlp = run(() => vg(params, x, y), 10);

const qbytes = {};
if (typeof mx.quantize === 'function') {
  for (const [n, k] of cfg.qmv) {
    for (const bits of [4, 8]) {
      const w = mx.random.normal([n, k]);
      const [wq, s, b] = mx.quantize(w, 64, bits);
      const v = mx.random.normal([1, k]);
      mx.eval(wq, s, b, v);
      const key = `qmv${bits}_${n}x${k}`;
      ours[key] = run(() => mx.quantizedMatmul(v, wq, s, b, true, 64, bits), 20);
      qbytes[key] = wq.nbytes + s.nbytes + b.nbytes;
    }
  }
}
if (mx.fast?.scaledDotProductAttention) {
  const q = mx.random.normal(cfg.attn);
  mx.eval(q);
  ours.attn = run(() => mx.fast.scaledDotProductAttention(q, q, q, cfg.attn[3] ** -0.5), 5);
}

const peers = runPeers(join(benchRoot, 'transforms', 'peers.py'), cfg);
const copyGBps = (2 * 4 * cfg.elems) / peers.numpy.copy / 1e9;
const ms = (t) => (t === undefined ? undefined : t * 1e3);
const rows = [
  ['10-op chain 16M f32, eager', 'ms', ms(ours.eager), undefined, undefined, false],
  ['10-op chain 16M f32, compiled', 'ms', ms(ours.compiled), undefined, undefined, false, (100 * ours.copy) / ours.compiled],
  ['one memory pass (mx.copy 16M f32)', 'ms', ms(ours.copy), ms(peers.numpy.copy), undefined, false],
  ['valueAndGrad 4-layer MLP step', 'ms', ms(ours.mlp), undefined, ms(peers.mlx.mlp), false],
];
for (const key of Object.keys(qbytes)) {
  const g = (t) => (t === undefined ? undefined : qbytes[key] / t / 1e9);
  rows.push([key, 'GB/s', g(ours[key]), undefined, g(peers.mlx[key]), true, (100 * g(ours[key])) / copyGBps]);
}
if (ours.attn) rows.push(['attention 1x8x1500x64', 'ms', ms(ours.attn), undefined, ms(peers.mlx.attn), false]);
report('bench/transforms', rows, `compiled vs eager ${(ours.eager / ours.compiled).toFixed(2)}×; copy bandwidth ${copyGBps.toFixed(1)} GB/s (numpy)`, process.argv.includes('--record'));
