// `mlx serve`: the CLI entry. Loads the models named on the command line and serves them until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { createServer, type MlxServer } from './server/server.js';
import { loadBatchedLM } from './lm-adapter.js';
import { transcriberFromWhisper } from './load.js';

export const serveUsage = `Usage: mlx serve [options]
  --model, -m <name|path>   language model to serve (repeatable), e.g. smollm2-135m-instruct
  --whisper, -w <name|path> Whisper model for /v1/audio/transcriptions (repeatable), e.g. whisper-tiny.en
  --host <addr>             bind address (default 127.0.0.1)
  --port, -p <n>            port (default 8080)
  --api-key <key>           require Authorization: Bearer <key> (default: $MLX_API_KEY, else none)
  --kv-memory <MiB>         KV cache budget per model (default 256)
  --block-size <n>          tokens per KV block (default 16)
  --max-batch <n>           most sequences decoding at once (default 64)
  --prefill-chunk <n>       most prompt tokens per step (default 128)
  --max-tokens <n>          default max_tokens for chat completions (default 512)
  --shutdown-timeout <s>    seconds to finish in-flight requests on shutdown (default 10)`;

const idOf = (nameOrPath: string) => basename(nameOrPath).replace(/\.(gguf|bin)$/, '');

/** Parses `argv` (without `serve`), loads models, starts the server and wires signals. Resolves once listening. */
export async function serveCommand(argv: string[], io: { log?: (s: string) => void; installSignals?: boolean } = {}): Promise<MlxServer> {
  const log = io.log ?? ((s: string) => console.error(s));
  const { values } = parseArgs({
    args: argv, allowPositionals: false, strict: true,
    options: {
      model: { type: 'string', short: 'm', multiple: true }, whisper: { type: 'string', short: 'w', multiple: true },
      host: { type: 'string' }, port: { type: 'string', short: 'p' }, 'api-key': { type: 'string' },
      'kv-memory': { type: 'string' }, 'block-size': { type: 'string' }, 'max-batch': { type: 'string' },
      'prefill-chunk': { type: 'string' }, 'max-tokens': { type: 'string' }, 'shutdown-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || (!values.model?.length && !values.whisper?.length)) {
    log(serveUsage);
    if (!values.help) throw new Error('mlx serve: give at least one --model or --whisper.');
  }
  const num = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`mlx serve: --${name} must be a non-negative number (got '${v}').`);
    return n;
  };
  const lms: Array<{ id: string; model: import('./model.js').BatchedLM }> = [];
  for (const m of values.model ?? []) {
    log(`loading ${m} …`);
    lms.push({ id: idOf(m), model: (await loadBatchedLM(m)).model });
  }
  const transcribers: Array<{ id: string; transcribe: import('./server/audio.js').Transcriber }> = [];
  for (const w of values.whisper ?? []) {
    log(`loading ${w} …`);
    transcribers.push({ id: idOf(w), transcribe: (await transcriberFromWhisper(w)).transcribe });
  }
  const kvMiB = num(values['kv-memory'], 'kv-memory');
  const server = await createServer({
    lms, transcribers, host: values.host, port: num(values.port, 'port') ?? 8080,
    apiKey: values['api-key'] ?? process.env.MLX_API_KEY,
    defaultMaxTokens: num(values['max-tokens'], 'max-tokens'),
    shutdownTimeoutMs: (num(values['shutdown-timeout'], 'shutdown-timeout') ?? 10) * 1000,
    scheduler: {
      kvMemoryBytes: kvMiB !== undefined ? kvMiB * 2 ** 20 : undefined, blockSize: num(values['block-size'], 'block-size'),
      maxBatch: num(values['max-batch'], 'max-batch'), prefillChunk: num(values['prefill-chunk'], 'prefill-chunk'),
    },
    log,
  });
  log(`mlx serve: listening on ${server.url} (models: ${[...lms, ...transcribers].map((m) => m.id).join(', ')})`);
  if (io.installSignals !== false) {
    const stop = (sig: string) => {
      log(`mlx serve: ${sig}, finishing in-flight requests …`);
      server.close().then(() => { for (const m of lms) m.model.dispose?.(); process.exit(0); }, () => process.exit(1));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  }
  return server;
}
