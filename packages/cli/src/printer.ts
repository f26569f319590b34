// Prints pipeline events for people (or as JSON lines): transcripts, streamed replies, utterances, frames.
import type { CommandContext } from './cli.js';

type Any = Record<string, unknown>;

function jsonSafe(e: unknown): unknown {
  return JSON.parse(JSON.stringify(e, (k, v) => (v instanceof Float32Array ? { samples: v.length } : k === 'utterance' || k === 'input' ? undefined : v)));
}

export function eventPrinter(ctx: Pick<CommandContext, 'stdout' | 'stderr'>, opts: { json: boolean }) {
  const out = ctx.stdout as NodeJS.WritableStream & { isTTY?: boolean };
  let frames = 0, audioSeconds = 0, partialShown = false;
  let openReply: number | undefined; // the reply whose tokens continue the current line
  const clearPartial = () => { if (partialShown) { out.write('\r\x1b[2K'); partialShown = false; } };
  const endReply = () => { if (openReply !== undefined) { out.write('\n'); openReply = undefined; } };
  return {
    print: (raw: unknown) => {
      const e = raw as Any;
      if (opts.json) {
        if (e.samples instanceof Float32Array && 'channels' in e) { frames++; audioSeconds += (e.samples as Float32Array).length / (e.channels as number) / (e.sampleRate as number); return; }
        out.write(JSON.stringify(jsonSafe(e)) + '\n');
        return;
      }
      if (e.samples instanceof Float32Array && 'channels' in e && 'index' in e && !('final' in e)) {
        frames++; audioSeconds += (e.samples as Float32Array).length / (e.channels as number) / (e.sampleRate as number); return;
      }
      switch (e.type) {
        case 'partial': if (out.isTTY && openReply === undefined) { clearPartial(); out.write(`… ${e.text as string}`); partialShown = true; } return;
        case 'final': clearPartial(); endReply(); out.write(`you #${(e.utteranceIndex as number) + 1} [${(e.start as number).toFixed(1)}–${(e.end as number).toFixed(1)} s]: ${e.text as string}\n`); return;
        case 'token':
          clearPartial();
          if (openReply !== e.replyIndex) {
            endReply();
            out.write(`assistant${typeof e.utteranceIndex === 'number' ? ` (to #${e.utteranceIndex + 1})` : ''}: `);
            openReply = e.replyIndex as number;
          }
          out.write(e.text as string);
          return;
        case 'reply': endReply(); return;
        case 'audio': frames++; return;
        case 'start': case 'end': out.write(`speech ${e.type} at ${(e.time as number).toFixed(2)} s\n`); return;
      }
      if ('final' in e && e.samples instanceof Float32Array) { out.write(`utterance #${e.index as number} ${(e.start as number).toFixed(2)}–${(e.end as number).toFixed(2)} s${e.final ? '' : ' (partial)'}\n`); return; }
      if (typeof e.text === 'string') { out.write(`${e.text}\n`); return; }
      out.write(`${JSON.stringify(jsonSafe(e))}\n`);
    },
    end: () => {
      clearPartial(); endReply();
      if (frames) (opts.json ? ctx.stdout : ctx.stderr).write(opts.json ? JSON.stringify({ type: 'frames', count: frames, seconds: +audioSeconds.toFixed(3) }) + '\n' : `${frames} frames, ${audioSeconds.toFixed(2)} s of audio\n`);
    },
  };
}
