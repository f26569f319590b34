import { homedir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { loadWhisper } from '../../packages/whisper/dist/index.js';
mx.setNumThreads?.(2);
const [dtype = 'float32', Bs = '1', nSteps = '200'] = process.argv.slice(2);
const B = Number(Bs);
const w = await loadWhisper(join(homedir(), '.cache', 'mlx-ts', 'models', 'whisper-tiny.en'), dtype === 'int8' ? { quantize: 'int8' } : { dtype: 'float32' });
const m = w.model;
const feats = mx.random.normal([1, 1500, 384]); mx.eval(feats);
let cache;
const start = () => {  // a new window: prompt at batch 1, then B rows
  cache?.dispose();
  cache = m.newCache();
  mx.eval(m.decode(mx.array(new Int32Array([50257, 50362, 50363, 50364])).reshape([1, 4]), feats, cache).logits);
  if (B > 1) cache.reorder(mx.zeros([B], mx.int32));
};
start();
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
const t0 = performance.now(), c0 = cpu();
for (let i = 0; i < Number(nSteps); i++) {
  const out = mx.tidy(() => { const l = m.decode(mx.full([B, 1], 400 + (i % 50), mx.int32), feats, cache).logits; return { id: mx.argmax(l.index(mx.Slice(), -1), -1), cache }; });
  await mx.asyncEval(out.id); out.id.toTypedArray(); out.id.dispose();
  if (cache.length > 200) start();  // steps at a typical context length
}
console.log(`${dtype} B=${B}: per step wall ${((performance.now() - t0) / nSteps).toFixed(2)} ms cpu ${((cpu() - c0) / nSteps).toFixed(2)} ms`);
