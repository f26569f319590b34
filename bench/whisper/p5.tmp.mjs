import { homedir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { loadWhisper } from '../../packages/whisper/dist/index.js';
mx.setNumThreads?.(2);
const w = await loadWhisper(join(homedir(), '.cache', 'mlx-ts', 'models', 'whisper-tiny.en'), { dtype: 'float32' });
const m = w.model; const d = m.decoder;
const feats = mx.random.normal([1, 1500, 384]); mx.eval(feats);
const cache = m.newCache();
mx.eval(m.decode(mx.array(new Int32Array([50257, 50362, 50363, 50364])).reshape([1, 4]), feats, cache).logits);
for (let i = 0; i < 30; i++) mx.eval(m.decode(mx.full([1, 1], 400 + i, mx.int32), feats, cache).logits);
const time = async (label, fn, reps = 15) => {
  const ts = [];
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    const out = mx.tidy(() => fn());
    await mx.asyncEval(out);
    mx.dispose(out);
    if (i) ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} ${ts[ts.length >> 1].toFixed(3)} ms`);
};
const st = cache.layers[0];
const x = mx.random.normal([1,1,384]); mx.eval(x);
const cq = mx.random.normal([1,6,1,64]); mx.eval(cq);
await time('cross sdpa cached', () => mx.fast.scaledDotProductAttention(cq, st.crossK, st.crossV, 0.125));
const ck = mx.copy(st.crossK), cv = mx.copy(st.crossV); mx.eval(ck, cv);
await time('cross sdpa copies', () => mx.fast.scaledDotProductAttention(cq, ck, cv, 0.125));
await time('self concat', () => mx.concatenate([st.k, mx.random.normal([1,6,1,64])], 2));
await time('self sdpa', () => mx.fast.scaledDotProductAttention(cq, st.k, st.v, 0.125));
const ln = () => d.ln.forward(x);
await time('embedding+pos', () => mx.add(d.tokenEmbedding.forward(mx.full([1,1],5,mx.int32)), d.positionalEmbedding.index(mx.Slice(40,41))));
console.log(st.crossK.shape, st.k.shape);
for (let r = 0; r < 3; r++) {
const ts=[];
for (let i = 0; i < 15; i++) {
  const t0 = performance.now();
  const l = m.decode(mx.full([1, 1], 500 + i, mx.int32), feats, cache).logits;
  const t1 = performance.now();
  await mx.asyncEval(l);
  const t2 = performance.now();
  mx.eval(l);
  ts.push([t1-t0, t2-t1]);
  l.dispose();
}
console.log(ts.map(([a,b])=>a.toFixed(1)+'/'+b.toFixed(1)).join(' '));
}
const t0 = performance.now(); for (let i=0;i<10;i++){ const l = m.decode(mx.full([1, 1], 500 + i, mx.int32), feats, cache).logits; mx.eval(l); l.dispose(); } console.log('sync eval per step', (performance.now()-t0)/10);
