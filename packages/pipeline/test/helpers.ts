// Test helpers: WAV writing, fakes that implement the model contracts, and an RMS detector.
import { writeFileSync } from 'node:fs';
import type { LanguageModel, Transcriber, VoiceActivityDetector, ChatMessage, LMGenerateOptions } from '../src/index.js';

export function wavBytes(samples: Float32Array, sampleRate: number, channels = 1): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767))), 2 * i);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8); h.write('fmt ', 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(channels, 22); h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28); h.writeUInt16LE(channels * 2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
export function writeWav(path: string, samples: Float32Array, sampleRate: number, channels = 1): void {
  writeFileSync(path, wavBytes(samples, sampleRate, channels));
}

/** Tone bursts: [seconds of tone, seconds of silence] pairs, 440 Hz at amplitude 0.5. */
export function bursts(pattern: Array<[number, number]>, rate = 16000, lead = 0.5): Float32Array {
  const total = lead + pattern.reduce((s, [a, b]) => s + a + b, 0);
  const x = new Float32Array(Math.round(total * rate));
  let t = lead;
  for (const [on, off] of pattern) {
    for (let i = Math.round(t * rate); i < Math.round((t + on) * rate); i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate);
    t += on + off;
  }
  return x;
}

/** A deterministic RMS detector over 10 ms blocks: start after 30 ms of energy, end after 300 ms of quiet. */
export class RmsDetector implements VoiceActivityDetector {
  private pos = 0; private speaking = false; private run = 0; private lastVoice = 0; private carry: number[] = [];
  constructor(private readonly rate: number, private readonly threshold = 0.05) {}
  push(samples: Float32Array) {
    const block = Math.round(this.rate / 100);
    const out: Array<{ type: 'start' | 'end'; time: number }> = [];
    const all = [...this.carry, ...samples];
    let i = 0;
    for (; i + block <= all.length; i += block) {
      let e = 0; for (let k = 0; k < block; k++) e += all[i + k]! ** 2;
      const loud = Math.sqrt(e / block) > this.threshold;
      const t = this.pos / this.rate; this.pos += block;
      if (loud) { this.lastVoice = this.pos / this.rate; this.run++; if (!this.speaking && this.run >= 3) { this.speaking = true; out.push({ type: 'start', time: t - 0.02 - 0.05 }); } }
      else { this.run = 0; if (this.speaking && this.pos / this.rate - this.lastVoice >= 0.3) { this.speaking = false; out.push({ type: 'end', time: this.lastVoice + 0.05 }); } }
    }
    this.carry = all.slice(i);
    return out.map((e) => ({ ...e, time: Math.max(0, e.time) }));
  }
  flush() { return this.speaking ? [{ type: 'end' as const, time: this.pos / this.rate }] : []; }
}

/** A fake transcriber: reports the clip's duration as text, takes `delayMs`, honours the signal. */
export function fakeTranscriber(delayMs = 20, log: Array<{ seconds: number; aborted: boolean }> = []): Transcriber {
  return {
    transcribe(audio, { signal }) {
      return new Promise((resolve, reject) => {
        const entry = { seconds: audio.length / 16000, aborted: false };
        log.push(entry);
        const t = setTimeout(() => resolve({ text: ` clip ${entry.seconds.toFixed(1)} s`, segments: [] }), delayMs);
        signal.addEventListener('abort', () => { entry.aborted = true; clearTimeout(t); reject(new Error('aborted')); }, { once: true });
      });
    },
  };
}

/** A fake LM: replies "echo: <last user message>" one word per token, `tokenMs` apart; records what it saw. */
export function fakeLM(tokenMs = 5, seen: ChatMessage[][] = [], aborts: number[] = []): LanguageModel {
  return {
    async *stream(messages: string | ChatMessage[], opts?: LMGenerateOptions) {
      const msgs = typeof messages === 'string' ? [{ role: 'user' as const, content: messages }] : messages;
      seen.push(msgs);
      const words = `echo: ${msgs.at(-1)!.content}`.split(' ');
      const max = opts?.maxTokens ?? Infinity;
      for (let i = 0; i < words.length && i < max; i++) {
        await new Promise<void>((resolve) => {
          const onAbort = () => { clearTimeout(t); aborts.push(performance.now()); resolve(); };
          const t = setTimeout(() => { opts?.signal?.removeEventListener('abort', onAbort); resolve(); }, tokenMs);
          opts?.signal?.addEventListener('abort', onAbort, { once: true });
        });
        if (opts?.signal?.aborted) return;
        yield { text: (i ? ' ' : '') + words[i], token: i };
      }
    },
  };
}
