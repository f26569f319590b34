// Architecture plugins: a model_type registered from outside the package (its config type declared by declaration
// merging) loads a model, and its logits match HF transformers' (the llama parity fixture, renamed).
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { getArchitecture, loadLM, ModelFormatError, registerArchitecture, registeredArchitectures, UnknownArchitectureError, type Architecture } from '../src/index.js';
import type { LlamaConfig } from '../src/architectures/llama.js';

declare module '../src/architectures/registry.js' {
  interface ArchitectureRegistry { my_llama_plugin: LlamaConfig }
}

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hf', 'llama');

describe('architecture registry', () => {
  it('a plugin model_type loads and matches the transformers oracle; duplicates and unknown names are typed errors', async () => {
    const llama = getArchitecture('llama');
    let specs = 0;
    const plugin: Architecture<LlamaConfig> = { ...llama, toSpec: (c, s) => { specs++; return llama.toSpec(c, s); } };
    registerArchitecture('my_llama_plugin', plugin);
    expect(registeredArchitectures()).toContain('my_llama_plugin');
    expect(() => registerArchitecture('my_llama_plugin', plugin)).toThrow(ModelFormatError);
    expect(() => registerArchitecture('llama', llama)).toThrow(/'llama' is already registered/);
    expect(() => getArchitecture('no_such_model_type')).toThrow(UnknownArchitectureError);
    expect(() => getArchitecture('no_such_model_type')).toThrow(/Registered: .*my_llama_plugin/);

    const dir = mkdtempSync(join(tmpdir(), 'mlx-lm-plugin-'));
    cpSync(fixture, dir, { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'my_llama_plugin' }));
    const lm = await loadLM(dir);
    expect(specs).toBe(1);
    const exp = mx.load(join(dir, 'expected.safetensors')) as Record<string, mx.array>;
    const logits = mx.squeeze(lm.model.forward(mx.expandDims(exp.prompt_ids!, 0), lm.model.newCache()), 0);
    const err = (mx.max(mx.abs(mx.subtract(logits, exp.prompt_logits!))).item() as number) / (mx.max(mx.abs(exp.prompt_logits!)).item() as number);
    expect(err).toBeLessThan(1e-4);
    lm.dispose();
  });
});
