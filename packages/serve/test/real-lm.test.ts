// Real SmolLM2-135M (Q4_1 GGUF) behind the server: 8 concurrent streaming chats × 16 tokens must equal
// @mlx/lm's own single-request greedy generate (its KV cache and loop: an independent path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { LM } from '@mlx/lm';
import { createServer, loadBatchedLM, type MlxServer } from '../src/index.js';

const dir = join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache/mlx-ts/models'), 'smollm2-135m-instruct');
const questions = [
  'What is the capital of France?', 'Name a color.', 'Write a haiku about the sea.', 'What is 2 + 2?',
  'Say hello in Spanish.', 'Explain gravity to a child.', 'List three fruits.', 'Who wrote Hamlet?',
];

describe.skipIf(!existsSync(dir))('SmolLM2-135M through the server', () => {
  let lm: LM;
  let server: MlxServer;
  beforeAll(async () => {
    const loaded = await loadBatchedLM(dir);
    lm = loaded.lm;
    server = await createServer({ port: 0, lms: [{ id: 'smollm2-135m-instruct', model: loaded.model }], scheduler: { kvMemoryBytes: 64 << 20 } });
  });
  afterAll(async () => { await server?.close(); server?.schedulers.get('smollm2-135m-instruct')?.model.dispose?.(); });

  it('8 concurrent streaming chats equal single-request greedy generation', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const streamed = await Promise.all(questions.map(async (q) => {
      const s = await client.chat.completions.create({ model: 'smollm2-135m-instruct', messages: [{ role: 'user', content: q }], max_tokens: 16, temperature: 0, stream: true });
      let text = '';
      for await (const c of s) text += c.choices[0]?.delta.content ?? '';
      return text;
    }));
    expect(server.schedulers.get('smollm2-135m-instruct')!.metrics().kv.used).toBe(0);
    for (let i = 0; i < questions.length; i++) {
      const alone = await lm.generate([{ role: 'user', content: questions[i] }], { maxTokens: 16, temperature: 0 });
      expect(streamed[i]).toBe(alone.text);
    }
    expect(streamed[0]).toMatch(/Paris/);
  }, 120_000);
});
