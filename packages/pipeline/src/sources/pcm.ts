// pcmSource: raw PCM from a Node stream or any async iterable of byte chunks, cut into timed frames.
import { Observable } from 'rxjs';
import type { Readable } from 'node:stream';
import { bytesPerSample, Framer, pcmToFloat32, type AudioFrame, type PcmFormat } from '../frames.js';
import { FrameFormatError } from '../errors.js';

export interface PcmSourceOptions extends PcmFormat { /** frame length in ms (default 20) */ frameMs?: number }

type ByteChunks = Readable | AsyncIterable<Uint8Array | Buffer | string> | NodeJS.ReadableStream;

function isDestroyable(x: unknown): x is { destroy(): void } {
  return typeof (x as { destroy?: unknown }).destroy === 'function';
}

export function validateFormat(format: PcmFormat): void {
  if (!(format.sampleRate > 0) || !Number.isFinite(format.sampleRate)) throw new FrameFormatError(`sampleRate must be a positive number, got ${format.sampleRate}`);
  if (!Number.isInteger(format.channels) || format.channels < 1) throw new FrameFormatError(`channels must be a positive integer, got ${format.channels}`);
}

/** Frames from PCM bytes. Unsubscribing stops reading and destroys the stream. */
export function pcmSource(input: ByteChunks, format: PcmSourceOptions): Observable<AudioFrame> {
  validateFormat(format);
  const encoding = format.encoding ?? 's16le';
  const width = bytesPerSample(encoding) * format.channels; // bytes per sample group
  return new Observable<AudioFrame>((subscriber) => {
    const framer = new Framer(format.sampleRate, format.channels, format.frameMs ?? 20);
    const iterator = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    let carry = new Uint8Array(0);
    let stopped = false;
    (async () => {
      try {
        for (;;) {
          const { value, done } = await iterator.next();
          if (stopped) return;
          if (done) break;
          const chunk = typeof value === 'string' ? Buffer.from(value) : (value as Uint8Array);
          let bytes = chunk;
          if (carry.length) { bytes = new Uint8Array(carry.length + chunk.length); bytes.set(carry); bytes.set(chunk, carry.length); }
          const whole = bytes.length - (bytes.length % width);
          carry = bytes.slice(whole);
          for (const f of framer.push(pcmToFloat32(bytes.subarray(0, whole), encoding))) subscriber.next(f);
        }
        for (const f of framer.flush()) subscriber.next(f);
        subscriber.complete();
      } catch (err) {
        if (!stopped) subscriber.error(err);
      }
    })();
    return () => {
      stopped = true;
      void iterator.return?.().catch(() => {});
      if (isDestroyable(input)) input.destroy();
    };
  });
}
