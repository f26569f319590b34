// Logits parity with HF transformers on random tiny models (fixtures from scripts/oracles/hf/lm_parity.py):
// the prompt's logits and 20 further single-token steps through the KV cache, float32, ≤ 1e-4 relative.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadLM } from '../src/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hf');

function relErr(a: mx.array, b: mx.array): number {
  const d = mx.max(mx.abs(mx.subtract(a, b))).item() as number;
  return d / (mx.max(mx.abs(b)).item() as number);
}

describe.each(['llama', 'qwen2', 'qwen3', 'gemma3'])('%s parity with transformers', (name) => {
  it('matches prompt logits and 20 cached decode steps', async () => {
    const lm = await loadLM(join(fixtures, name));
    const exp = mx.load(join(fixtures, name, 'expected.safetensors')) as Record<string, mx.array>;
    const prompt = exp.prompt_ids, steps = Array.from(exp.step_ids.toTypedArray() as Int32Array);
    const caches = lm.model.newCache();
    const keep = () => caches.flatMap((c) => c.state());  // cache buffers must survive the tidy scope
    const [logits] = mx.tidy(() => [mx.squeeze(lm.model.forward(mx.expandDims(prompt, 0), caches), 0), keep()] as const);
    expect(logits.shape).toEqual(exp.prompt_logits.shape);
    expect(relErr(logits, exp.prompt_logits)).toBeLessThan(1e-4);
    for (let i = 0; i < steps.length; i++) {
      const [l] = mx.tidy(() => [mx.reshape(lm.model.forward(mx.array(new Int32Array([steps[i]])).reshape([1, 1]), caches), [-1]), keep()] as const);
      const want = exp.step_logits.index(i);
      const err = relErr(l, want);
      expect(err, `step ${i}`).toBeLessThan(1e-4);
    }
    for (const c of caches) c.dispose();
    lm.dispose();
  });

  it('gives the same logits when the prompt is prefilled in chunks', async () => {
    const lm = await loadLM(join(fixtures, name));
    const exp = mx.load(join(fixtures, name, 'expected.safetensors')) as Record<string, mx.array>;
    const ids = Array.from(exp.prompt_ids.toTypedArray() as Int32Array);
    const caches = lm.model.newCache();
    const chunks = [ids.slice(0, 5), ids.slice(5, 9), ids.slice(9)];
    const rows: mx.array[] = [];
    for (const c of chunks) rows.push(mx.squeeze(lm.model.forward(mx.array(Int32Array.from(c)).reshape([1, c.length]), caches), 0));
    expect(relErr(mx.concatenate(rows, 0), exp.prompt_logits)).toBeLessThan(1e-4);
    for (const c of caches) c.dispose();
    lm.dispose();
  });
});
