// Trains a small CNN (Conv2d + MaxPool2d + Linear, channels-last as in MLX) on procedurally rendered
// 16×16 images of five shape classes (circle outline, filled square, triangle, line at a random
// angle, plus sign), each at a random size and position with intensity jitter and pixel noise.
//   node apps/examples/train/cnn.mjs     (exits 1 if held-out accuracy < 95%)
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { fitClassifier, rng, runAsScript } from './common.mjs';

export const CLASSES = ['circle', 'square', 'triangle', 'line', 'plus'];

/** n images [n,16,16,1] (float32) and labels (int32), balanced over the classes. */
export function makeShapes(n, seed, size = 16, noise = 0.2) {
  const r = rng(seed);
  const x = new Float32Array(n * size * size), y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const c = k % CLASSES.length;
    y[k] = c;
    const rad = 3 + 3 * r.u(); // half-extent in pixels
    const cx = rad + 0.5 + (size - 2 * rad - 1) * r.u(), cy = rad + 0.5 + (size - 2 * rad - 1) * r.u();
    const ang = Math.PI * r.u(), ink = 0.6 + 0.4 * r.u();
    const [ca, sa] = [Math.cos(ang), Math.sin(ang)];
    // Is the point (px, py) inside the shape? Evaluated at 2×2 subpixels for anti-aliasing.
    const inside = (px, py) => {
      const dx = px - cx, dy = py - cy;
      switch (c) {
        case 0: { const d = Math.hypot(dx, dy); return d <= rad && d >= rad - 1.3; }
        case 1: return Math.abs(dx) <= rad * 0.8 && Math.abs(dy) <= rad * 0.8;
        case 2: { const t = (dy + rad) / (2 * rad); return t >= 0 && t <= 1 && Math.abs(dx) <= rad * (1 - t); } // apex up
        case 3: return Math.abs(dx * sa - dy * ca) <= 0.7 && Math.abs(dx * ca + dy * sa) <= rad;
        default: return (Math.abs(dx) <= 0.8 && Math.abs(dy) <= rad) || (Math.abs(dy) <= 0.8 && Math.abs(dx) <= rad);
      }
    };
    for (let j = 0; j < size; j++) {
      for (let i = 0; i < size; i++) {
        let cov = 0;
        for (const [ox, oy] of [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]) cov += inside(i + ox, j + oy) ? 0.25 : 0;
        x[(k * size + j) * size + i] = ink * cov + noise * r.normal();
      }
    }
  }
  return { x, y };
}

export class CNN extends nn.Module {
  constructor(numClasses) {
    super();
    this.conv1 = new nn.Conv2d(1, 16, 3, 1, 1);
    this.conv2 = new nn.Conv2d(16, 32, 3, 1, 1);
    this.pool = new nn.MaxPool2d(2);
    this.fc1 = new nn.Linear(4 * 4 * 32, 64);
    this.fc2 = new nn.Linear(64, numClasses);
  }
  forward(x) {
    x = this.pool.forward(nn.relu(this.conv1.forward(x))); // [B,8,8,16]
    x = this.pool.forward(nn.relu(this.conv2.forward(x))); // [B,4,4,32]
    x = mx.reshape(x, [x.shape[0], -1]);
    return this.fc2.forward(nn.relu(this.fc1.forward(x)));
  }
}

export function trainCNN({ nTrain = 6000, nTest = 1000, epochs = 4, batch = 64, lr = 2e-3, steps = Infinity, log = console.log, seed = 0 } = {}) {
  mx.random.seed(seed);
  const tr = makeShapes(nTrain, 1000 + seed), te = makeShapes(nTest, 2000 + seed);
  const data = {
    Xtr: mx.reshape(mx.array(tr.x), [nTrain, 16, 16, 1]), Ytr: mx.array(tr.y),
    Xte: mx.reshape(mx.array(te.x), [nTest, 16, 16, 1]), Yte: mx.array(te.y),
  };
  return fitClassifier(new CNN(CLASSES.length), data, { epochs, batch, lr, steps, log, seed });
}

runAsScript(import.meta.url, 'cnn', () => trainCNN());
