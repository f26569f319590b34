// Shared pieces of the training examples: a seeded PRNG, shuffling, the minibatch classifier loop
// and the command-line wrapper that plots the loss and enforces the accuracy target.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { savePlot } from './plot.mjs';

/** Deterministic PRNG (mulberry32) with a Box–Muller normal. */
export function rng(seed) {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return { u, normal, int: (n) => Math.floor(u() * n) };
}

/** A Fisher–Yates shuffle of 0..n-1 (Int32Array). */
export function shuffled(n, r) {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = r.int(i + 1); [p[i], p[j]] = [p[j], p[i]]; }
  return p;
}

/**
 * Trains `model` with Adam and cross-entropy on (Xtr, Ytr) minibatches, evaluating on (Xte, Yte) after each
 * epoch. `steps` caps the total number of steps (for tests). Returns { model, losses, testAcc, history }.
 */
export function fitClassifier(model, { Xtr, Ytr, Xte, Yte }, { epochs, batch, lr, steps = Infinity, log = console.log, seed = 0 }) {
  const nTrain = Xtr.shape[0];
  mx.eval(model.parameters());
  const opt = new nn.optimizers.Adam(lr);
  const vg = nn.valueAndGrad(model, (xb, yb) => nn.losses.crossEntropy(model.forward(xb), yb, null, -1, 0, 'mean'));
  const accuracy = () => mx.tidy(() => mx.mean(mx.equal(mx.argmax(model.forward(Xte), -1), Yte)).item());
  const losses = [], history = [], r = rng(3000 + seed);
  let step = 0;
  for (let ep = 0; ep < epochs && step < steps; ep++) {
    const perm = shuffled(nTrain, r);
    let sum = 0, cnt = 0;
    for (let s = 0; s + batch <= nTrain && step < steps; s += batch, step++) {
      mx.tidy(() => {
        const idx = mx.array(perm.subarray(s, s + batch));
        const [loss, grads] = vg(mx.take(Xtr, idx, 0), mx.take(Ytr, idx, 0));
        opt.update(model, grads);
        mx.eval(loss, model.parameters(), opt.state);
        const l = loss.item();
        losses.push(l); sum += l; cnt++;
        return [model, opt.state]; // keep what the step produced; tidy frees the rest
      });
    }
    const acc = accuracy();
    history.push({ epoch: ep + 1, loss: sum / cnt, testAcc: acc });
    log(`epoch ${ep + 1}  step ${step}  train loss ${(sum / cnt).toFixed(4)}  test acc ${(100 * acc).toFixed(2)}%`);
  }
  return { model, losses, testAcc: history.at(-1)?.testAcc ?? accuracy(), history };
}

/** Runs `train` when `moduleUrl` is the entry script: prints the result, writes the loss PNG, exits 1 below 95 %. */
export function runAsScript(moduleUrl, name, train) {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const t0 = performance.now();
  const { losses, testAcc } = train();
  const secs = (performance.now() - t0) / 1000;
  const png = savePlot(join(dirname(fileURLToPath(moduleUrl)), 'out', `${name}-loss.png`), [{ y: losses }]);
  console.log(`final test accuracy ${(100 * testAcc).toFixed(2)}% (target ≥ 95%) in ${secs.toFixed(1)} s; loss curve: ${png}`);
  if (!(testAcc >= 0.95)) process.exit(1);
}
