// The compiled decode step replayed as one CUDA graph (KV buffers as in-place state) against the same step
// replayed kernel by kernel, on the GPU (skipped without CUDA): same logits at every step across a buffer
// growth and the Gemma 3 fixture's sliding-window ring wrap-around, same greedy tokens, and the graph was used.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadLM } from '../src/index.js';
import { decodeLogits, expectSameLogits, greedyTokens, growthCase } from './helpers/decode.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hf');
const hasGpu = mx.cuda.isAvailable();
const launches = () => mx.cuda.counters().graph_launches ?? 0;

function decodeWithGraph(lm: Awaited<ReturnType<typeof loadLM>>, graph: boolean, prompt: number[], steps: number[]): Float32Array[] {
  lm.model.releaseCompiled();
  lm.model.decodeCudaGraph = graph;
  return decodeLogits(lm, prompt, steps);
}

describe.skipIf(!hasGpu).each(['llama', 'gemma3'])('%s decode step as a CUDA graph', (name) => {
  let prev: mx.Device;
  beforeAll(() => { prev = mx.defaultDevice(); mx.setDefaultDevice(mx.gpu); });
  afterAll(() => mx.setDefaultDevice(prev));

  it('gives the plain replay\'s logits at every step and launches graphs', async () => {
    const lm = await loadLM(join(fixtures, name));
    const { prompt, steps } = growthCase(lm.model.spec.vocabSize);
    const plain = decodeWithGraph(lm, false, prompt, steps);
    const before = launches();
    const graph = decodeWithGraph(lm, true, prompt, steps);
    expect(launches() - before, 'graph launches').toBeGreaterThanOrEqual(steps.length - 4);
    expectSameLogits(graph, plain, prompt.length, 1e-6);
    lm.dispose();
  });

  it('greedy generation gives the same tokens with and without the graph', async () => {
    const lm = await loadLM(join(fixtures, name));
    lm.model.decodeCudaGraph = false;
    const a = await greedyTokens(lm);
    lm.model.releaseCompiled();
    lm.model.decodeCudaGraph = true;
    const before = launches();
    expect(await greedyTokens(lm)).toEqual(a);
    expect(launches() - before).toBeGreaterThan(0);
    lm.dispose();
  });
});
