import { existsSync } from 'node:fs';
import { numberOption, stringOption, UsageError, type Command } from '../cli.js';
import { loadVlm } from '../models.js';

export const describeCommand: Command = {
  name: 'describe',
  summary: 'describe an image with a vision-language model',
  usage: '<image> [options]',
  positionals: { min: 1, max: 1 },
  options: {
    model: { type: 'string', short: 'm', valueName: 'name|path', description: 'vision-language model (a local folder or hf:<repo>)' },
    prompt: { type: 'string', short: 'p', valueName: 'text', description: 'question about the image', default: 'Describe this image.' },
    'max-tokens': { type: 'string', short: 'n', valueName: 'n', description: 'most tokens to generate', default: '200' },
  },
  async run(ctx) {
    const image = ctx.positionals[0]!;
    if (!existsSync(image)) throw new UsageError(`no such image file: ${image}`, 'describe');
    const model = stringOption(ctx.values, 'model');
    if (!model) throw new UsageError('--model is required (no vision-language weights ship with mlx)', 'describe');
    const vlm = await loadVlm(model, { signal: ctx.signal });
    try {
      const r = await vlm.generate({ images: [image], prompt: stringOption(ctx.values, 'prompt')!, signal: ctx.signal, maxTokens: numberOption(ctx.values, 'max-tokens', { int: true, min: 1 }) });
      ctx.stdout.write((typeof r === 'string' ? r : r.text).trim() + '\n');
    } finally { vlm.dispose?.(); }
  },
};
