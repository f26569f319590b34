// A character-level transformer language model (token + learned position embeddings, two pre-norm
// TransformerEncoderLayers with a causal mask, LayerNorm, output Linear) trained on data/tiny.txt.
//   node apps/examples/train/char_transformer.mjs   (exits 1 if the final train loss ≥ LOSS_BOUND)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { rng } from './common.mjs';
import { savePlot } from './plot.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// Final train loss (mean of the last 20 steps), nats/char. With the defaults (400 steps) it reaches
// about 0.27 (held-out about 0.30; the text is regular, template-like prose), against a unigram
// entropy of 2.94 nats/char; the bound leaves room for run-to-run and platform differences.
export const LOSS_BOUND = 0.6;

export class CharLM extends nn.Module {
  constructor(vocab, ctx, dims = 128, heads = 4, layers = 2) {
    super();
    this.tok = new nn.Embedding(vocab, dims);
    this.pos = new nn.Embedding(ctx, dims);
    this.layers = Array.from({ length: layers }, () => new nn.TransformerEncoderLayer(dims, heads, dims * 4));
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

export function loadText(path = join(here, 'data', 'tiny.txt')) {
  const text = readFileSync(path, 'utf8');
  const chars = [...new Set(text)].sort();
  const ids = Int32Array.from(text, (c) => chars.indexOf(c));
  const counts = new Float64Array(chars.length);
  for (const i of ids) counts[i]++;
  const unigram = -counts.reduce((s, c) => (c ? s + (c / ids.length) * Math.log(c / ids.length) : s), 0);
  return { text, chars, ids, unigram };
}

export function trainCharLM({ steps = 400, batch = 32, ctx = 64, lr = 3e-3, log = console.log, seed = 0 } = {}) {
  mx.random.seed(seed);
  const { chars, ids, unigram } = loadText();
  log(`text: ${ids.length} chars, vocab ${chars.length}, unigram entropy ${unigram.toFixed(3)} nats/char`);
  const split = Math.floor(ids.length * 0.9);
  const data = mx.array(ids);
  const model = new CharLM(chars.length, ctx);
  mx.eval(model.parameters());
  const sched = nn.optimizers.cosineDecay(lr, steps, lr * 0.1);
  const opt = new nn.optimizers.AdamW(sched, [0.9, 0.99], 1e-8, 0.01);
  const lossFn = (x, y) => nn.losses.crossEntropy(model.forward(x), y, null, -1, 0, 'mean');
  const vg = nn.valueAndGrad(model, lossFn);
  const r = rng(4000 + seed);
  const offs = mx.arange(ctx, mx.int32);
  const sample = (lo, hi) => {
    const starts = mx.expandDims(mx.array(Int32Array.from({ length: batch }, () => lo + r.int(hi - lo - ctx - 1))), 1);
    const at = mx.add(starts, offs); // [B, ctx] positions; targets are the next characters
    return [mx.take(data, at), mx.take(data, mx.add(at, 1))];
  };
  const losses = [];
  for (let s = 0; s < steps; s++) {
    mx.tidy(() => {
      const [x, y] = sample(0, split);
      const [loss, grads] = vg(x, y);
      opt.update(model, grads);
      mx.eval(loss, model.parameters(), opt.state);
      losses.push(loss.item());
      return [model, opt.state];
    });
    if ((s + 1) % 50 === 0) log(`step ${s + 1}  train loss ${losses.at(-1).toFixed(4)}`);
  }
  const valLoss = mx.tidy(() => {
    let sum = 0;
    for (let k = 0; k < 8; k++) { const [x, y] = sample(split, ids.length); sum += lossFn(x, y).item(); }
    return sum / 8;
  });
  const finalLoss = losses.slice(-20).reduce((a, b) => a + b, 0) / Math.min(20, losses.length);
  return { model, chars, losses, finalLoss, valLoss, unigram };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const { losses, finalLoss, valLoss, unigram } = trainCharLM();
  const secs = (performance.now() - t0) / 1000;
  const png = savePlot(join(here, 'out', 'char-transformer-loss.png'), [{ y: losses }]);
  console.log(`final train loss ${finalLoss.toFixed(4)} nats/char (bound < ${LOSS_BOUND}; unigram entropy ${unigram.toFixed(3)}), ` +
    `held-out loss ${valLoss.toFixed(4)}, ${secs.toFixed(1)} s; loss curve: ${png}`);
  if (!(finalLoss < LOSS_BOUND)) process.exit(1);
}
