import { type Command, type OptionSpec } from '../cli.js';

// Options mirror @mlx/serve's own parser; they are forwarded to it unchanged.
const options: Record<string, OptionSpec> = {
  model: { type: 'string', short: 'm', multiple: true, valueName: 'name|path', description: 'language model to serve (repeatable)' },
  whisper: { type: 'string', short: 'w', multiple: true, valueName: 'name|path', description: 'Whisper model for /v1/audio/transcriptions (repeatable)' },
  host: { type: 'string', valueName: 'addr', description: 'address to bind', default: '127.0.0.1' },
  port: { type: 'string', short: 'p', valueName: 'n', description: 'port', default: '8080' },
  'api-key': { type: 'string', valueName: 'key', description: 'require "Authorization: Bearer <key>" (or set MLX_API_KEY)' },
  'kv-memory': { type: 'string', valueName: 'MiB', description: 'KV-cache memory budget' },
  'block-size': { type: 'string', valueName: 'n', description: 'tokens per KV block' },
  'max-batch': { type: 'string', valueName: 'n', description: 'most sequences decoded together' },
  'prefill-chunk': { type: 'string', valueName: 'n', description: 'prompt tokens per prefill step' },
  'max-tokens': { type: 'string', valueName: 'n', description: 'default max_tokens' },
  'shutdown-timeout': { type: 'string', valueName: 's', description: 'seconds to finish in-flight requests on SIGINT/SIGTERM' },
};

export const serveCommand: Command = {
  name: 'serve',
  summary: 'OpenAI-compatible HTTP server with continuous batching (chat, completions, transcriptions)',
  usage: '--model <name> [--whisper <name>] [options]',
  positionals: { min: 0, max: 0 },
  options,
  examples: ['mlx serve --model smollm2-135m-instruct --whisper whisper-tiny.en --port 8080'],
  async run(ctx) {
    const argv: string[] = [];
    for (const [name, v] of Object.entries(ctx.values)) {
      if (!(name in options) || v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) argv.push(`--${name}`, String(one));
    }
    const { serveCommand: start } = await import('@mlx/serve');
    const server = await start(argv, { log: (s) => ctx.stderr.write(`${s}\n`) });
    // Runs until a signal closes the server (its handlers exit the process).
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => void server.close().then(resolve, resolve), { once: true }));
  },
};
