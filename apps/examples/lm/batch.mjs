// Batched generation of several prompts at once: node apps/examples/lm/batch.mjs [model]
import { loadLM } from '../../../packages/lm/dist/index.js';

const lm = await loadLM(process.argv[2] ?? 'smollm2-135m-instruct');
const questions = ['What is the capital of France?', 'Name three colours.', 'What is 2 + 2?', 'Say hello in Spanish.'];
const results = await lm.generateBatch(questions.map((q) => [{ role: 'user', content: q }]), { maxTokens: 48 });
results.forEach((r, i) => console.log(`\n## ${questions[i]}\n${r.text}`));
console.error(`\nbatch ${questions.length}: ${results[0].stats.generationTps.toFixed(1)} tok/s in total`);
lm.dispose();
