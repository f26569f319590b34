// HF / MLX-community model directories: config.json + model*.safetensors (sharded or not). MLX-community
// quantized files carry `quantization: { group_size, bits }` in config.json and `.scales`/`.biases` tensors.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { ModelFormatError } from '../errors.js';
import { getArchitecture } from '../architectures/registry.js';
import type { LoadedModelFiles } from './gguf.js';
import { MapWeights } from './weights.js';

export function loadSafetensorsModel(dir: string): LoadedModelFiles {
  const cfgPath = join(dir, 'config.json');
  if (!existsSync(cfgPath)) throw new ModelFormatError(`${dir}: no config.json.`, cfgPath);
  let raw: Record<string, any>;
  try {
    raw = JSON.parse(readFileSync(cfgPath, 'utf8'));
  } catch (e) {
    throw new ModelFormatError(`${cfgPath}: not valid JSON (${(e as Error).message}).`, cfgPath);
  }
  if (typeof raw !== 'object' || raw === null || typeof raw.model_type !== 'string') throw new ModelFormatError(`${cfgPath}: no 'model_type'.`, cfgPath);
  // Multimodal wrappers (e.g. gemma3) keep the language model's config under text_config.
  let prefix = '';
  if (raw.text_config && typeof raw.text_config === 'object') {
    raw = { ...raw.text_config, model_type: raw.text_config.model_type ?? raw.model_type, quantization: raw.quantization };
    prefix = 'language_model.';
  }
  const arch = getArchitecture(raw.model_type);
  const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
  if (!files.length) throw new ModelFormatError(`${dir}: no .safetensors files.`, dir);
  const arrays: Record<string, mx.array> = {};
  for (const f of files) {
    const loaded = mx.load(join(dir, f)) as Record<string, mx.array>;
    for (const [k, v] of Object.entries(loaded)) {
      const name = prefix && k.startsWith(prefix) ? k.slice(prefix.length) : k;
      arrays[name] = v;
    }
  }
  const q = raw.quantization ?? raw.quantization_config;
  const groupSize = typeof q?.group_size === 'number' ? q.group_size : 64;
  const weights = new MapWeights(arrays, join(dir, files[0]), (base, _w, scales) => {
    const override = q?.[base];
    const gs = typeof override?.group_size === 'number' ? override.group_size : groupSize;
    return scales.shape[scales.ndim - 1] * gs;
  });
  return { arch, rawConfig: raw, weights, source: 'hf' };
}
