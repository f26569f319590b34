// wavFileSource: frames from a RIFF/WAVE file, read incrementally, emitted as fast as possible or paced.
import { Observable } from 'rxjs';
import { open, type FileHandle } from 'node:fs/promises';
import { Framer, pcmToFloat32, type AudioFrame, type PcmEncoding } from '../frames.js';
import { WavFormatError } from '../errors.js';

export interface WavInfo { sampleRate: number; channels: number; encoding: PcmEncoding; dataOffset: number; dataBytes: number; duration: number }

/** Parses the header chunks of a WAV file held in `head` (the first bytes of the file). */
export function parseWavHeader(head: Uint8Array, file = '<wav>', fileSize = head.length): WavInfo {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const tag = (o: number) => String.fromCharCode(head[o]!, head[o + 1]!, head[o + 2]!, head[o + 3]!);
  if (head.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new WavFormatError(file, 0, 'not a RIFF/WAVE file');
  let off = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (off + 8 <= head.length) {
    const id = tag(off), size = view.getUint32(off + 4, true);
    if (id === 'fmt ') {
      if (size < 16 || off + 8 + 16 > head.length) throw new WavFormatError(file, off, 'fmt chunk too short');
      let format = view.getUint16(off + 8, true);
      const channels = view.getUint16(off + 10, true), sampleRate = view.getUint32(off + 12, true), bits = view.getUint16(off + 22, true);
      if (format === 0xfffe && size >= 40 && off + 8 + 26 <= head.length) format = view.getUint16(off + 8 + 24, true); // extensible: sub-format GUID
      fmt = { format, channels, sampleRate, bits };
    } else if (id === 'data') {
      if (!fmt) throw new WavFormatError(file, off, 'data chunk before fmt chunk');
      const { format, channels, sampleRate, bits } = fmt;
      if (channels < 1 || sampleRate < 1) throw new WavFormatError(file, off, `bad fmt: ${channels} channels at ${sampleRate} Hz`);
      let encoding: PcmEncoding;
      if (format === 1 && bits === 16) encoding = 's16le';
      else if (format === 1 && bits === 32) encoding = 's32le';
      else if (format === 1 && bits === 8) encoding = 'u8';
      else if (format === 3 && bits === 32) encoding = 'f32le';
      else throw new WavFormatError(file, off, `unsupported sample format ${format} with ${bits} bits`);
      const dataOffset = off + 8;
      // Streams written by pipes carry size 0 or 0xffffffff: use the rest of the file.
      const dataBytes = size === 0 || size === 0xffffffff ? fileSize - dataOffset : Math.min(size, fileSize - dataOffset);
      return { sampleRate, channels, encoding, dataOffset, dataBytes, duration: dataBytes / (channels * (bits / 8)) / sampleRate };
    }
    off += 8 + size + (size & 1);
  }
  throw new WavFormatError(file, off, 'no data chunk found');
}

export interface WavFileSourceOptions {
  /** 'realtime' emits each frame when it would have been captured live; a number is a speed factor; 'asap' does not wait. */
  pace?: 'realtime' | 'asap' | number;
  frameMs?: number;
}

const READ_BYTES = 1 << 16;

/** Frames from a WAV file. Unsubscribing stops reading and closes the file. */
export function wavFileSource(path: string, opts: WavFileSourceOptions = {}): Observable<AudioFrame> {
  const pace = opts.pace ?? 'asap';
  const speed = pace === 'realtime' ? 1 : pace === 'asap' ? Infinity : pace;
  if (!(speed > 0)) throw new RangeError(`pace must be 'realtime', 'asap' or a positive speed factor, got ${String(pace)}`);
  return new Observable<AudioFrame>((subscriber) => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined; // resolves a pending sleep early on unsubscribe so the file gets closed
    let fh: FileHandle | undefined;
    const sleepUntil = (t: number) => new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, Math.max(0, t - performance.now()));
    });
    (async () => {
      try {
        fh = await open(path, 'r');
        const size = (await fh.stat()).size;
        const head = new Uint8Array(Math.min(size, 1 << 16));
        await fh.read(head, 0, head.length, 0);
        const info = parseWavHeader(head, path, size);
        const framer = new Framer(info.sampleRate, info.channels, opts.frameMs ?? 20);
        const groupBytes = (info.encoding === 'u8' ? 1 : info.encoding === 's16le' ? 2 : 4) * info.channels;
        const start = performance.now();
        let pos = 0;
        const emit = async (frames: AudioFrame[]) => {
          for (const f of frames) {
            if (stopped) return;
            if (speed !== Infinity) {
              // Due when its last sample has "arrived"; absolute schedule so timer jitter never accumulates.
              const due = start + ((f.timestamp + f.samples.length / f.channels / f.sampleRate) * 1000) / speed;
              if (due > performance.now()) await sleepUntil(due);
              if (stopped) return;
            }
            subscriber.next(f);
          }
        };
        while (pos < info.dataBytes && !stopped) {
          const want = Math.min(READ_BYTES - (READ_BYTES % groupBytes), info.dataBytes - pos);
          const buf = new Uint8Array(want);
          const { bytesRead } = await fh.read(buf, 0, want, info.dataOffset + pos);
          if (bytesRead === 0) break;
          pos += bytesRead;
          const whole = bytesRead - (bytesRead % groupBytes);
          await emit(framer.push(pcmToFloat32(buf.subarray(0, whole), info.encoding)));
          // asap: yield to the event loop between reads so consumers' timers and I/O still run.
          if (speed === Infinity) await new Promise((r) => setImmediate(r));
        }
        await emit(framer.flush());
        if (!stopped) subscriber.complete();
      } catch (err) {
        if (!stopped) subscriber.error(err);
      } finally {
        await fh?.close().catch(() => {});
      }
    })();
    return () => { stopped = true; if (timer) clearTimeout(timer); wake?.(); };
  });
}
