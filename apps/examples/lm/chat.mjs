// Interactive terminal chat with streaming: node apps/examples/lm/chat.mjs [model]
// The conversation is re-sent each turn; the LM reuses its KV cache for the common prefix. Ctrl-C stops a reply.
import * as readline from 'node:readline/promises';
import { loadLM } from '../../../packages/lm/dist/index.js';

const lm = await loadLM(process.argv[2] ?? 'smollm2-135m-instruct');
const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
const messages = [];
let ctl = null;
rl.on('SIGINT', () => { if (ctl) ctl.abort(); else { rl.close(); lm.dispose(); process.exit(0); } });
for (;;) {
  const line = await rl.question('\n> ');
  if (!line.trim()) continue;
  messages.push({ role: 'user', content: line });
  ctl = new AbortController();
  let reply = '';
  try {
    for await (const { text } of lm.stream(messages, { maxTokens: 512, temperature: 0.7, topP: 0.9, signal: ctl.signal })) {
      process.stdout.write(text);
      reply += text;
    }
  } catch (e) {
    if (e.code !== 'MLX_CANCELLED') throw e;
    process.stdout.write(' [stopped]');
  }
  ctl = null;
  messages.push({ role: 'assistant', content: reply });
}
