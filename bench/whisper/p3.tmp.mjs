import { homedir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { loadWhisper } from '../../packages/whisper/dist/index.js';
mx.setNumThreads?.(2);
const dtype = process.argv[2] ?? 'float32';
const w = await loadWhisper(join(homedir(), '.cache', 'mlx-ts', 'models', 'whisper-tiny.en'), dtype === 'int8' ? { quantize: { bits: 8 } } : { dtype: 'float32' });
const m = w.model;
const time = async (label, fn, reps = 20) => {
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
const x = mx.random.normal([1, 1, 384]); mx.eval(x);
const b = m.decoder.blocks[0];
await time('noop add', () => mx.add(x, 1));
await time('ln', () => b.attnLn.forward(x));
await time('qkv', () => b.attn.qkv.forward(x));
await time('out', () => b.attn.out.forward(x));
await time('mlp1', () => b.mlp1.forward(x));
const h = mx.random.normal([1,1,1536]); mx.eval(h);
await time('mlp2', () => b.mlp2.forward(h));
await time('mlp chain', () => mx.add(x, b.mlp2.forward(b.mlp1.forward(b.mlpLn.forward(x)))));
await time('embedding', () => m.decoder.tokenEmbedding.forward(mx.array(new Int32Array([5])).reshape([1,1])));
await time('out proj', () => m.decoder.outputProjection(x));
const x5 = mx.random.normal([5, 1, 384]); mx.eval(x5);
await time('qkv B5', () => b.attn.qkv.forward(x5));
await time('mlp1 B5', () => b.mlp1.forward(x5));
await time('out proj B5', () => m.decoder.outputProjection(x5), 5);
