// The compiled decode step (fixed-shape KV buffers, write slot and mask as inputs) against the eager graph on
// the random tiny models of parity.test.ts: same logits step by step, across a buffer growth (256 positions)
// and sliding-window ring wrap-around (Gemma 3 fixture: window 8), and the same generated tokens.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadLM } from '../src/index.js';
import { decodeLogits, relDiff } from './helpers/decode.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hf');

describe.each(['llama', 'gemma3'])('%s compiled decode step', (name) => {
  it('matches the eager graph across a cache growth and ring wrap-around', async () => {
    const lm = await loadLM(join(fixtures, name));
    const V = lm.model.spec.vocabSize;
    const prompt = Array.from({ length: 250 }, (_, i) => (i * 37 + 5) % V);
    const steps = Array.from({ length: 12 }, (_, i) => (i * 11 + 3) % V);
    lm.model.compiledDecoding = false;
    const eager = decodeLogits(lm, prompt, steps);
    lm.model.compiledDecoding = true;
    const compiled = decodeLogits(lm, prompt, steps);
    for (let i = 0; i < steps.length; i++) expect(relDiff(compiled[i], eager[i]), `step ${i} (position ${250 + i})`).toBeLessThan(1e-5);
    lm.dispose();
  });

  it('greedy generation gives the same tokens compiled and eager', async () => {
    const lm = await loadLM(join(fixtures, name));
    const prompt = [1, 5, 9, 14, 3];
    lm.model.compiledDecoding = false;
    const a = await lm.generate(prompt, { maxTokens: 24, temperature: 0, ignoreEos: true, reuseCache: false });
    lm.model.compiledDecoding = true;
    const b = await lm.generate(prompt, { maxTokens: 24, temperature: 0, ignoreEos: true, reuseCache: false });
    expect(b.tokens).toEqual(a.tokens);
    expect(b.tokens.length).toBe(24);
    lm.dispose();
  });
});
