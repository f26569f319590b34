// Child process for bench/serve/run.mjs and gpu/run.mjs: loads the model, serves it on a free loopback port, prints
// the URL. Args: model path, KV MiB, prefill chunk, max batch (default 64).
import { createServer, loadBatchedLM } from '../../packages/serve/dist/index.js';

const [modelPath, kvMiB, prefillChunk, maxBatch] = process.argv.slice(2);
const { model } = await loadBatchedLM(modelPath);
const server = await createServer({
  port: 0, lms: [{ id: 'smollm2-135m-instruct', model }],
  scheduler: { kvMemoryBytes: Number(kvMiB) * 2 ** 20, prefillChunk: Number(prefillChunk), maxBatch: Number(maxBatch ?? 64) },
});
console.log(`URL ${server.url}`);
process.on('SIGTERM', async () => { await server.close(5000); process.exit(0); });
