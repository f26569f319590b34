#!/usr/bin/env node
// Tokenizer encode speed: our GGUF tokenizers vs llama.cpp's (node-llama-cpp, vocab-only load)
// on ~100 KB of mixed text (the repo's docs + the multilingual corpus), same process, same text.
// Ratios are llama.cpp time / our time (> 1: we are faster). REPS=<n> sets the number of runs.
//   (cd scripts/oracles/node && npm install) && node bench/lm/tokenizer.mjs
import { readFileSync, readdirSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '../../packages/core/dist/index.js';
import { tokenizerFromGguf } from '../../packages/lm/dist/index.js';
import { CORPUS } from '../../scripts/oracles/tokenizers-corpus.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// English prose (docs), code (our sources) and the multilingual corpus after every file.
const files = [];
const walk = (d) => { for (const e of readdirSync(join(root, d), { withFileTypes: true })) {
  if (e.isDirectory()) walk(`${d}/${e.name}`); else if (/\.(md|ts)$/.test(e.name)) files.push(`${d}/${e.name}`); } };
walk('docs'); walk('packages/core/src'); walk('packages/nn/src');
let text = '';
for (const f of ['README.md', ...files.sort()]) {
  if (text.length >= 100_000) break;
  text += readFileSync(join(root, f), 'utf8') + '\n' + CORPUS.join('\n') + '\n';
}
text = text.slice(0, 100_000);

const oracle = join(root, 'scripts', 'oracles', 'node');
const haveRef = existsSync(join(oracle, 'node_modules', 'node-llama-cpp'));
const llama = haveRef ? await (await import(createRequire(join(oracle, 'package.json')).resolve('node-llama-cpp'))).getLlama({ gpu: false }) : undefined;

const REPS = Number(process.env.REPS ?? 9);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const timed = (fn) => { const t0 = performance.now(); const r = fn(); return [(performance.now() - t0) / 1000, r]; };
const encodeAll = (t) => t.encode(text, { addSpecialTokens: false });
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// Runs are interleaved (ours cold, ours warm, llama.cpp) so that load changes on a shared
// machine hit all three alike. Cold = the first encode on a freshly built tokenizer (empty
// word cache and merge memo; the JIT is warm after the first one, which is reported apart).
// Warm = a tokenizer that has encoded the text before. llama.cpp keeps no cache.
const rows = [];
for (const [name, file] of [['smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf'], ['gemma-3-270m-it', 'gemma-3-270m-q4_k_m.gguf']]) {
  const path = join(await mx.resolveModel(name), file);
  const md = mx.readGgufHeader(path).metadata;
  const [build, warmTok] = timed(() => tokenizerFromGguf(md));
  const [first, ids] = timed(() => encodeAll(warmTok));
  const model = llama ? await llama.loadModel({ modelPath: path, vocabOnly: true }) : undefined;
  const refIds = model ? Array.from(model.tokenize(text, true)) : undefined;
  let identical = refIds ? same(refIds, ids) : null;
  const cold = [], warm = [], ref = [];
  for (let r = 0; r < REPS; r++) {
    const fresh = tokenizerFromGguf(md);
    const [tc, coldIds] = timed(() => encodeAll(fresh));
    const [tw, warmIds] = timed(() => encodeAll(warmTok));
    cold.push(tc); warm.push(tw);
    if (!same(coldIds, ids) || !same(warmIds, ids)) identical = false;
    if (model) ref.push(timed(() => model.tokenize(text, true))[0]);
  }
  await model?.dispose();
  const c = median(cold), w = median(warm), rf = ref.length ? median(ref) : null;
  rows.push({ model: name, tokens: ids.length, buildMs: build * 1000, firstInProcessS: first, coldS: c, warmS: w, refS: rf,
    coldTokPerS: ids.length / c, warmTokPerS: ids.length / w, refTokPerS: rf ? ids.length / rf : null,
    coldRatio: rf ? rf / c : null, warmRatio: rf ? rf / w : null, identical, reps: REPS });
}
const m = (x) => `${(x / 1e6).toFixed(2)} M`;
console.log(`text: ${text.length} chars (${Buffer.byteLength(text)} bytes), median of ${REPS} interleaved runs`);
console.log('| model | tokens | ours cold tok/s | ours warm tok/s | llama.cpp tok/s | cold ratio | warm ratio | first encode in process | build | same ids |\n|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.model} | ${r.tokens} | ${m(r.coldTokPerS)} | ${m(r.warmTokPerS)} | ${r.refTokPerS ? m(r.refTokPerS) : '-'} | ${r.coldRatio ? r.coldRatio.toFixed(2) + '×' : '-'} | ${r.warmRatio ? r.warmRatio.toFixed(2) + '×' : '-'} | ${(r.firstInProcessS * 1000).toFixed(0)} ms | ${r.buildMs.toFixed(0)} ms | ${r.identical ?? '-'} |`);
}
mkdirSync(join(root, 'bench', 'lm', 'out'), { recursive: true });
writeFileSync(join(root, 'bench', 'lm', 'out', 'tokenizer.json'), JSON.stringify({ date: new Date().toISOString(), chars: text.length, rows }, null, 1));
