// Diagnostic: logits of prompt + 4 tokens, once by full prefill and once by prefill + incremental decode. Without
// emulation they agree to ~1e-4; with MLX_LM_EMULATE_Q8=1 the Q8 activation rounding amplifies summation-order
// differences (see packages/lm/src/emulation.ts). Usage: [MLX_LM_EMULATE_Q8=1] node bench/lm/emulation_consistency.mjs
import { readFileSync } from 'node:fs';
import * as mx from '@mlx/core';
import { loadLM } from '../../packages/lm/dist/index.js';
mx.setNumThreads(2);
const { prompts } = JSON.parse(readFileSync(new URL('../../packages/lm/test/fixtures/llamacpp/smollm2-135m-instruct.json', import.meta.url), 'utf8'));
const lm = await loadLM('smollm2-135m-instruct');
const p = prompts[0], extra = p.outputIds.slice(0, 4);
const m = lm.model;
const c = m.newCache();
m.forward(mx.array(Int32Array.from(p.promptIds)).reshape([1, p.promptIds.length]), c, { lastOnly: true });
let inc;
for (const t of extra) inc = mx.reshape(m.forward(mx.array(Int32Array.from([t])).reshape([1, 1]), c), [-1]);
const all = [...p.promptIds, ...extra];
const full = mx.reshape(m.forward(mx.array(Int32Array.from(all)).reshape([1, all.length]), m.newCache(), { lastOnly: true }), [-1]);
console.log('max |incremental - full|', mx.max(mx.abs(mx.subtract(inc, full))).item());
