// Step-by-step decode logits of a loaded model (prompt prefilled, then one token per step through the model's
// decode path as configured by the caller), their comparison, and greedy tokens: what the tests of a decode path
// (compiled, CUDA graph) check it against another with.
import { expect } from 'vitest';
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

/** A 250-token prompt and 12 decode tokens: the steps cross the cache's 256-position growth (and wrap the Gemma 3
 * fixture's window-8 ring). */
export function growthCase(vocab: number): { prompt: number[]; steps: number[] } {
  return {
    prompt: Array.from({ length: 250 }, (_, i) => (i * 37 + 5) % vocab),
    steps: Array.from({ length: 12 }, (_, i) => (i * 11 + 3) % vocab),
  };
}

/** Every step's logits within tol (relDiff) of the reference run's. */
export function expectSameLogits(got: Float32Array[], ref: Float32Array[], promptLength: number, tol: number): void {
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) expect(relDiff(got[i], ref[i]), `step ${i} (position ${promptLength + i})`).toBeLessThan(tol);
}

/** 24 greedy tokens after a short fixed prompt, no cache reuse. */
export async function greedyTokens(lm: LM): Promise<number[]> {
  const r = await lm.generate([1, 5, 9, 14, 3], { maxTokens: 24, temperature: 0, ignoreEos: true, reuseCache: false });
  return r.tokens;
}
