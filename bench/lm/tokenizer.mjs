#!/usr/bin/env node
// Tokenizer encode speed: our GGUF tokenizers vs llama.cpp's (node-llama-cpp, vocab-only load)
// on ~100 KB of mixed text (the repo's docs + the multilingual corpus), same process, same text.
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

function median(fn, reps = 7) {
  fn(); fn();
  const ts = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); fn(); ts.push(performance.now() - t0); }
  return ts.sort((a, b) => a - b)[reps >> 1] / 1000;
}

const rows = [];
for (const [name, file] of [['smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf'], ['gemma-3-270m-it', 'gemma-3-270m-q4_k_m.gguf']]) {
  const path = join(await mx.resolveModel(name), file);
  const md = mx.readGgufHeader(path).metadata;
  // Cold = the first encode on a new tokenizer (our BPE keeps a per-word cache across calls).
  const cold = [];
  for (let i = 0; i < 3; i++) {
    const t = tokenizerFromGguf(md);
    const t0 = performance.now(); t.encode(text, { addSpecialTokens: false }); cold.push((performance.now() - t0) / 1000);
  }
  const oursFresh = cold.sort((a, b) => a - b)[1];
  const tok = tokenizerFromGguf(md);
  const ids = tok.encode(text, { addSpecialTokens: false });
  const ours = median(() => tok.encode(text, { addSpecialTokens: false }));
  let ref, same;
  if (llama) {
    const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
    const refIds = Array.from(model.tokenize(text, true));
    same = refIds.length === ids.length && refIds.every((v, i) => v === ids[i]);
    ref = median(() => model.tokenize(text, true));
    await model.dispose();
  }
  rows.push({ model: name, tokens: ids.length, oursTokPerS: ids.length / ours, oursUncachedTokPerS: ids.length / oursFresh,
    refTokPerS: ref ? ids.length / ref : null, ratio: ref ? ref / ours : null, identical: same ?? null });
}
console.log(`text: ${text.length} chars (${Buffer.byteLength(text)} bytes)`);
console.log('| model | tokens | ours tok/s | ours tok/s (cold cache) | llama.cpp tok/s | ratio (ours/llama.cpp) | same ids |\n|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.model} | ${r.tokens} | ${(r.oursTokPerS / 1e6).toFixed(2)} M | ${(r.oursUncachedTokPerS / 1e6).toFixed(2)} M | ${r.refTokPerS ? (r.refTokPerS / 1e6).toFixed(2) + ' M' : '-'} | ${r.ratio ? r.ratio.toFixed(2) + '×' : '-'} | ${r.identical ?? '-'} |`);
}
mkdirSync(join(root, 'bench', 'lm', 'out'), { recursive: true });
writeFileSync(join(root, 'bench', 'lm', 'out', 'tokenizer.json'), JSON.stringify({ date: new Date().toISOString(), chars: text.length, rows }, null, 1));
