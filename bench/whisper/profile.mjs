// Per-part timings of tiny.en on this machine (not a peer comparison): encoder ops, decoder step at batch 1 and 5.
// Usage: node bench/whisper/profile.mjs [float32|int8|q8]   (int8: int8 x int8 products; q8: 8-bit affine groups)
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { loadWhisper } from '../../packages/whisper/dist/index.js';

mx.setNumThreads?.(2);
const dtype = process.argv[2] ?? 'float32';
const modelDir = join(homedir(), '.cache', 'mlx-ts', 'models', 'whisper-tiny.en');
const w = await loadWhisper(modelDir, dtype === 'int8' ? { quantize: 'int8' } : dtype === 'q8' ? { quantize: { bits: 8 } } : { dtype: 'float32' });
const m = w.model;
const time = async (label, fn, reps = 5) => {
  const ts = [];
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    const out = mx.tidy(() => fn());
    await mx.asyncEval(out);
    mx.dispose(out);
    if (i) ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} ${ts[ts.length >> 1].toFixed(2)} ms`);
};
const mel = mx.random.normal([1, 80, 3000]);
const enc = m.encoder;
await time('encoder total', () => m.embedAudio(mel), 3);
const xT = mx.random.normal([1, 3000, 80]);
await time('conv1 + gelu', () => enc.conv1.forward(xT), 3);
const c1 = mx.random.normal([1, 3000, 384]);
await time('conv2 (stride 2)', () => enc.conv2.forward(c1), 3);
const x = mx.random.normal([1, 1500, 384]);
const b0 = enc.blocks[0];
await time('encoder block', () => b0.forward(x), 3);
await time('  layerNorm', () => b0.attnLn.forward(x));
await time('  qkv linear', () => b0.attn.qkv.forward(x));
const [q, k, v] = b0.attn.project(x);
mx.eval(q, k, v);
await time('  project (qkv + transposes, materialized)', () => [q, k, v].map((a) => mx.copy(a)));
await time('  sdpa', () => mx.fast.scaledDotProductAttention(q, k, v, 0.125));
const o = mx.random.normal([1, 6, 1500, 64]);
await time('  merge (transpose + out linear)', () => b0.attn.merge(o));
await time('  mlp1', () => b0.mlp1.forward(x));
const h = mx.random.normal([1, 1500, 1536]);
await time('  gelu 1500x1536', () => mx.multiply(h, 1));
await time('  mlp2', () => b0.mlp2.forward(h));

// decoder steps
const feats = m.embedAudio(mel); mx.eval(feats);
for (const B of [1, 5]) {
  const cache = m.newCache();
  const prompt = mx.array(new Int32Array([50257, 50362, 50363, 50364])).reshape([1, 4]);
  mx.eval(m.decode(prompt, feats, cache).logits);
  if (B > 1) cache.reorder(mx.zeros([B], mx.int32));
  for (let i = 0; i < 30; i++) mx.eval(m.decode(mx.full([B, 1], 400 + i, mx.int32), feats, cache).logits);
  const ts = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const l = m.decode(mx.full([B, 1], 500 + i, mx.int32), feats, cache).logits;
    await mx.asyncEval(l);
    ts.push(performance.now() - t0);
    l.dispose();
  }
  ts.sort((a, b) => a - b);
  console.log(`decoder step B=${B} (after 34 tokens)`.padEnd(44), `${ts[5].toFixed(2)} ms`);
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) { cache.reorder(mx.array(new Int32Array(B).map((_, j) => (j + 1) % B))); }
  console.log(`  reorder B=${B}`.padEnd(44), `${((performance.now() - t0) / 5).toFixed(2)} ms`);
  const hB = mx.random.normal([B, 1, 384]);
  await time(`  output projection B=${B}`, () => m.decoder.outputProjection(hB), 10);
  cache.dispose();
}

// the beam-5 step's search part on [5, V] logits: timestamp filter + log-softmax, top-k (argpartition), gather
{
  const { filterLogits, suppressionMask } = await import('../../packages/whisper/dist/decoding/logit-filters.js');
  const V = m.dims.nVocab, B = 5, tb = w.tokenizer.timestampBegin;
  const iota = mx.arange(0, V, 1, mx.int32).reshape([1, V]);
  const mask = suppressionMask(V, w.suppressTokens);
  const logits = mx.random.normal([B, V]);
  const rules = Array.from({ length: B }, () => ({ textEnd: 0, timestampStart: tb + 10, timestampEnd: V }));
  await time('beam-5 filter (timestamp rules + log-softmax)', () => filterLogits(logits, mask, rules, V, tb).logprobs, 20);
  const lp = filterLogits(logits, mask, rules, V, tb).logprobs; mx.eval(lp);
  await time('beam-5 top-6 (argpartition over [5, V])', () => mx.argpartition(mx.negative(lp), 5, -1).index(mx.Slice(), mx.Slice(0, 6)), 20);
  await time('beam-5 top-6 (topk values)', () => mx.topk(lp, 6, -1), 20);
}
