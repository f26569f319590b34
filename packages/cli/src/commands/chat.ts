import { createInterface } from 'node:readline';
import { Conversation } from '@mlx/pipeline';
import { numberOption, stringOption, type Command } from '../cli.js';
import { loadLM } from '../models.js';
import { samplingFrom, samplingOptions } from './generate.js';

export const chatCommand: Command = {
  name: 'chat',
  summary: 'chat with a language model in the terminal',
  usage: '[options]',
  description: 'Each line you type is a message; the reply streams back. /reset clears the memory, /exit (or Ctrl-D) quits,\nCtrl-C stops a reply. Lines piped on stdin are answered in turn.',
  positionals: { min: 0, max: 0 },
  options: { ...samplingOptions, 'max-history': { type: 'string', valueName: 'n', description: 'messages kept in memory', default: '16' } },
  async run(ctx) {
    const sampling = samplingFrom(ctx.values);
    const conversation = new Conversation(stringOption(ctx.values, 'system'), numberOption(ctx.values, 'max-history', { int: true, min: 0 }));
    const lm = await loadLM(stringOption(ctx.values, 'model')!, { signal: ctx.signal });
    const tty = ctx.stdin.isTTY === true;
    const rl = createInterface({ input: ctx.stdin, output: tty ? ctx.stdout : undefined, terminal: tty });
    let replying: AbortController | undefined;
    rl.on('SIGINT', () => { if (replying) replying.abort(); else rl.close(); });
    const prompt = () => { if (tty) { rl.setPrompt('> '); rl.prompt(); } };
    prompt();
    try {
      for await (const line of rl) {
        const text = line.trim();
        if (text === '/exit' || text === '/quit') break;
        if (text === '/reset') { conversation.clear(); ctx.stdout.write('(memory cleared)\n'); prompt(); continue; }
        if (!text) { prompt(); continue; }
        replying = new AbortController();
        const signal = AbortSignal.any([replying.signal, ctx.signal]);
        let reply = '';
        try {
          for await (const t of lm.stream([...conversation.messages(), { role: 'user', content: text }], { ...sampling, signal })) {
            reply += t.text; ctx.stdout.write(t.text);
          }
        } catch (e) { if (!signal.aborted) throw e; }
        ctx.stdout.write(signal.aborted ? ' [stopped]\n' : '\n');
        conversation.add('user', text); conversation.add('assistant', reply.trim());
        replying = undefined;
        if (ctx.signal.aborted) break;
        prompt();
      }
    } finally { rl.close(); lm.dispose?.(); }
  },
};
