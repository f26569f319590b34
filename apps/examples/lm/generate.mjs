// One-shot generation: node apps/examples/lm/generate.mjs [model] "prompt"
import { loadLM } from '../../../packages/lm/dist/index.js';

const [model = 'smollm2-135m-instruct', prompt = 'Write a haiku about autumn.'] = process.argv.slice(2);
const lm = await loadLM(model);
const r = await lm.generate([{ role: 'user', content: prompt }], { maxTokens: 128, temperature: 0 });
console.log(r.text);
console.error(`\n[${r.finishReason}] prompt ${r.stats.promptTokens} tok @ ${r.stats.promptTps.toFixed(1)} tok/s, ` +
  `generated ${r.stats.generationTokens} tok @ ${r.stats.generationTps.toFixed(1)} tok/s, peak ${(r.stats.peakMemory / 2 ** 20).toFixed(0)} MiB`);
lm.dispose();
