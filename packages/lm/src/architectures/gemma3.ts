// Gemma 3 (text): sliding-window layers (local RoPE base) interleaved with global layers, q/k norms, GELU-tanh,
// embeddings scaled by sqrt(hidden), norms around attention and MLP. HF stores norm weights w for (1 + w); GGUF
// files already hold 1 + w.
import { z } from 'zod';
import { ModelFormatError } from '../errors.js';
import type { DecoderSpec, LayerSpec } from './decoder.js';
import { ggufCommon, ggufNumber, registerArchitecture, ropeParams, type Architecture } from './registry.js';

const rope = z.record(z.any()).nullable().optional();

export const gemma3ConfigSchema = z.object({
  model_type: z.string().default('gemma3_text'),
  vocab_size: z.number().int().positive().default(262208),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive(),
  head_dim: z.number().int().positive().default(256),
  query_pre_attn_scalar: z.number().positive().default(256),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(1000000),
  rope_local_base_freq: z.number().positive().default(10000),
  rope_scaling: rope,
  rope_parameters: rope,
  sliding_window: z.number().int().positive().default(4096),
  sliding_window_pattern: z.number().int().positive().optional(),
  _sliding_window_pattern: z.number().int().positive().optional(),
  layer_types: z.array(z.enum(['sliding_attention', 'full_attention'])).optional(),
  final_logit_softcapping: z.number().positive().nullable().optional(),
  max_position_embeddings: z.number().int().positive().default(131072),
  tie_word_embeddings: z.boolean().default(true),
  hidden_activation: z.string().default('gelu_pytorch_tanh'),
  /** Norm weights already include the +1 (GGUF). */
  norms_include_one: z.boolean().default(false),
}).passthrough();
export type Gemma3Config = z.infer<typeof gemma3ConfigSchema>;

function layerTypes(c: Gemma3Config): string[] {
  if (c.layer_types) {
    if (c.layer_types.length !== c.num_hidden_layers) throw new ModelFormatError(`layer_types has ${c.layer_types.length} entries for ${c.num_hidden_layers} layers.`);
    return c.layer_types;
  }
  const pattern = c.sliding_window_pattern ?? c._sliding_window_pattern ?? 6;
  return Array.from({ length: c.num_hidden_layers }, (_, i) => ((i + 1) % pattern === 0 ? 'full_attention' : 'sliding_attention'));
}

function toSpec(c: Gemma3Config): DecoderSpec {
  const layerSpec = (type: string): LayerSpec => {
    const local = type === 'sliding_attention';
    const r = ropeParams(c, local ? c.rope_local_base_freq : c.rope_theta, type);
    // transformers 4 applies rope_scaling to global layers only and keeps rope_local_base_freq for local ones
    const theta = local && !c.rope_parameters ? c.rope_local_base_freq : r.theta;
    const linear = r.type === 'linear' && r.factor && !(local && !c.rope_parameters);
    if (r.type !== 'default' && r.type !== 'linear') throw new ModelFormatError(`Gemma 3 RoPE scaling '${r.type}' is not supported.`);
    return { ropeBase: theta, ropeScale: linear ? 1 / r.factor! : 1, window: local ? c.sliding_window : Infinity };
  };
  if (c.hidden_activation !== 'gelu_pytorch_tanh' && c.hidden_activation !== 'gelu_tanh')
    throw new ModelFormatError(`Gemma 3 activation '${c.hidden_activation}' is not supported.`);
  return {
    modelType: c.model_type, vocabSize: c.vocab_size, hiddenSize: c.hidden_size, numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads, numKvHeads: c.num_key_value_heads, headDim: c.head_dim, rmsNormEps: c.rms_norm_eps,
    ropeDims: c.head_dim, ropeTraditional: false, layers: layerTypes(c).map(layerSpec), qkNorm: true,
    activation: 'gelu_tanh', embedScale: Math.sqrt(c.hidden_size), sandwichNorms: true, normPlusOne: !c.norms_include_one,
    attnScale: 1 / Math.sqrt(c.query_pre_attn_scalar), finalLogitSoftcap: c.final_logit_softcapping ?? null,
    maxContext: c.max_position_embeddings, tieEmbeddings: c.tie_word_embeddings,
  };
}

const gemma3: Architecture<Gemma3Config> = {
  schema: gemma3ConfigSchema,
  fromGguf(md, names) {
    const common = ggufCommon(md, 'gemma3', names);
    const swaBase = ggufNumber(md, 'gemma3.rope.freq_base_swa');
    const factor = ggufNumber(md, 'gemma3.rope.scaling.factor');
    return {
      ...common, model_type: 'gemma3_text', norms_include_one: true,
      // llama.cpp scales queries by 1/sqrt(head_dim) for these files
      query_pre_attn_scalar: common.head_dim,
      sliding_window: ggufNumber(md, 'gemma3.attention.sliding_window'),
      ...(swaBase ? { rope_local_base_freq: swaBase } : {}),
      ...(factor && factor !== 1 ? { rope_scaling: { rope_type: 'linear', factor } } : {}),
    };
  },
  ggufNames: {
    ffn_norm: 'pre_feedforward_layernorm', post_attention_norm: 'post_attention_layernorm',
    post_ffw_norm: 'post_feedforward_layernorm',
  },
  toSpec,
};
declare module './registry.js' {
  interface ArchitectureRegistry { gemma3_text: Gemma3Config; gemma3: Gemma3Config }
}
registerArchitecture('gemma3_text', gemma3);
registerArchitecture('gemma3', gemma3);
