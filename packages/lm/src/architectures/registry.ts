// Architecture plugins: `model_type` (HF config.json) / `general.architecture` (GGUF) → config schema + spec.
import type { z } from 'zod';
import type { GgufValue } from '@mlx/core';
import { ModelFormatError, UnknownArchitectureError } from '../errors.js';
import type { DecoderSpec } from './decoder.js';

export type Source = 'hf' | 'gguf';

export interface Architecture<C = any> {
  /** Zod schema of the HF-style config (keeps known keys, defaults optional ones, rejects wrong types). */
  schema: z.ZodType<C, z.ZodTypeDef, unknown>;
  /** HF-style config from GGUF metadata (`{arch}.*` keys) and the file's tensor names. */
  fromGguf(md: Record<string, GgufValue>, tensorNames: Set<string>): Record<string, unknown>;
  /** GGUF tensor-name suffixes that differ from the common llama.cpp → HF mapping. */
  ggufNames?: Record<string, string>;
  toSpec(config: C, source: Source): DecoderSpec;
}

/**
 * The config type of each `model_type`, by name. Built-ins declare theirs next to their code; a plugin merges its own in
 *   declare module '@mlx/lm' { interface ArchitectureRegistry { mymodel: MyConfig } }
 * and `registerArchitecture('mymodel', …)` then checks its schema and toSpec against MyConfig.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ArchitectureRegistry {}
/** The declared config type of a model_type (any for names nobody declared). */
export type ArchitectureConfig<K extends string> = K extends keyof ArchitectureRegistry ? ArchitectureRegistry[K] : any;

const registry = new Map<string, Architecture>();

export function registerArchitecture<K extends string>(modelType: K, arch: Architecture<ArchitectureConfig<K>>): void {
  if (registry.has(modelType)) throw new ModelFormatError(`Architecture '${modelType}' is already registered.`);
  registry.set(modelType, arch);
}

export function getArchitecture<K extends string>(modelType: K): Architecture<ArchitectureConfig<K>> {
  const a = registry.get(modelType);
  if (!a) throw new UnknownArchitectureError(modelType, [...registry.keys()]);
  return a;
}

export const registeredArchitectures = (): string[] => [...registry.keys()];

/** Parses a config with the architecture's schema; zod issues become a ModelFormatError naming the keys. */
export function parseConfig<C>(arch: Architecture<C>, raw: unknown, file: string): C {
  const r = arch.schema.safeParse(raw);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ModelFormatError(`${file}: invalid model config: ${msg}`, file);
  }
  return r.data;
}

// ---- helpers shared by the architecture files ----

/** Reads `{prefix}.key` from GGUF metadata as a number (undefined when absent; error when not numeric). */
export function ggufNumber(md: Record<string, GgufValue>, key: string): number | undefined {
  const v = md[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new ModelFormatError(`GGUF metadata '${key}' should be a number, got ${typeof v}.`);
  return v;
}

/** The common HF keys of a llama-like GGUF file. */
export function ggufCommon(md: Record<string, GgufValue>, arch: string, tensorNames: Set<string>): Record<string, unknown> {
  const n = (k: string) => ggufNumber(md, `${arch}.${k}`);
  const tokens = md['tokenizer.ggml.tokens'];
  const heads = n('attention.head_count');
  const hidden = n('embedding_length');
  return {
    vocab_size: n('vocab_size') ?? (Array.isArray(tokens) ? tokens.length : undefined),
    hidden_size: hidden,
    intermediate_size: n('feed_forward_length'),
    num_hidden_layers: n('block_count'),
    num_attention_heads: heads,
    num_key_value_heads: n('attention.head_count_kv') ?? heads,
    head_dim: n('attention.key_length') ?? n('rope.dimension_count') ?? (hidden && heads ? hidden / heads : undefined),
    rms_norm_eps: n('attention.layer_norm_rms_epsilon'),
    rope_theta: n('rope.freq_base'),
    max_position_embeddings: n('context_length'),
    tie_word_embeddings: !tensorNames.has('output.weight'),
  };
}

export interface RopeParams { theta: number; type: string; factor?: number; low_freq_factor?: number; high_freq_factor?: number; original_max_position_embeddings?: number }

/**
 * RoPE parameters from either spelling: transformers ≤ 4 (`rope_theta`, `rope_scaling`) or 5 (`rope_parameters`,
 * possibly keyed by layer type as Gemma 3 does).
 */
export function ropeParams(cfg: { rope_theta?: number; rope_scaling?: Record<string, any> | null; rope_parameters?: Record<string, any> | null }, defaultTheta: number, layerType?: string): RopeParams {
  let p: Record<string, any> | null | undefined = cfg.rope_parameters;
  if (p && layerType && typeof p[layerType] === 'object') p = p[layerType];
  else if (p && typeof p.rope_theta !== 'number' && !p.rope_type) p = null;
  const scaling = p ?? cfg.rope_scaling ?? {};
  return {
    ...scaling,
    theta: p?.rope_theta ?? cfg.rope_theta ?? defaultTheta,
    type: scaling.rope_type ?? scaling.type ?? 'default',
  } as RopeParams;
}
