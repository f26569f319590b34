// Describe one or more images with a VLM saved by transformers (LLaVA, Idefics3/SmolVLM, Qwen2-VL).
// Usage: node apps/examples/vlm/describe.mjs <model-dir> <image> [image…] [--prompt "…"]
// Without arguments it runs the tiny random test model (its text is gibberish; it shows the API).
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVLM } from '../../../packages/vlm/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', '..', '..', 'packages', 'vlm', 'test', 'fixtures');
const args = process.argv.slice(2);
const pi = args.indexOf('--prompt');
const question = pi >= 0 ? args.splice(pi, 2)[1] : 'Describe the images.';
const [modelDir = join(fixtures, 'idefics3'), ...images] = args;
if (!images.length) images.push(join(fixtures, 'images', 'a.png'), join(fixtures, 'images', 'f.jpg'));

const vlm = await loadVLM(modelDir);
const ac = new AbortController();
process.on('SIGINT', () => ac.abort());
// Chat messages: each {type: 'image'} part becomes the model's image placeholder.
const messages = [{ role: 'user', content: [...images.map(() => ({ type: 'image' })), { type: 'text', text: question }] }];
let prompt;
try { vlm.renderMessages(messages); } catch { prompt = `User:${vlm.imageToken.repeat(images.length)}${question}\nAssistant:`; }
for await (const { text } of vlm.stream(prompt ? { images, prompt } : { images, messages }, { maxTokens: 48, temperature: 0, signal: ac.signal })) {
  process.stdout.write(text);
}
const r = await vlm.generate(prompt ? { images, prompt } : { images, messages }, { maxTokens: 16, temperature: 0 });
console.log('\n---\nstats:', r.stats);
vlm.dispose();
