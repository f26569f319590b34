// Real weights against an independent float32 oracle: HF transformers dequantizes the same GGUF file to float32
// (fixtures from scripts/oracles/hf/lm_gguf_reference.py, on llama.cpp's chat-templated prompt ids). Our model on
// dequantized weights must give the same prompt logits (top 20, ≤ 1e-4 of the largest); the quantized path (same
// weight values, quantized kernels) must agree nearly as well and reproduce HF's greedy tokens.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadLM, type LM } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const models = process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models');

interface Ref { promptIds: number[]; topIds: number[]; topValues: number[]; greedy: number[]; margins: number[] }

function promptLogits(lm: LM, ids: number[]): Float32Array {
  const caches = lm.model.newCache();
  const out = mx.tidy(() => mx.reshape(lm.model.forward(mx.array(Int32Array.from(ids)).reshape([1, ids.length]), caches, { lastOnly: true }), [-1]));
  const v = out.toTypedArray() as Float32Array;
  out.dispose();
  for (const c of caches) c.dispose();
  return v;
}

/** Largest difference on HF's top-20 ids, relative to the largest |logit| there. */
function topErr(v: Float32Array, r: Ref): number {
  let d = 0, m = 0;
  r.topIds.forEach((id, i) => { d = Math.max(d, Math.abs(v[id] - r.topValues[i])); m = Math.max(m, Math.abs(r.topValues[i])); });
  return d / m;
}

describe.each([
  ['smollm2-135m-instruct', 6, 16],  // the fixture has 32 tokens (all equal ours); 16 keep the test short
  ['gemma-3-270m-it', 3, 16],
])('%s vs transformers float32 (same GGUF)', (name, nPrompts, nTokens) => {
  const fx = join(here, 'fixtures', 'hf-gguf', `${name}.json`);
  const ok = existsSync(fx) && existsSync(join(models, name));
  const refs = (): Ref[] => (JSON.parse(readFileSync(fx, 'utf8')).prompts as Ref[]).slice(0, nPrompts);

  it.skipIf(!ok)('dequantized float32 model: prompt logits within 1e-4, same top token', async () => {
    const lm = await loadLM(name, { dequantize: true });
    const errs: number[] = [];
    for (const r of refs()) {
      const v = promptLogits(lm, r.promptIds);
      errs.push(topErr(v, r));
      let best = 0;
      for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
      expect(best).toBe(r.topIds[0]);
    }
    console.log(name, 'dequantized: top-20 relative errors', errs.map((e) => e.toExponential(1)).join(' '));
    expect(Math.max(...errs)).toBeLessThan(1e-4);
    lm.dispose();
  }, 60_000);

  it.skipIf(!ok)('quantized path: prompt logits close to float32, greedy tokens equal HF except at near-ties', async () => {
    const lm = await loadLM(name);
    const report: string[] = [];
    let full = 0;
    for (const r of refs()) {
      expect(topErr(promptLogits(lm, r.promptIds), r)).toBeLessThan(2e-3);
      const want = r.greedy.slice(0, nTokens);
      const got = (await lm.generate(r.promptIds, { maxTokens: want.length, reuseCache: false, ignoreEos: true })).tokens;
      let k = 0;
      while (k < want.length && got[k] === want[k]) k++;
      if (k === want.length) { full++; report.push(`${k}/${k}`); continue; }
      // a departure is allowed only where HF's own top-2 margin is tiny
      report.push(`departs at ${k} (HF margin ${r.margins[k].toFixed(4)})`);
      expect(r.margins[k], `prompt ${r.promptIds.length} ids, token ${k}`).toBeLessThan(0.02);
    }
    console.log(name, 'quantized greedy vs HF float32:', report.join(' | '));
    expect(full).toBeGreaterThanOrEqual(nPrompts - 1);
    lm.dispose();
  }, 60_000);
});
