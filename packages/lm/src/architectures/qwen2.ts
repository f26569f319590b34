// Qwen2 / Qwen2.5: llama with biases on the Q/K/V projections (read from the weights when present).
import { z } from 'zod';
import { llamaConfigSchema, llamaFromGguf, llamaLikeSpec } from './llama.js';
import { registerArchitecture, type Architecture } from './registry.js';

export const qwen2ConfigSchema = llamaConfigSchema.extend({
  model_type: z.string().default('qwen2'),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(1000000),
  max_position_embeddings: z.number().int().positive().default(32768),
  sliding_window: z.number().int().nullable().optional(),
  use_sliding_window: z.boolean().default(false),
});
export type Qwen2Config = z.infer<typeof qwen2ConfigSchema>;

const qwen2: Architecture<Qwen2Config> = {
  schema: qwen2ConfigSchema,
  fromGguf: (md, names) => llamaFromGguf(md, names, 'qwen2'),
  toSpec: (c) => llamaLikeSpec(c),
};
declare module './registry.js' {
  interface ArchitectureRegistry { qwen2: Qwen2Config }
}
registerArchitecture('qwen2', qwen2);
