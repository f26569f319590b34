// Shared by bench/serve/run.mjs and bench/serve/gpu/run.mjs: the server child process and one streaming chat
// request against it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { benchRoot } from '../lib/harness.mjs';

/** Starts bench/serve/server.mjs (args: model path, KV MiB, prefill chunk, max batch) with extra env. */
export async function startServer(modelPath, { kvMiB = 256, prefillChunk = 256, maxBatch = 64, env = {} } = {}) {
  const child = spawn(process.execPath, [join(benchRoot, 'serve/server.mjs'), modelPath, String(kvMiB), String(prefillChunk), String(maxBatch)],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => { buf += d; const m = /URL (\S+)/.exec(buf); if (m) resolve(m[1]); });
    child.on('exit', (c) => reject(new Error(`server exited with ${c}`)));
  });
  return { child, url };
}

/** One streaming chat request; returns text, token count (from usage), TTFT and total seconds. */
export async function chat(url, content, maxTokens) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'smollm2-135m-instruct', messages: [{ role: 'user', content }], max_tokens: maxTokens,
      temperature: 0, stream: true, stream_options: { include_usage: true }, ignore_eos: true }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const dec = new TextDecoder();
  let buf = '', text = '', ttft, tokens = 0;
  for await (const chunk of res.body) {
    buf += dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const line = buf.slice(0, i); buf = buf.slice(i + 2);
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const j = JSON.parse(line.slice(6));
      if (j.error) throw new Error(j.error.message);
      if (j.usage) tokens = j.usage.completion_tokens;
      const c = j.choices?.[0]?.delta?.content;
      if (c) { ttft ??= (performance.now() - t0) / 1000; text += c; }
    }
  }
  return { text, tokens, ttft: ttft ?? NaN, total: (performance.now() - t0) / 1000 };
}

export const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };

const topics = ['the sea', 'mountains', 'a city at night', 'coffee', 'autumn', 'robots', 'the moon', 'a library',
  'rain', 'a bicycle', 'friendship', 'the desert', 'a violin', 'snow', 'a garden', 'trains'];
const kinds = ['Write a short poem about', 'Give three facts about', 'Tell a story about', 'Describe'];
/** n distinct short chat prompts (the first 32 are those of the CPU load test). */
export const prompts = (n) => Array.from({ length: n }, (_, i) => `${kinds[(i % 2) + 2 * Math.floor(i / 32) % 4]} ${topics[i % 16]}.`);
