// compiled decode step vs the same step replayed as one CUDA graph (compile option cudaGraph), on
// the bench/gpu decode model (decode-model.mjs, config from run.mjs or argv[2] as JSON). Checks that
// both give the same tokens and bit-identical logits, then times them interleaved (several rounds,
// medians). Prints one JSON object; bench/gpu/run.mjs runs it in a child process so that a crash
// here cannot take the other rows down. Usage: node bench/gpu/decode-graph.mjs ['{"layers":30,...}']
import * as mx from '../../packages/core/dist/index.js';
import { buildModel, compiledDecoder, timeDecode } from './decode-model.mjs';

if (!mx.cuda.isAvailable()) { console.error('decode-graph: no CUDA GPU'); process.exit(1); }
mx.setDefaultDevice(mx.gpu);
const cfg = { vocab: 49152, hidden: 576, ffn: 1536, layers: 30, heads: 9, kvHeads: 3, prompt: 16, steps: 64,
  ...(process.argv[2] ? JSON.parse(process.argv[2]) : {}) };
const model = buildModel(cfg);

// Same tokens and bit-identical logits over a prompt and 24 greedy steps.
function agreement() {
  const c = compiledDecoder(model, 64), g = compiledDecoder(model, 64, { cudaGraph: true });
  let tc = c([1, 50, 300, 7]), tg = g([1, 50, 300, 7]);
  let identical = mx.arrayEqual(c.logits, g.logits).item(), sameTokens = tc === tg;
  for (let i = 0; i < 24; i++) {
    tc = c([tc]); tg = g([tg]);
    identical = identical && mx.arrayEqual(c.logits, g.logits).item();
    sameTokens = sameTokens && tc === tg;
  }
  c.dispose(); g.dispose();
  return { identical, sameTokens };
}

const out = { agreement: agreement() };
mx.cuda.resetCounters();
const rounds = { compiled: [], graph: [] };
for (let r = 0; r < 3; r++) {
  for (const kind of ['compiled', 'graph']) {
    const f = compiledDecoder(model, 128, { cudaGraph: kind === 'graph' });
    rounds[kind].push(timeDecode(f, cfg).seconds);
    f.dispose();
  }
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
out.compiled = median(rounds.compiled);
out.graph = median(rounds.graph);
out.rounds = rounds;
out.counters = mx.cuda.counters();
out.memory = { active: mx.getActiveMemory(), peak: mx.getPeakMemory() };
console.log(JSON.stringify(out));
