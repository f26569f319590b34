// GGUF → (architecture, config, weights). Tensor names are mapped to HF names; quantized tensors stay quantized
// (Q4_0/Q4_1/Q8_0 as affine g32 by @mlx/core; Q4_K/Q5_0/Q6_K through its exact affine forms).
import * as mx from '@mlx/core';
import { ModelFormatError } from '../errors.js';
import { getArchitecture, type Architecture } from '../architectures/registry.js';
import { MapWeights } from './weights.js';
import { narrowGgufTensors } from './narrow.js';

const TOP: Record<string, string> = { token_embd: 'model.embed_tokens', output_norm: 'model.norm', output: 'lm_head', rope_freqs: 'rope_freqs' };
const BLOCK: Record<string, string> = {
  attn_norm: 'input_layernorm', attn_q: 'self_attn.q_proj', attn_k: 'self_attn.k_proj', attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj', attn_q_norm: 'self_attn.q_norm', attn_k_norm: 'self_attn.k_norm',
  ffn_norm: 'post_attention_layernorm', ffn_gate: 'mlp.gate_proj', ffn_up: 'mlp.up_proj', ffn_down: 'mlp.down_proj',
};

export function hfName(gguf: string, overrides: Record<string, string> = {}): string | undefined {
  const m = /^blk\.(\d+)\.([a-z_0-9]+)\.(weight|bias|scales|biases)$/.exec(gguf);
  if (m) {
    const mapped = overrides[m[2]] ?? BLOCK[m[2]];
    return mapped ? `model.layers.${m[1]}.${mapped}.${m[3]}` : undefined;
  }
  const t = /^([a-z_0-9]+)\.(weight|bias|scales|biases)$/.exec(gguf);
  if (t && TOP[t[1]]) return `${TOP[t[1]]}.${t[2]}`;
  return undefined;
}

export interface LoadedModelFiles {
  arch: Architecture;
  rawConfig: Record<string, unknown>;
  weights: MapWeights;
  metadata?: Record<string, mx.GgufValue>;
  source: 'gguf' | 'hf';
}

/** `dequantize`: every tensor as float32 (a reference path: slower, 4-8x the memory). */
export function loadGgufModel(path: string, opts: { dequantize?: boolean } = {}): LoadedModelFiles {
  const header = mx.readGgufHeader(path);
  const md = header.metadata;
  const archName = md['general.architecture'];
  if (typeof archName !== 'string') throw new ModelFormatError(`${path}: GGUF metadata lacks 'general.architecture'.`, path);
  const arch = getArchitecture(archName);
  const names = new Set(header.tensors.map((t) => t.name));
  const rawConfig = arch.fromGguf(md, names);
  const inDims = new Map(header.tensors.map((t) => [t.name.replace(/\.weight$/, ''), t.shape[t.shape.length - 1]]));
  const types = new Map(header.tensors.map((t) => [t.name.replace(/\.weight$/, ''), t.type]));
  const [arrays] = opts.dequantize ? mx.loadGguf(path, { dequantize: true }) : mx.loadGguf(path, { kQuantsAsAffine: true });
  if (opts.dequantize) {
    for (const [k, a] of Object.entries(arrays)) if (a.dtype !== mx.float32) { arrays[k] = mx.astype(a, mx.float32); a.dispose(); }
  } else if (process.env.MLX_LM_NARROW === '1') {
    // Opt-in: Q5_0/Q6_K at 5/6 bits read 5/8 and 6/8 of the bytes, but their unpacking costs more per weight
    // than 8 bits; on this machine (weights largely in L3) 8 bits decoded faster (bench/RESULTS.md).
    narrowGgufTensors(arrays, (base) => types.get(base));
  }
  const mapped: Record<string, mx.array> = {};
  const ggufOf = new Map<string, string>();
  for (const [name, a] of Object.entries(arrays)) {
    const hf = hfName(name, arch.ggufNames);
    if (!hf) { a.dispose(); continue; }
    mapped[hf] = a;
    ggufOf.set(hf.replace(/\.(weight|scales|biases|bias)$/, ''), name.replace(/\.(weight|scales|biases|bias)$/, ''));
  }
  const ff = mapped['rope_freqs.weight'];
  if (ff) { rawConfig.rope_freq_factors = Array.from(mx.astype(ff, mx.float32).toTypedArray() as Float32Array); }
  const weights = new MapWeights(mapped, path, (base) => {
    const k = inDims.get(ggufOf.get(base) ?? '');
    if (!k) throw new ModelFormatError(`${path}: no header entry for '${base}'.`, path);
    return k;
  }, (base) => types.get(ggufOf.get(base) ?? ''));
  return { arch, rawConfig, weights, metadata: md, source: 'gguf' };
}
