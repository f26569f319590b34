// Resizing a learned square grid of position embeddings to another patch grid, as torch's
// interpolate(mode="bicubic", align_corners=False) does (cubic convolution, A = -0.75, clamped borders).
import * as mx from '@mlx/core';

type A = mx.array;

function cubicWeights(t: number): number[] {
  const a = -0.75;
  const c1 = (x: number) => ((a + 2) * x - (a + 3)) * x * x + 1;
  const c2 = (x: number) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)];
}

/** [outSize, inSize] matrix of 1-D bicubic interpolation weights. */
export function bicubicMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = (o + 0.5) * scale - 0.5;
    const i0 = Math.floor(src);
    const w = cubicWeights(src - i0);
    for (let k = 0; k < 4; k++) {
      const idx = Math.min(inSize - 1, Math.max(0, i0 - 1 + k));
      m[o * inSize + idx] += w[k];
    }
  }
  return m;
}

/** grid [side*side, C] → [outH*outW, C]. */
export function interpolatePositions(grid: A, side: number, outH: number, outW: number): A {
  const C = grid.shape[1];
  const wh = mx.array(bicubicMatrix(side, outH)).reshape([outH, side]);
  const ww = mx.array(bicubicMatrix(side, outW)).reshape([outW, side]);
  const g = mx.transpose(mx.reshape(grid, [side, side, C]), [2, 0, 1]);        // [C, side, side]
  const out = mx.matmul(mx.matmul(wh, g), mx.transpose(ww));                    // [C, outH, outW]
  return mx.reshape(mx.transpose(out, [1, 2, 0]), [outH * outW, C]);
}
