// Gemma 3 270M (Q4_K_M GGUF: sandwich norms, sliding-window layers, per-layer RoPE bases) through the scheduler's
// flat-batch path: concurrent greedy requests must equal the same requests run one at a time, and the first one
// must equal @mlx/lm's own generate (its KV cache and loop: an independent path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LM } from '@mlx/lm';
import { FlatBatched, Scheduler, greedy, loadBatchedLM, type BatchedLM } from '../src/index.js';

const file = join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache/mlx-ts/models'), 'gemma-3-270m-it', 'gemma-3-270m-q4_k_m.gguf');
const questions = ['What is the capital of France?', 'Name a color.', 'Write a haiku about the sea.'];

describe.skipIf(!existsSync(file))('Gemma 3 270M in the batched path', () => {
  let lm: LM;
  let model: BatchedLM;
  beforeAll(async () => { ({ lm, model } = await loadBatchedLM(file)); }, 60_000);
  afterAll(() => model?.dispose?.());

  it('uses forwardFlat; concurrent greedy outputs equal the requests run alone', async () => {
    expect(model).toBeInstanceOf(FlatBatched);
    const prompts = questions.map((q) => model.encodeChat!([{ role: 'user', content: q }]));
    const run = async (s: Scheduler, p: number[]) => (await s.submit({ promptTokens: p, maxTokens: 8, sampling: greedy, ignoreEos: true }).result).tokens;
    const batched = new Scheduler(model, { kvMemoryBytes: 32 << 20, prefillChunk: 64 });
    const together = await Promise.all(prompts.map((p) => run(batched, p)));
    await batched.close();
    const single = new Scheduler(model, { kvMemoryBytes: 32 << 20, prefillChunk: 64 });
    for (let i = 0; i < prompts.length; i++) expect(together[i], `request ${i}`).toEqual(await run(single, prompts[i]));
    await single.close();
    const ref = await lm.generate([{ role: 'user', content: questions[0] }], { maxTokens: 8, temperature: 0 });
    expect(model.tokenizer.decode(together[0], { skipSpecialTokens: true })).toBe(ref.text);
  }, 60_000);
});
