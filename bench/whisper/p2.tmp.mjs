import * as mx from '@mlx/core';
mx.setNumThreads?.(2);
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
const q = mx.random.normal([1, 6, 1500, 64]), k = mx.random.normal([1, 6, 1500, 64]), v = mx.random.normal([1, 6, 1500, 64]);
mx.eval(q,k,v);
await time('sdpa', () => mx.fast.scaledDotProductAttention(q, k, v, 0.125));
await time('explicit', () => mx.matmul(mx.softmax(mx.matmul(mx.multiply(q, 0.125), mx.transpose(k, [0,1,3,2])), -1), v));
await time('explicit precise', () => mx.matmul(mx.softmax(mx.matmul(mx.multiply(q, 0.125), mx.transpose(k, [0,1,3,2])), -1, true), v));
await time('qk only', () => mx.matmul(q, mx.transpose(k, [0,1,3,2])));
const s = mx.random.normal([1,6,1500,1500]); mx.eval(s);
await time('softmax', () => mx.softmax(s, -1));
await time('pv', () => mx.matmul(s, v));
// chunked by query blocks
await time('explicit chunked 300', () => { const outs=[]; for (let i=0;i<1500;i+=300){ const qi=q.index(mx.Slice(), mx.Slice(), mx.Slice(i,i+300)); outs.push(mx.matmul(mx.softmax(mx.matmul(mx.multiply(qi,0.125), mx.transpose(k,[0,1,3,2])),-1),v)); } return mx.concatenate(outs,2); });
// decoder-like
const cq = mx.random.normal([5, 6, 1, 64]); const ck = mx.random.normal([1, 6, 1500, 64]); const cv = mx.random.normal([1, 6, 1500, 64]);
const ck5 = mx.random.normal([5, 6, 1500, 64]), cv5 = mx.random.normal([5, 6, 1500, 64]);
mx.eval(cq, ck, cv, ck5, cv5);
await time('dec cross sdpa B5 kv5', () => mx.fast.scaledDotProductAttention(cq, ck5, cv5, 0.125), 10);
await time('dec cross sdpa B5 kv1 broadcast', () => mx.fast.scaledDotProductAttention(cq, mx.broadcastTo(ck,[5,6,1500,64]), mx.broadcastTo(cv,[5,6,1500,64]), 0.125), 10);
// fold beams into query rows: [1,6,5,64]
await time('dec cross sdpa beams-as-queries', () => mx.fast.scaledDotProductAttention(mx.transpose(cq,[2,1,0,3]), ck, cv, 0.125), 10);
await time('dec cross explicit beams-as-queries', () => { const qq = mx.transpose(cq,[2,1,0,3]); return mx.matmul(mx.softmax(mx.matmul(qq, mx.transpose(ck,[0,1,3,2])),-1), cv); }, 10);
const E = mx.random.normal([51864, 384]); const x5 = mx.random.normal([5, 384]); mx.eval(E, x5);
await time('proj E·xT N=5', () => mx.matmul(E, mx.transpose(x5)), 10);
await time('proj x·ET M=5', () => mx.matmul(x5, mx.transpose(E)), 10);
await time('proj batched gemv', () => mx.matmul(x5.reshape([5,1,384]), mx.transpose(E)), 10);
await time('proj 1 gemv', () => mx.matmul(x5.index(mx.Slice(0,1)), mx.transpose(E)), 10);
await time('proj 1 E·x', () => mx.matmul(E, x5.index(0).reshape([384,1])), 10);
