// Trains an MLP from scratch on procedurally rendered 8×8 "digits" (a 3×5 glyph per class, randomly
// scaled, sheared, shifted, with stroke-intensity jitter and pixel noise), generated deterministically.
//   node apps/examples/train/mlp.mjs     (exits 1 if held-out accuracy < 95%)
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { fitClassifier, rng, runAsScript } from './common.mjs';

export const GLYPHS = [
  [7, 5, 5, 5, 7], [2, 6, 2, 2, 7], [7, 1, 7, 4, 7], [7, 1, 3, 1, 7], [5, 5, 7, 1, 1],
  [7, 4, 7, 1, 7], [7, 4, 7, 5, 7], [7, 1, 2, 2, 2], [7, 5, 2, 5, 7], [7, 5, 7, 1, 6],
];

/** n images of size×size (flattened, float32) and labels (int32), balanced over 10 classes. */
export function makeDigits(n, seed, size = 8, noise = 0.15) {
  const r = rng(seed);
  const x = new Float32Array(n * size * size), y = new Int32Array(n);
  const glyph = (g, gx, gy) => {
    // Bilinear sample of the 3×5 glyph at continuous coords (pixel centres at integer + 0.5).
    const fx = gx - 0.5, fy = gy - 0.5, x0 = Math.floor(fx), y0 = Math.floor(fy);
    const at = (i, j) => (i >= 0 && i < 3 && j >= 0 && j < 5 && g[j] & (4 >> i) ? 1 : 0);
    const ax = fx - x0, ay = fy - y0;
    return (1 - ax) * (1 - ay) * at(x0, y0) + ax * (1 - ay) * at(x0 + 1, y0) + (1 - ax) * ay * at(x0, y0 + 1) + ax * ay * at(x0 + 1, y0 + 1);
  };
  for (let k = 0; k < n; k++) {
    const c = k % 10;
    y[k] = c;
    const sx = (size * (0.55 + 0.2 * r.u())) / 3, sy = (size * (0.7 + 0.25 * r.u())) / 5, shear = 0.3 * (r.u() - 0.5);
    const ox = (size - 3 * sx) * r.u(), oy = (size - 5 * sy) * r.u(), ink = 0.7 + 0.3 * r.u();
    for (let j = 0; j < size; j++) {
      for (let i = 0; i < size; i++) {
        const gy = (j + 0.5 - oy) / sy, gx = (i + 0.5 - ox) / sx - shear * (gy - 2.5);
        x[(k * size + j) * size + i] = ink * glyph(GLYPHS[c], gx, gy) + noise * r.normal();
      }
    }
  }
  return { x, y };
}

export class MLP extends nn.Module {
  constructor(dims) {
    super();
    this.layers = dims.slice(1).map((d, i) => new nn.Linear(dims[i], d));
  }
  forward(x) {
    this.layers.forEach((l, i) => { x = l.forward(x); if (i < this.layers.length - 1) x = nn.relu(x); });
    return x;
  }
}

/** Trains and returns { model, losses, testAcc, history }. `steps` caps total steps (for tests). */
export function trainMLP({ nTrain = 20000, nTest = 2000, epochs = 8, batch = 128, lr = 2e-3, hidden = [256, 256], steps = Infinity, log = console.log, seed = 0 } = {}) {
  mx.random.seed(seed);
  const tr = makeDigits(nTrain, 1000 + seed), te = makeDigits(nTest, 2000 + seed);
  const data = {
    Xtr: mx.reshape(mx.array(tr.x), [nTrain, 64]), Ytr: mx.array(tr.y),
    Xte: mx.reshape(mx.array(te.x), [nTest, 64]), Yte: mx.array(te.y),
  };
  return fitClassifier(new MLP([64, ...hidden, 10]), data, { epochs, batch, lr, steps, log, seed });
}

runAsScript(import.meta.url, 'mlp', () => trainMLP());
