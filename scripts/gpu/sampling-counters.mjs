// Which primitives of a sampled decode step still run on the CPU (GPU machine): an embedding gather
// with device-resident token ids, logits, the LM sampler (temperature, top-k/p, min-p, repetition
// penalty) and a KV-cache row write, a few steps with the GPU as default device. Prints the
// backend counters `fallback:<Primitive>` (count of CPU-kernel runs). Usage: node scripts/gpu/sampling-counters.mjs
import * as mx from '../../packages/core/dist/index.js';
import { makeSampler } from '../../packages/lm/dist/index.js';

const gpu = mx.cuda.isAvailable();
if (gpu) mx.setDefaultDevice(mx.gpu);
const V = 49152, D = 576, T = 64;
const emb = mx.astype(mx.random.normal([V, D], mx.float32, 0, 0.05, mx.random.key(1)), mx.bfloat16);
let cache = mx.zeros([3, T, D / 3], mx.bfloat16);
mx.eval(emb, cache);
const sampler = makeSampler({ temperature: 0.8, topK: 40, topP: 0.9, minP: 0.05, repetitionPenalty: 1.1, seed: 7 }, V);
const history = [[1, 2, 3]];
let tok = mx.array([3], mx.int32);
if (gpu) mx.cuda.resetCounters();
for (let step = 0; step < 8; step++) {
  const h = mx.take(emb, tok, 0);                                        // [1, D], ids on the device after step 0
  const logits = mx.astype(mx.matmul(h, mx.transpose(emb)), mx.float32);  // [1, V]
  const row = mx.reshape(mx.astype(h, mx.bfloat16), [3, 1, D / 3]);
  const pos = mx.add(mx.multiply(tok, 0), step);                          // device-resident position
  cache = mx.indexPut_(cache, [mx.Slice(), pos], row);
  tok = sampler.sample(logits, history);
  mx.eval(tok, cache);
  history[0].push(tok.item());
}
const counters = gpu ? mx.cuda.counters() : {};
const fallbacks = Object.fromEntries(Object.entries(counters).filter(([k]) => k.startsWith('fallback:')));
console.log('sampled tokens:', history[0].slice(3).join(' '));
console.log('fallbacks over 8 sampled steps:', JSON.stringify(fallbacks));
