// GPU profiling helpers for bench/gpu (run on the GPU machine):
//   node bench/gpu/profile.mjs kernels  -> a few launches of the attention / qmv kernels (for ncu)
//   node bench/gpu/profile.mjs attn     -> GPU time of the causal bf16 attention case (CUDA events)
//   node bench/gpu/profile.mjs decode   -> where a decode step's time goes: graph building in JS,
//                                          eval (dispatch + GPU), the final item() read
import * as mx from '../../packages/core/dist/index.js';
import N from '../../packages/native/index.js';

const what = process.argv[2] ?? 'decode';
mx.setDefaultDevice(mx.gpu);
const key = (i) => mx.random.key(i);
const randn = (shape, dt, i) => { const x = mx.astype(mx.random.normal(shape, mx.float32, 0, 1, key(i)), dt); mx.eval(x); return x; };

function gpuMs(fn, reps = 10) {
  for (let i = 0; i < 3; i++) mx.tidy(() => { mx.eval(fn()); return undefined; });
  const ts = [];
  for (let i = 0; i < reps; i++) {
    N.setBackendOption(1, 'timerStart', mx.defaultStream(mx.gpu).index);
    mx.tidy(() => { mx.eval(fn()); return undefined; });
    ts.push(mx.cuda.counters().timer_ms);
  }
  return ts.sort((a, b) => a - b)[reps >> 1];
}

