// llama.cpp peer for bench/lm (node-llama-cpp from scripts/oracles/node-lm, CPU, given threads): prompt
// processing of N tokens and greedy generation of M tokens, medians of reps. Prints one JSON line.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cfg = JSON.parse(process.argv[2]);
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../scripts/oracles/node-lm/package.json'));
const { getLlama } = await import(require.resolve('node-llama-cpp'));
const llama = await getLlama({ gpu: false, logLevel: 'error' });
const model = await llama.loadModel({ modelPath: cfg.model });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pp = [], tg = [];
for (let r = 0; r < cfg.reps + 1; r++) {
  const context = await model.createContext({ contextSize: cfg.promptTokens + cfg.genTokens + 16, threads: cfg.threads, batchSize: cfg.promptTokens });
  const seq = context.getSequence();
  let t = performance.now();
  await seq.evaluateWithoutGeneratingNewTokens(cfg.prompt);
  const ppT = (performance.now() - t) / 1000;
  await seq.eraseContextTokenRanges([{ start: 0, end: seq.nextTokenIndex }]);
  // generation: a short prompt, then genTokens greedy tokens (time from the first generated token)
  let n = 0, t1 = 0;
  for await (const _ of seq.evaluate(cfg.prompt.slice(0, 8), { temperature: 0 })) {
    if (n === 0) t1 = performance.now();
    if (++n > cfg.genTokens) break;
  }
  const tgT = (performance.now() - t1) / 1000;
  await context.dispose();
  if (r > 0) { pp.push(cfg.promptTokens / ppT); tg.push(cfg.genTokens / tgT); }
}
console.log(JSON.stringify({ ppTps: median(pp), tgTps: median(tg) }));
await model.dispose();
await llama.dispose();
