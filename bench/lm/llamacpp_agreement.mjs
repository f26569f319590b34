// How often our greedy tokens equal llama.cpp's (fixture from scripts/oracles/llamacpp_greedy.mjs), and the
// margin under our logits where they depart. Run with MLX_LM_EMULATE_Q8=1 to score the rounding emulation.
// Usage: node bench/lm/llamacpp_agreement.mjs [model-name] [tokens] [fixture suffix, e.g. .f32kv] [--ggml-rounding]
// (--ggml-rounding: load with ggmlActivationRounding, llama.cpp's Q8 activation rounding emulated)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx/core';
import { loadLM } from '../../packages/lm/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rounding = process.argv.includes('--ggml-rounding');
const name = args[0] ?? 'smollm2-135m-instruct', N = Number(args[1] ?? 32), suffix = args[2] ?? '';
mx.setNumThreads(2);
const { prompts } = JSON.parse(readFileSync(join(here, '../../packages/lm/test/fixtures/llamacpp', `${name}${suffix}.json`), 'utf8'));
const lm = await loadLM(name, { ggmlActivationRounding: rounding });
let full = 0;
for (const p of prompts) {
  const want = p.outputIds.slice(0, N);
  const got = (await lm.generate(p.promptIds, { maxTokens: want.length, reuseCache: false, ignoreEos: true })).tokens;
  let k = 0;
  while (k < want.length && got[k] === want[k]) k++;
  if (k === want.length) { full++; console.log(`${k}/${k}`); continue; }
  const ids = [...p.promptIds, ...want.slice(0, k)];
  const v = mx.reshape(lm.model.forward(mx.array(Int32Array.from(ids)).reshape([1, ids.length]), lm.model.newCache(), { lastOnly: true }), [-1]).toTypedArray();
  console.log(`departs at ${k}: ours ${got[k]} vs llama.cpp ${want[k]}, margin ${(v[got[k]] - v[want[k]]).toFixed(4)}`);
}
console.log(`${name}: ${full}/${prompts.length} prompts match ${N} tokens (fixture ${name}${suffix}.json, ggml activation rounding ${rounding ? 'on' : 'off'}, MLX_LM_EMULATE_Q8 ${process.env.MLX_LM_EMULATE_Q8 ?? 'off'})`);
lm.dispose();
