// The bench/gpu decode model: a llama-shaped decoder with random weights (the config of
// decodeConfig in run.mjs), greedy tokens, batch 1. Two ways to run a step:
//   eager:    the graph is built op by op in JS each step; K/V caches grow by concatenation;
//   compiled: one mx.compile'd step over fixed-shape K/V buffers (capacity `slots`): the new k/v
//             go into their slot through a one-hot select, RoPE takes the position as an array and
//             attention a boolean mask over the slots, so every step has the same shapes and the
//             traced program is replayed natively (no JS per op).
//   compiled + CUDA graph: the same compiled step with { cudaGraph: true, state }: from the second
//             call on, one graph launch per token; the K/V outputs stay in the program's buffers.
// All compute the same function (tests: the token sequences agree; see the checks in run.mjs).
import * as mx from '../../packages/core/dist/index.js';

export function buildModel(cfg, dt = mx.bfloat16) {
  const { vocab, hidden, ffn, layers, heads, kvHeads } = cfg;
  const hd = hidden / heads;
  let seed = 100;
  const lin = (o, i) => mx.astype(mx.multiply(mx.random.normal([o, i], mx.float32, 0, 1, mx.random.key(seed++)), 0.02), dt);
  const emb = lin(vocab, hidden);
  const L = Array.from({ length: layers }, () => ({
    q: lin(heads * hd, hidden), k: lin(kvHeads * hd, hidden), v: lin(kvHeads * hd, hidden), o: lin(hidden, heads * hd),
    g: lin(ffn, hidden), u: lin(ffn, hidden), d: lin(hidden, ffn),
    n1: mx.ones([hidden], dt), n2: mx.ones([hidden], dt),
  }));
  const norm = mx.ones([hidden], dt);
  mx.eval(emb, norm, ...L.flatMap((l) => Object.values(l)));
  return { cfg, hd, dt, emb, L, norm };
}

const mm = (x, wt) => mx.matmul(x, mx.transpose(wt));

// One layer's attention input projections + RoPE, shared by both step kinds. x: [1, T, hidden].
function qkv(m, l, x, T, offset) {
  const { heads, kvHeads } = m.cfg, hd = m.hd;
  let qh = mx.transpose(mx.reshape(mm(x, l.q), [1, T, heads, hd]), [0, 2, 1, 3]);
  let kh = mx.transpose(mx.reshape(mm(x, l.k), [1, T, kvHeads, hd]), [0, 2, 1, 3]);
  const vh = mx.transpose(mx.reshape(mm(x, l.v), [1, T, kvHeads, hd]), [0, 2, 1, 3]);
  qh = mx.fast.rope(qh, hd, false, 10000, 1, offset);
  kh = mx.fast.rope(kh, hd, false, 10000, 1, offset);
  return [qh, kh, vh];
}
function mlpAndOut(m, l, h, att, T) {
  h = mx.add(h, mm(mx.reshape(mx.transpose(att, [0, 2, 1, 3]), [1, T, m.cfg.hidden]), l.o));
  const y = mx.fast.rmsNorm(h, l.n2, 1e-5);
  const gate = mm(y, l.g);
  return mx.add(h, mm(mx.multiply(mx.multiply(gate, mx.sigmoid(gate)), mm(y, l.u)), l.d));
}

/** Eager decoder: forward(tokens) -> next greedy token (number). */
export function eagerDecoder(m) {
  const cache = m.L.map(() => ({ k: null, v: null }));
  let offset = 0;
  function forward(tokens) {
    const T = tokens.length;
    let h = mx.take(m.emb, mx.reshape(mx.array(tokens, mx.int32), [1, T]), 0);  // [1, T, hidden]
    for (let li = 0; li < m.L.length; li++) {
      const l = m.L[li], c = cache[li];
      const x = mx.fast.rmsNorm(h, l.n1, 1e-5);
      const [qh, kh, vh] = qkv(m, l, x, T, offset);
      c.k = c.k ? mx.concatenate([c.k, kh], 2) : kh;
      c.v = c.v ? mx.concatenate([c.v, vh], 2) : vh;
      const att = mx.fast.scaledDotProductAttention(qh, c.k, c.v, 1 / Math.sqrt(m.hd), T > 1 ? 'causal' : undefined);
      h = mlpAndOut(m, l, h, att, T);
    }
    offset += T;
    const logits = mm(mx.fast.rmsNorm(mx.take(h, mx.array([T - 1], mx.int32), 1), m.norm, 1e-5), m.emb);
    const tok = mx.argmax(mx.reshape(logits, [-1]));
    mx.eval(tok, logits, ...cache.flatMap((c) => [c.k, c.v]));
    forward.logits?.dispose();
    forward.logits = logits;  // kept for the agreement check
    const r = tok.item();
    tok.dispose();
    return r;
  };
  return forward;
}