if (what === 'attn') {
  const q = randn([1, 32, 4096, 128], mx.bfloat16, 6), k = randn([1, 32, 4096, 128], mx.bfloat16, 7), v = randn([1, 32, 4096, 128], mx.bfloat16, 8);
  const ms = gpuMs(() => mx.fast.scaledDotProductAttention(q, k, v, 1 / Math.sqrt(128), 'causal'));
  const tf = 4 * 32 * 4096 * 4096 * 128 / 2 / (ms / 1e3) / 1e12;
  const msN = gpuMs(() => mx.fast.scaledDotProductAttention(q, k, v, 1 / Math.sqrt(128)));
  console.log(`attention bf16 1x32x4096x128 (warps ${process.env.MLX_CUDA_FLASH_WARPS ?? 8}): causal ${ms.toFixed(3)} ms (${tf.toFixed(0)} TFLOP/s), no mask ${msN.toFixed(3)} ms (${(2 * tf * ms / msN).toFixed(0)} TFLOP/s)`);
} else if (what === 'kernels') {
  const q = randn([1, 32, 4096, 128], mx.bfloat16, 6), k = randn([1, 32, 4096, 128], mx.bfloat16, 7), v = randn([1, 32, 4096, 128], mx.bfloat16, 8);
  const qd = randn([1, 32, 1, 128], mx.bfloat16, 12), kd = randn([1, 8, 4096, 128], mx.bfloat16, 13), vd = randn([1, 8, 4096, 128], mx.bfloat16, 14);
  const W = randn([14336, 4096], mx.bfloat16, 9);
  const [wq, sc, bi] = mx.quantize(W, 64, 4);
  const xv = randn([1, 4096], mx.bfloat16, 10);
  for (let i = 0; i < 2; i++) {
    mx.eval(mx.fast.scaledDotProductAttention(q, k, v, 1 / Math.sqrt(128), 'causal'));
    mx.eval(mx.fast.scaledDotProductAttention(qd, kd, vd, 1 / Math.sqrt(128)));
    mx.eval(mx.quantizedMatmul(xv, wq, sc, bi, true, 64, 4));
  }
  console.log('kernels done');
} else {
  const cfg = { vocab: 49152, hidden: 576, ffn: 1536, layers: 30, heads: 9, kvHeads: 3 };
  const { vocab, hidden, ffn, layers, heads, kvHeads } = cfg;
  const hd = hidden / heads, dt = mx.bfloat16;
  let seed = 100;
  const lin = (o, i) => mx.astype(mx.multiply(mx.random.normal([o, i], mx.float32, 0, 1, key(seed++)), 0.02), dt);
  const emb = lin(vocab, hidden);
  const L = Array.from({ length: layers }, () => ({
    q: lin(heads * hd, hidden), k: lin(kvHeads * hd, hidden), v: lin(kvHeads * hd, hidden), o: lin(hidden, heads * hd),
    g: lin(ffn, hidden), u: lin(ffn, hidden), d: lin(hidden, ffn), n1: mx.ones([hidden], dt), n2: mx.ones([hidden], dt),
  }));
  const norm = mx.ones([hidden], dt);
  mx.eval(emb, norm, ...L.flatMap((l) => Object.values(l)));
  const mm = (x, wt) => mx.matmul(x, mx.transpose(wt));
  const cache = L.map(() => ({ k: null, v: null }));
  let offset = 0;
  const acc = { build: 0, eval: 0, item: 0, n: 0 };
  function forward(tokens, record) {
    const t0 = process.hrtime.bigint();
    const T = tokens.length;
    let h = mx.take(emb, mx.reshape(mx.array(tokens, mx.int32), [1, T]), 0);
    for (let li = 0; li < layers; li++) {
      const l = L[li], c = cache[li];
      const x = mx.fast.rmsNorm(h, l.n1, 1e-5);
      let qh = mx.transpose(mx.reshape(mm(x, l.q), [1, T, heads, hd]), [0, 2, 1, 3]);
      let kh = mx.transpose(mx.reshape(mm(x, l.k), [1, T, kvHeads, hd]), [0, 2, 1, 3]);
      const vh = mx.transpose(mx.reshape(mm(x, l.v), [1, T, kvHeads, hd]), [0, 2, 1, 3]);
      qh = mx.fast.rope(qh, hd, false, 10000, 1, offset);
      kh = mx.fast.rope(kh, hd, false, 10000, 1, offset);
      c.k = c.k ? mx.concatenate([c.k, kh], 2) : kh;
      c.v = c.v ? mx.concatenate([c.v, vh], 2) : vh;
      const att = mx.fast.scaledDotProductAttention(qh, c.k, c.v, 1 / Math.sqrt(hd), T > 1 ? 'causal' : undefined);
      h = mx.add(h, mm(mx.reshape(mx.transpose(att, [0, 2, 1, 3]), [1, T, hidden]), l.o));
      const y = mx.fast.rmsNorm(h, l.n2, 1e-5);
      const gate = mm(y, l.g);
      h = mx.add(h, mm(mx.multiply(mx.multiply(gate, mx.sigmoid(gate)), mm(y, l.u)), l.d));
    }
    offset += T;
    const logits = mm(mx.fast.rmsNorm(mx.take(h, mx.array([T - 1], mx.int32), 1), norm, 1e-5), emb);
    const tok = mx.argmax(mx.reshape(logits, [-1]));
    const t1 = process.hrtime.bigint();
    mx.eval(tok, ...cache.flatMap((c) => [c.k, c.v]));
    const t2 = process.hrtime.bigint();
    const r = tok.item();
    const t3 = process.hrtime.bigint();
    if (record) { acc.build += Number(t1 - t0); acc.eval += Number(t2 - t1); acc.item += Number(t3 - t2); acc.n++; }
    return r;
  }
  let tok = forward(Array.from({ length: 16 }, (_, i) => (i * 7919) % vocab), false);
  for (let i = 0; i < 4; i++) tok = forward([tok], false);
  mx.cuda.resetCounters();
  for (let i = 0; i < 32; i++) tok = forward([tok], true);
  const f = (x) => (x / acc.n / 1e6).toFixed(3);
  console.log(`decode step (${process.env.PROFILE_TAG ?? 'default'}): build ${f(acc.build)} ms, eval ${f(acc.eval)} ms, item ${f(acc.item)} ms, total ${f(acc.build + acc.eval + acc.item)} ms; counters ${JSON.stringify(mx.cuda.counters())}`);
}
