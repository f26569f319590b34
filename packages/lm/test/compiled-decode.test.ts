// The compiled decode step (fixed-shape KV buffers, write slot and mask as inputs) against the eager graph on
// the random tiny models of parity.test.ts: same logits step by step, across a buffer growth (256 positions)
// and sliding-window ring wrap-around (Gemma 3 fixture: window 8), and the same generated tokens.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadLM } from '../src/index.js';
import { decodeLogits, expectSameLogits, greedyTokens, growthCase } from './helpers/decode.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hf');

describe.each(['llama', 'gemma3'])('%s compiled decode step', (name) => {
  it('matches the eager graph across a cache growth and ring wrap-around', async () => {
    const lm = await loadLM(join(fixtures, name));
    const { prompt, steps } = growthCase(lm.model.spec.vocabSize);
    lm.model.compiledDecoding = false;
    const eager = decodeLogits(lm, prompt, steps);
    lm.model.compiledDecoding = true;
    expectSameLogits(decodeLogits(lm, prompt, steps), eager, prompt.length, 1e-5);
    lm.dispose();
  });

  it('greedy generation gives the same tokens compiled and eager', async () => {
    const lm = await loadLM(join(fixtures, name));
    lm.model.compiledDecoding = false;
    const a = await greedyTokens(lm);
    lm.model.compiledDecoding = true;
    const b = await greedyTokens(lm);
    expect(b).toEqual(a);
    expect(b.length).toBe(24);
    lm.dispose();
  });
});
