// One measurement for bench/lm/ab.mjs: @mlx/lm from a given repository root (this one, or a baseline
// checkout built the same way), greedy generation tok/s and prompt tok/s on one model. Prints one JSON line.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const cfg = JSON.parse(process.argv[2]);
const mx = await import(pathToFileURL(join(cfg.root, 'packages/core/dist/index.js')).href);
const { loadLM } = await import(pathToFileURL(join(cfg.root, 'packages/lm/dist/index.js')).href);
mx.setNumThreads(cfg.threads);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lm = await loadLM(cfg.model);
await lm.generate(cfg.prompt.slice(0, 16), { maxTokens: 4, reuseCache: false });  // warm-up
const pp = [], tg = [];
for (let r = 0; r < cfg.reps; r++) {
  if (cfg.promptTokens) pp.push((await lm.generate(cfg.prompt, { maxTokens: 1, reuseCache: false, ignoreEos: true })).stats.promptTps);
  tg.push((await lm.generate(cfg.prompt.slice(0, 8), { maxTokens: cfg.genTokens + 1, reuseCache: false, ignoreEos: true })).stats.generationTps);
}
console.log(JSON.stringify({ ppTps: pp.length ? median(pp) : null, tgTps: median(tg), file: lm.modelFile, weightBytes: lm.model.weightBytes() }));
lm.dispose();
