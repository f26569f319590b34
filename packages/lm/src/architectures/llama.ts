// Llama family (Llama 2/3.x, SmolLM2, Mistral): RMSNorm, GQA, SwiGLU MLP, RoPE with optional Llama 3 or linear scaling.
import { z } from 'zod';
import type { GgufValue } from '@mlx/core';
import { ModelFormatError } from '../errors.js';
import { llama3RopeFreqs, type DecoderSpec, type LayerSpec } from './decoder.js';
import { ggufCommon, ggufNumber, registerArchitecture, ropeParams, type Architecture, type Source } from './registry.js';

const rope = z.record(z.any()).nullable().optional();

export const llamaConfigSchema = z.object({
  model_type: z.string().default('llama'),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive().nullable().optional(),
  head_dim: z.number().int().positive().nullable().optional(),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().optional(),
  rope_scaling: rope,
  rope_parameters: rope,
  max_position_embeddings: z.number().int().positive().default(4096),
  tie_word_embeddings: z.boolean().default(false),
  attention_bias: z.boolean().default(false),
  /** GGUF llama files store Q/K rows permuted for interleaved RoPE (set by the GGUF loader). */
  rope_traditional: z.boolean().default(false),
  /** llama.cpp's `rope_freqs` tensor: per-pair frequency factors (Llama 3 scaling, precomputed). */
  rope_freq_factors: z.array(z.number()).optional(),
}).passthrough();
export type LlamaConfig = z.infer<typeof llamaConfigSchema>;

/** Spec of a llama-like model; qwen2/qwen3/mistral reuse it with their own schema defaults. */
export function llamaLikeSpec(c: LlamaConfig, extra: Partial<DecoderSpec> = {}): DecoderSpec {
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  if (!Number.isInteger(headDim)) throw new ModelFormatError(`hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}.`);
  const r = ropeParams(c, 10000);
  const layer: LayerSpec = { ropeBase: r.theta, ropeScale: 1, window: Infinity };
  if (c.rope_freq_factors) {
    layer.ropeBase = null;
    layer.ropeFreqs = Float32Array.from(c.rope_freq_factors, (f, i) => r.theta ** ((2 * i) / headDim) * f);
  } else if (r.type === 'llama3') {
    layer.ropeBase = null;
    layer.ropeFreqs = llama3RopeFreqs(r.theta, headDim, {
      factor: r.factor ?? 8, lowFreqFactor: r.low_freq_factor ?? 1, highFreqFactor: r.high_freq_factor ?? 4,
      originalMax: r.original_max_position_embeddings ?? 8192,
    });
  } else if (r.type === 'linear' && r.factor) {
    layer.ropeScale = 1 / r.factor;
  } else if (r.type !== 'default') {
    throw new ModelFormatError(`RoPE scaling '${r.type}' is not supported.`);
  }
  return {
    modelType: c.model_type, vocabSize: c.vocab_size, hiddenSize: c.hidden_size, numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads, numKvHeads: c.num_key_value_heads ?? c.num_attention_heads, headDim,
    rmsNormEps: c.rms_norm_eps, ropeDims: headDim, ropeTraditional: c.rope_traditional,
    layers: Array.from({ length: c.num_hidden_layers }, () => layer), qkNorm: false, activation: 'silu',
    embedScale: null, sandwichNorms: false, normPlusOne: false, attnScale: 1 / Math.sqrt(headDim),
    finalLogitSoftcap: null, maxContext: c.max_position_embeddings, tieEmbeddings: c.tie_word_embeddings, ...extra,
  };
}

/** GGUF → HF-style llama config. */
export function llamaFromGguf(md: Record<string, GgufValue>, names: Set<string>, arch: string): Record<string, unknown> {
  const cfg: Record<string, unknown> = { model_type: arch, ...ggufCommon(md, arch, names) };
  const type = md[`${arch}.rope.scaling.type`];
  const factor = ggufNumber(md, `${arch}.rope.scaling.factor`);
  if (type === 'linear' && factor) cfg.rope_scaling = { rope_type: 'linear', factor };
  return cfg;
}

const llama: Architecture<LlamaConfig> = {
  schema: llamaConfigSchema,
  fromGguf(md, names) {
    // llama.cpp's converter permutes Q/K rows so that its interleaved ("NORM") RoPE equals HF's rotate-half
    // RoPE; interleaved RoPE on the stored rows gives the same attention as HF on unpermuted rows.
    return { ...llamaFromGguf(md, names, 'llama'), rope_traditional: true };
  },
  toSpec: (c: LlamaConfig, _s: Source) => llamaLikeSpec(c),
};
declare module './registry.js' {
  interface ArchitectureRegistry { llama: LlamaConfig; mistral: LlamaConfig }
}
registerArchitecture('llama', llama);
registerArchitecture('mistral', { ...llama, fromGguf: llama.fromGguf });
