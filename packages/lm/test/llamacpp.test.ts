// Real weights against llama.cpp (fixtures from scripts/oracles/llamacpp_greedy.mjs with node-llama-cpp's defaults:
// 24 chat-templated prompts fixed in advance, llama.cpp's prompt ids and up to 32 greedy output ids). Acceptance
// (issue #8): the same first 32 tokens as llama.cpp for at least 5 prompts per model. Idle run 2026-11-26 07:55:
// SmolLM2 11/24, Gemma 3 16/24 full matches (bench/lm/llamacpp_agreement.mjs). Where we depart, llama.cpp's token
// is close under our logits: llama.cpp rounds activations to 8 bits before each quantized matmul and K/V to f16,
// which moves logits by ~0.1 (hf-gguf.test.ts: transformers float32 on the same GGUF agrees with us token for
// token). Measured departure margins: SmolLM2 0.003–0.21, Gemma 0.003–0.69 (the largest where llama.cpp ends a
// line early).
//
// Removing llama.cpp-side noise did not raise agreement (first 6 prompts; "plain" = our float32 path, "+Q8" = load
// option ggmlActivationRounding: Q8_0/Q8_1/Q8_K activations by weight type and ggml's f16-table GeGLU):
//   llama.cpp settings (fixture)              SmolLM2 plain | +Q8           Gemma 3 plain | +Q8
//   F16 KV, flash auto = on (defaults)        1/6 (0–.12)   | 1/6 (.02–.28)   4/6 (.005, .011) | 3/6 (.06–.13)
//   F32 KV, flash on (.f32kv-flash.json)      1/6 — llama.cpp's tokens identical to F16 KV | 4/6 | 4/6 (.06, .08)
//   F32 KV, flash off (.f32kv.json)           1/6 (.07–.23) | 1/6 (.008–.14)  2/6 (.005–.97) | 3/6 (.24–.57)
//   F16 KV, flash off (.f16kv-noflash.json)   -             | -               4/6 (.60, .78) | 3/6 (.06–.45)
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadLM } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const models = process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models');
const NEAR_TIE = 0.75;  // largest measured departure margin 0.69 (Gemma), typical 0.003–0.2
const TOKENS = 32;

describe.each(['smollm2-135m-instruct', 'gemma-3-270m-it'])('%s greedy vs llama.cpp', (name) => {
  const fx = join(here, 'fixtures', 'llamacpp', `${name}.json`);
  const ok = existsSync(fx) && existsSync(join(models, name));
  it.skipIf(!ok)('reproduces llama.cpp tokens or departs only at near-ties', async () => {
    const { prompts } = JSON.parse(readFileSync(fx, 'utf8'));
    const lm = await loadLM(name);
    let full = 0;
    const report: string[] = [];
    for (const p of prompts) {
      // our tokenizer gives llama.cpp's ids for the rendered prompt, and our chat template renders it the same
      // (the fixture's Gemma system turns came from the oracle's older template: compared only where equal)
      expect(lm.tokenizer.encode(p.text, { addSpecialTokens: false }), p.text).toEqual(p.promptIds);
      if (lm.applyChatTemplate(p.messages) === p.text) expect(lm.encodePrompt(p.messages)).toEqual(p.promptIds);
      else expect(p.messages[0].role).toBe('system');
      p.outputIds = p.outputIds.slice(0, TOKENS);
      const r = await lm.generate(p.promptIds, { maxTokens: p.outputIds.length, reuseCache: false, ignoreEos: true });
      let k = 0;
      while (k < p.outputIds.length && r.tokens[k] === p.outputIds[k]) k++;
      if (k === p.outputIds.length) { full++; report.push(`${k}/${k}`); continue; }
      // logits at the departure: prompt + llama.cpp's tokens so far
      const ids = [...p.promptIds, ...p.outputIds.slice(0, k)];
      const logits = mx.reshape(lm.model.forward(mx.array(Int32Array.from(ids)).reshape([1, ids.length]), lm.model.newCache(), { lastOnly: true }), [-1]);
      const v = logits.toTypedArray() as Float32Array;
      const margin = v[r.tokens[k]] - v[p.outputIds[k]];
      report.push(`departs at ${k}: margin ${margin.toFixed(3)}`);
      expect(margin, `${name} prompt ${JSON.stringify(p.messages.at(-1).content)} token ${k}`).toBeLessThan(NEAR_TIE);
    }
    console.log(name, report.join(' | '));
    expect(full).toBeGreaterThanOrEqual(5);
    lm.dispose();
  }, 240_000);
});
