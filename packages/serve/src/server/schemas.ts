// zod schemas for the OpenAI request bodies we accept. Unknown keys are dropped; wrong types and ranges are 400s.
import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';

const stop = z.union([z.string(), z.array(z.string()).max(4)]).nullish();

const sampling = {
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  min_p: z.number().min(0).max(1).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  repetition_penalty: z.number().gt(0).nullish(),
  logit_bias: z.record(z.string().regex(/^\d+$/), z.number().min(-100).max(100)).nullish(),
  seed: z.number().int().nullish(),
  n: z.number().int().min(1).max(1, 'Only n = 1 is supported.').nullish(),
  stop,
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  user: z.string().optional(),
  ignore_eos: z.boolean().optional(),
};

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.union([z.string(), z.object({ url: z.string(), detail: z.string().optional() })]),
});
const contentPart = z.discriminatedUnion('type', [textPart, imagePart]);

export const chatMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(contentPart)]).nullish(),
  name: z.string().optional(),
});

export const chatRequest = z.object({
  model: z.string().min(1),
  messages: z.array(chatMessage).min(1),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  ...sampling,
});
export type ChatRequest = z.infer<typeof chatRequest>;

export const completionRequest = z.object({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).length(1), z.array(z.number().int().min(0)).min(1)]),
  max_tokens: z.number().int().min(1).nullish(),
  echo: z.boolean().nullish(),
  ...sampling,
});
export type CompletionRequest = z.infer<typeof completionRequest>;

export const transcriptionFields = z.object({
  model: z.string().min(1),
  language: z.string().optional(),
  prompt: z.string().optional(),
  response_format: z.enum(['json', 'text', 'srt', 'vtt', 'verbose_json']).default('json'),
  temperature: z.coerce.number().min(0).max(1).optional(),
});

/** Parses with a schema; the first issue becomes an OpenAI-style 400 naming the offending parameter. */
export function parseOr400<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.join('.');
  throw new InvalidRequestError(`Invalid request: ${path ? `'${path}': ` : ''}${issue.message}`, path || null, 'invalid_value');
}
