// Step-by-step decode logits of a loaded model (prompt prefilled, then one token per step through the model's
// decode path as configured by the caller), and the worst relative difference between two such runs.
import * as mx from '@mlx/core';
import type { loadLM } from '../../src/index.js';

type LM = Awaited<ReturnType<typeof loadLM>>;

export function decodeLogits(lm: LM, prompt: number[], steps: number[]): Float32Array[] {
  const caches = lm.model.newCache();
  const keep = () => caches.flatMap((c) => c.state());
  mx.tidy(() => [lm.model.forward(mx.array(Int32Array.from(prompt)).reshape([1, prompt.length]), caches), keep()]);
  const out: Float32Array[] = [];
  for (const t of steps) {
    const [l] = mx.tidy(() => [mx.reshape(lm.model.forward(mx.array(Int32Array.of(t)).reshape([1, 1]), caches), [-1]), keep()] as const);
    out.push(mx.astype(l, mx.float32).toTypedArray() as Float32Array);
    l.dispose();
  }
  for (const c of caches) c.dispose();
  return out;
}

/** max |a - b| / max |b| over one step's logits. */
export function relDiff(a: Float32Array, b: Float32Array): number {
  let err = 0, scale = 0;
  for (let j = 0; j < b.length; j++) err = Math.max(err, Math.abs(a[j] - b[j])), scale = Math.max(scale, Math.abs(b[j]));
  return err / scale;
}
