// bench/nn: one full training step (forward + backward + optimizer update, evaluated) of the example
// MLP (Adam) and char-level transformer (AdamW), ours vs MLX-CPU (mlx.nn + mlx.optimizers), same shapes.
//   node bench/nn/run.mjs [--record]
import { join } from 'node:path';
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { benchRoot, medianTime, report, runPeers } from '../lib/harness.mjs';

const cfg = {
  mlp: { dims: [64, 256, 256, 10], batch: 128 },
  lm: { vocab: 38, ctx: 64, batch: 32, dims: 128, heads: 4, layers: 2, mlpDims: 512 },
  reps: 20,
};

class MLP extends nn.Module {
  constructor(dims) { super(); this.layers = dims.slice(1).map((d, i) => new nn.Linear(dims[i], d)); }
  forward(x) {
    this.layers.forEach((l, i) => { x = l.forward(x); if (i < this.layers.length - 1) x = nn.relu(x); });
    return x;
  }
}

class CharLM extends nn.Module {
  constructor({ vocab, ctx, dims, heads, layers, mlpDims }) {
    super();
    this.tok = new nn.Embedding(vocab, dims);
    this.pos = new nn.Embedding(ctx, dims);
    this.layers = Array.from({ length: layers }, () => new nn.TransformerEncoderLayer(dims, heads, mlpDims));
    this.ln = new nn.LayerNorm(dims);
    this.out = new nn.Linear(dims, vocab);
  }
  forward(idx) {
    const T = idx.shape[1];
    let h = mx.add(this.tok.forward(idx), this.pos.forward(mx.arange(T, mx.int32)));
    const mask = nn.MultiHeadAttention.createAdditiveCausalMask(T);
    for (const l of this.layers) h = l.forward(h, mask);
    return this.out.forward(this.ln.forward(h));
  }
}

function stepTime(model, opt, x, y) {
  mx.eval(model.parameters(), x, y);
  const vg = nn.valueAndGrad(model, (a, b) => nn.losses.crossEntropy(model.forward(a), b, null, -1, 0, 'mean'));
  return medianTime(() => mx.tidy(() => {
    const [loss, g] = vg(x, y);
    opt.update(model, g);
    mx.eval(loss, model.parameters(), opt.state);
    return [model, opt.state];
  }), cfg.reps, 3);
}

mx.random.seed(0);
const ours = {};
{
  const { dims, batch } = cfg.mlp;
  ours.mlp = stepTime(new MLP(dims), new nn.optimizers.Adam(1e-3), mx.random.normal([batch, dims[0]]), mx.random.randint(0, dims.at(-1), [batch]));
}
{
  const c = cfg.lm;
  const x = mx.random.randint(0, c.vocab, [c.batch, c.ctx]), y = mx.random.randint(0, c.vocab, [c.batch, c.ctx]);
  ours.lm = stepTime(new CharLM(c), new nn.optimizers.AdamW(1e-3), x, y);
}

const peers = runPeers(join(benchRoot, 'nn', 'peers.py'), cfg);
const ms = (t) => t * 1e3;
const m = cfg.mlp, l = cfg.lm;
report('nn training step', [
  [`MLP ${m.dims.join('-')} batch ${m.batch}, Adam step`, 'ms', ms(ours.mlp), undefined, ms(peers.mlx.mlp), false],
  [`char transformer ${l.layers}×(d${l.dims} h${l.heads} mlp${l.mlpDims}) B${l.batch} T${l.ctx} V${l.vocab}, AdamW step`, 'ms', ms(ours.lm), undefined, ms(peers.mlx.lm), false],
], 'forward + backward + optimizer update, evaluated; medians', process.argv.includes('--record'));
