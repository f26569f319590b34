import { numberOption, stringOption, type Command, type OptionSpec, type OptionValues } from '../cli.js';
import { loadLM } from '../models.js';

export const samplingOptions: Record<string, OptionSpec> = {
  model: { type: 'string', short: 'm', valueName: 'name|path', description: 'language model', default: 'smollm2-135m-instruct' },
  'max-tokens': { type: 'string', short: 'n', valueName: 'n', description: 'most tokens to generate', default: '256' },
  temperature: { type: 'string', short: 't', valueName: 'x', description: 'sampling temperature, 0 = greedy', default: '0' },
  'top-p': { type: 'string', valueName: 'p', description: 'nucleus sampling mass' },
  'top-k': { type: 'string', valueName: 'k', description: 'sample from the k most likely tokens' },
  seed: { type: 'string', valueName: 'n', description: 'random seed' },
  'repetition-penalty': { type: 'string', valueName: 'x', description: 'penalise tokens already generated (1 = off)' },
  system: { type: 'string', short: 's', valueName: 'text', description: 'system prompt' },
};

export function samplingFrom(values: OptionValues) {
  const o = {
    maxTokens: numberOption(values, 'max-tokens', { int: true, min: 1 }), temperature: numberOption(values, 'temperature', { min: 0 }),
    topP: numberOption(values, 'top-p', { min: 0, max: 1 }), topK: numberOption(values, 'top-k', { int: true, min: 0 }),
    seed: numberOption(values, 'seed', { int: true }),
    repetitionPenalty: numberOption(values, 'repetition-penalty', { min: 0 }),
  };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<typeof o>;
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a prompt, streamed as it is produced',
  usage: '<prompt> [options]',
  description: 'The prompt is sent as one user message through the model\'s chat template unless --raw is given.',
  positionals: { min: 1, max: 1 },
  options: { ...samplingOptions, raw: { type: 'boolean', description: 'use the prompt as is, without the chat template' }, stats: { type: 'boolean', description: 'print token counts and speed to stderr' } },
  examples: ['mlx generate "Write a haiku about rivers." --max-tokens 60', 'mlx generate "Once upon a time" --raw --temperature 0.8 --seed 1'],
  async run(ctx) {
    const sampling = samplingFrom(ctx.values);
    const lm = await loadLM(stringOption(ctx.values, 'model')!, { signal: ctx.signal });
    const system = stringOption(ctx.values, 'system');
    const prompt = ctx.positionals[0]!;
    const input = ctx.values.raw ? prompt : [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content: prompt }];
    const t0 = performance.now();
    let tokens = 0, first = 0;
    try {
      for await (const t of lm.stream(input, { ...sampling, signal: ctx.signal })) {
        if (!tokens) first = performance.now();
        tokens++;
        ctx.stdout.write(t.text);
      }
    } finally { lm.dispose?.(); }
    ctx.stdout.write('\n');
    if (ctx.values.stats) {
      const total = (performance.now() - t0) / 1000, decode = (performance.now() - first) / 1000;
      ctx.stderr.write(`${tokens} tokens; first after ${((first - t0) / 1000).toFixed(2)} s; ${tokens > 1 ? ((tokens - 1) / decode).toFixed(1) : '-'} tok/s; ${total.toFixed(2)} s total\n`);
    }
  },
};
