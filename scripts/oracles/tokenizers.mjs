#!/usr/bin/env node
// Oracle: tokenizes the corpus with llama.cpp (node-llama-cpp, installed in scripts/oracles/node)
// for each GGUF and writes packages/lm/test/fixtures/tokenizer/<model>.json. Chat templates that
// are stored in the GGUF are rendered with Python's jinja2 (HF venv or any python3 with jinja2).
//   cd scripts/oracles/node && npm install   (once)
//   node scripts/oracles/tokenizers.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { CORPUS } from './tokenizers-corpus.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'node', 'package.json'));
const { getLlama } = await import(require.resolve('node-llama-cpp'));
const models = process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models');
const outDir = join(here, '..', '..', 'packages', 'lm', 'test', 'fixtures', 'tokenizer');
const python = process.env.PYTHON ?? (process.env.HF_PYTHON ?? '/work/hfvenv/bin/python');

const MESSAGES = [
  [{ role: 'user', content: 'Hello!' }],
  [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'What is 2+2?' }],
  [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello! How can I help?' }, { role: 'user', content: 'Tell me a joke.' }],
  [{ role: 'user', content: 'Grüße aus Köln 👋' }, { role: 'assistant', content: 'Hallo!' }],
];

function renderWithJinja2(template, bos, eos) {
  const script = `
import json, sys, jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
d = json.load(sys.stdin)
def raise_exception(m): raise jinja2.exceptions.TemplateError(m)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
env.globals['raise_exception'] = raise_exception
t = env.from_string(d['template'])
out = []
for msgs in d['messages']:
  for agp in (False, True):
    out.append({'messages': msgs, 'addGenerationPrompt': agp,
                'text': t.render(messages=msgs, add_generation_prompt=agp, bos_token=d['bos'], eos_token=d['eos'])})
print(json.dumps(out))`;
  const res = execFileSync(python, ['-c', script], { cwd: tmpdir(), input: JSON.stringify({ template, messages: MESSAGES, bos, eos }) });
  return JSON.parse(res.toString());
}

const llama = await getLlama({ gpu: false });
for (const [name, file] of [['smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf'], ['gemma-3-270m-it', 'gemma-3-270m-q4_k_m.gguf']]) {
  const modelPath = join(models, name, file);
  const model = await llama.loadModel({ modelPath, vocabOnly: true });
  const cases = CORPUS.map((text) => {
    const ids = Array.from(model.tokenize(text, true));
    const idsNoSpecial = Array.from(model.tokenize(text, false));
    return { text, ids, ...(idsNoSpecial.join() !== ids.join() ? { idsNoSpecial } : {}), decoded: model.detokenize(ids, true) };
  });
  const tok = model.tokens;
  const fixture = {
    generator: 'scripts/oracles/tokenizers.mjs (node-llama-cpp ' + JSON.parse(readFileSync(join(here, 'node', 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8')).version + ')',
    model: name, file,
    bos: tok.bos ?? null, eos: tok.eos ?? null, eot: tok.eot ?? null,
    shouldPrependBos: tok.shouldPrependBosToken,
    cases,
  };
  const meta = model.fileInfo.metadata;
  const template = meta?.tokenizer?.chat_template;
  if (template) {
    const vocab = meta.tokenizer.ggml.tokens;
    fixture.chat = renderWithJinja2(template, vocab[meta.tokenizer.ggml.bos_token_id], vocab[meta.tokenizer.ggml.eos_token_id]);
  }
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify(fixture) + '\n');
  console.log(name, cases.length, 'cases', cases.reduce((s, c) => s + c.ids.length, 0), 'tokens', template ? 'with chat' : 'no chat template');
  await model.dispose();
}