/**
 * Compiled decoder over fixed K/V buffers of `slots` positions: forward(tokens) feeds the tokens one
 * step at a time (a prompt too) and returns the token after the last one.
 */
export function compiledDecoder(m, slots, { cudaGraph = false } = {}) {
  const { kvHeads } = m.cfg, hd = m.hd, nl = m.L.length;
  // outputs [tok, logits, ...kv], inputs [ids, pos, slotMask, attnMask, ...kv]: kv output k feeds input 4 + k
  const state = Array.from({ length: 2 * nl }, (_, k) => [2 + k, 4 + k]);
  const step = mx.compile((ids, pos, slotMask, attnMask, ...kv) => {
    let h = mx.take(m.emb, ids, 0);  // [1, 1, hidden]
    const next = [];
    for (let li = 0; li < nl; li++) {
      const l = m.L[li];
      const x = mx.fast.rmsNorm(h, l.n1, 1e-5);
      const [qh, kh, vh] = qkv(m, l, x, 1, pos);
      const keys = mx.where(slotMask, kh, kv[2 * li]), values = mx.where(slotMask, vh, kv[2 * li + 1]);
      next.push(keys, values);
      const att = mx.fast.scaledDotProductAttention(qh, keys, values, 1 / Math.sqrt(hd), attnMask);
      h = mlpAndOut(m, l, h, att, 1);
    }
    const logits = mm(mx.fast.rmsNorm(h, m.norm, 1e-5), m.emb);
    return [mx.argmax(mx.reshape(logits, [-1])), logits, ...next];
  }, cudaGraph ? { cudaGraph: true, state } : {});
  let kv = Array.from({ length: 2 * nl }, () => mx.zeros([1, kvHeads, slots, hd], m.dt));
  mx.eval(...kv);
  let offset = 0;
  const oneHot = new Uint8Array(slots), visible = new Uint8Array(slots);
  function one(token) {
    if (offset >= slots) throw new Error(`compiled decoder: more than ${slots} positions`);
    oneHot.fill(0); oneHot[offset] = 1; visible[offset] = 1;
    const ids = mx.reshape(mx.array(new Int32Array([token]), mx.int32), [1, 1]), pos = mx.array(new Int32Array([offset]), mx.int32);
    const slotMask = mx.reshape(mx.array(oneHot, mx.bool_), [1, 1, slots, 1]);
    const attnMask = mx.reshape(mx.array(visible, mx.bool_), [1, 1, 1, slots]);
    const [tok, logits, ...nkv] = step(ids, pos, slotMask, attnMask, ...kv);
    mx.eval(tok, logits, ...nkv);
    forward.logits?.dispose();
    forward.logits = logits;
    mx.dispose(kv, ids, pos, slotMask, attnMask);
    kv = nkv;
    offset++;
    const r = tok.item();
    tok.dispose();
    return r;
  }
  function forward(tokens) {
    let r = -1;
    for (const t of tokens) r = one(t);
    return r;
  }
  forward.dispose = () => { step.dispose(); mx.dispose(kv); forward.logits?.dispose(); };
  return forward;
}

/** Seconds per token over `steps` greedy steps after a prompt and 4 warm-up steps; also the tokens. */
export function timeDecode(forward, cfg) {
  const tokens = [];
  let tok = forward(Array.from({ length: cfg.prompt }, (_, i) => (i * 7919) % cfg.vocab));
  for (let i = 0; i < 4; i++) tokens.push(tok = forward([tok]));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < cfg.steps; i++) tokens.push(tok = forward([tok]));
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9 / cfg.steps, tokens };
}
