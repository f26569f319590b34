// llama.cpp reference for @mlx/lm: greedy continuations (no repetition penalty) of chat prompts with the real
// GGUF files, through node-llama-cpp (install: cd scripts/oracles/node-lm && npm install).
// Writes packages/lm/test/fixtures/llamacpp/<model>.json: { prompts: [{ messages, text, promptIds, outputIds }] }.
// KV=F32 FLASH=0 (the fixture `<model>.f32kv.json`): KV cache in f32 and flash attention off, so llama.cpp's
// only rounding beyond float32 is its 8-bit activation quantization before each quantized matmul. Defaults
// (no env): node-llama-cpp's defaults (F16 KV, flashAttention 'auto'), fixture `<model>.json`.
// The chat template is the file's own (tokenizer.chat_template) rendered with @huggingface/jinja; Gemma 3's GGUF
// has none, so its standard template is used. Prompt ids come from llama.cpp's tokenizer (special tokens parsed).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'node-lm', 'package.json'));
const { getLlama } = await import(require.resolve('node-llama-cpp'));
const { Template } = await import(require.resolve('@huggingface/jinja'));

const models = join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models'));
const MODELS = {
  'smollm2-135m-instruct': join(models, 'smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf'),
  'gemma-3-270m-it': join(models, 'gemma-3-270m-it', 'gemma-3-270m-q4_k_m.gguf'),
};
// Gemma's documented format: a system message is prepended to the first user turn.
const GEMMA_TEMPLATE = "{{ bos_token }}{% set sys = '' %}{% if messages[0]['role'] == 'system' %}{% set sys = messages[0]['content'] + '\\n\\n' %}{% set messages = messages[1:] %}{% endif %}{% for message in messages %}{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}<start_of_turn>{{ role }}\n{{ (sys if loop.first else '') + message['content'] | trim }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}";
const PROMPTS = [
  [{ role: 'user', content: 'What is the capital of France?' }],
  [{ role: 'user', content: 'Write a haiku about the sea.' }],
  [{ role: 'user', content: 'List three prime numbers.' }],
  [{ role: 'system', content: 'You are a terse assistant.' }, { role: 'user', content: 'Explain what a CPU cache is.' }],
  [{ role: 'user', content: 'Translate "good morning" into German and Spanish.' }],
  [{ role: 'user', content: 'def fib(n):\n    # complete this Python function' }],
];
// 18 more prompts (session 4), fixed before any comparison with them was run, so that full 32-token matches are
// counted over 24 prompts. The KV/FLASH variant fixtures of session 4 were made with the first 6 only (ONLY6=1).
const EXTRA = [
  'How many legs does a spider have?', 'Name the largest planet in the solar system.', 'What is 12 times 7?',
  'Give me a synonym for "happy".', 'Who wrote Romeo and Juliet?', 'What colour do you get by mixing blue and yellow?',
  'Write one sentence about autumn.', 'What is the boiling point of water in Celsius?', 'Spell the word "necessary".',
  'Suggest a name for a pet cat.', 'What does HTML stand for?', 'Convert 5 kilometres to metres.',
  'Write a SQL query that counts the rows of a table named users.', 'What is the opposite of "ancient"?',
  'Name three fruits that are red.', 'How many days are there in a leap year?', 'What is the chemical symbol for gold?',
  'Tell me a fun fact about octopuses.',
].map((content) => [{ role: 'user', content }]);
if (process.env.ONLY6 !== '1') PROMPTS.push(...EXTRA);
const VERSION = JSON.parse(readFileSync(join(here, 'node-lm/node_modules/node-llama-cpp/package.json'), 'utf8')).version;
const N = Number(process.env.TOKENS ?? 32);
const KV = process.env.KV;  // 'F32' / 'F16' (node-llama-cpp experimentalKvCacheKeyType / ValueType)
const FLASH = process.env.FLASH === undefined ? undefined : process.env.FLASH === '1';
const SUFFIX = process.env.SUFFIX ?? (KV === 'F32' && FLASH === false ? '.f32kv' : '');
const contextSettings = { ...(KV ? { experimentalKvCacheKeyType: KV, experimentalKvCacheValueType: KV } : {}),
  ...(FLASH !== undefined ? { flashAttention: FLASH } : {}) };

const llama = await getLlama({ gpu: false });
const only = process.env.ONLY?.split(',');
for (const [name, file] of Object.entries(MODELS)) {
  if (only && !only.includes(name)) continue;
  const model = await llama.loadModel({ modelPath: file });
  const source = model.fileInfo.metadata?.tokenizer?.chat_template ?? GEMMA_TEMPLATE;
  const template = new Template(source);
  const bos = model.tokens.bos != null ? model.detokenize([model.tokens.bos], true) : '';
  const eos = model.tokens.eos != null ? model.detokenize([model.tokens.eos], true) : '';
  const out = [];
  for (const messages of PROMPTS) {
    const text = template.render({ messages, add_generation_prompt: true, bos_token: bos, eos_token: eos });
    const promptIds = Array.from(model.tokenize(text, true));
    const context = await model.createContext({ contextSize: 512, threads: 2, batchSize: 512, ...contextSettings });
    if (FLASH !== undefined && context.flashAttention !== FLASH) throw new Error(`flashAttention is ${context.flashAttention}`);
    const seq = context.getSequence();
    const outputIds = [];
    for await (const t of seq.evaluate(promptIds, { temperature: 0 })) {
      outputIds.push(t);
      if (outputIds.length >= N || model.isEogToken?.(t)) break;
    }
    await context.dispose();
    out.push({ messages, text, promptIds, outputIds, outputText: model.detokenize(outputIds) });
    console.log(name, JSON.stringify(model.detokenize(outputIds)));
  }
  const dir = join(here, '../../packages/lm/test/fixtures/llamacpp');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}${SUFFIX}.json`), JSON.stringify({ model: file.split('/').pop(), engine: 'node-llama-cpp ' + VERSION,
    context: { contextSize: 512, threads: 2, batchSize: 512, ...contextSettings }, tokens: N, prompts: out }, null, 1));
  await model.dispose();
}
await llama.dispose();
