// Qwen3 (dense): llama plus RMSNorm on each head's queries and keys before RoPE; head_dim set explicitly.
import { z } from 'zod';
import { llamaConfigSchema, llamaFromGguf, llamaLikeSpec } from './llama.js';
import { registerArchitecture, type Architecture } from './registry.js';

export const qwen3ConfigSchema = llamaConfigSchema.extend({
  model_type: z.string().default('qwen3'),
  head_dim: z.number().int().positive().default(128),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(1000000),
  max_position_embeddings: z.number().int().positive().default(32768),
});
export type Qwen3Config = z.infer<typeof qwen3ConfigSchema>;

const qwen3: Architecture<Qwen3Config> = {
  schema: qwen3ConfigSchema,
  fromGguf: (md, names) => llamaFromGguf(md, names, 'qwen3'),
  toSpec: (c) => llamaLikeSpec(c, { qkNorm: true }),
};
declare module './registry.js' {
  interface ArchitectureRegistry { qwen3: Qwen3Config }
}
registerArchitecture('qwen3', qwen3);
