import { homedir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { loadWhisper } from '../../packages/whisper/dist/index.js';
mx.setNumThreads?.(2);
const dtype = process.argv[2] ?? 'float32';
const w = await loadWhisper(join(homedir(), '.cache', 'mlx-ts', 'models', 'whisper-tiny.en'), dtype === 'int8' ? { quantize: { bits: 8 } } : { dtype: 'float32' });
const m = w.model;
const feats = mx.random.normal([1, 1500, 384]); mx.eval(feats);
const step = async (label, B, patch) => {
  const cache = m.newCache();
  const orig = m.decoder.outputProjection;
  if (patch) m.decoder.outputProjection = (x) => x;
  mx.eval(m.decode(mx.array(new Int32Array([50257, 50362, 50363, 50364])).reshape([1, 4]), feats, cache).logits);
  if (B > 1) cache.reorder(mx.zeros([B], mx.int32));
  for (let i = 0; i < 30; i++) mx.eval(m.decode(mx.full([B, 1], 400 + i, mx.int32), feats, cache).logits);
  const ts = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    const l = m.decode(mx.full([B, 1], 500 + i, mx.int32), feats, cache).logits;
    await mx.asyncEval(l);
    ts.push(performance.now() - t0);
    l.dispose();
  }
  ts.sort((a, b) => a - b);
  console.log(label.padEnd(40), ts[7].toFixed(2), 'ms');
  m.decoder.outputProjection = orig;
  cache.dispose();
};
await step('B1', 1); await step('B1 noproj', 1, true); await step('B5', 5); await step('B5 noproj', 5, true);
