// RIFF/WAVE decoding: PCM 8/16/24/32-bit integer, IEEE float 32/64, A-law/µ-law, any channel count,
// WAVE_FORMAT_EXTENSIBLE. Every read is bounds-checked; a malformed file gives an AudioFormatError with the offset.
import { AudioFormatError } from '../errors.js';

const PCM = 1, FLOAT = 3, ALAW = 6, MULAW = 7, EXTENSIBLE = 0xfffe;

export interface DecodedWav { sampleRate: number; channels: Float32Array[] }

function alaw(v: number): number {
  v ^= 0x55;
  const exp = (v >> 4) & 7;
  let mag = ((v & 15) << 4) + 8;
  if (exp) mag = (mag + 0x100) << (exp - 1);
  return (v & 0x80 ? mag : -mag) / 32768;
}
function mulaw(v: number): number {
  v = ~v & 0xff;
  const mag = ((((v & 15) << 3) + 0x84) << ((v >> 4) & 7)) - 0x84;
  return (v & 0x80 ? -mag : mag) / 32768;
}

export function decodeWav(bytes: Uint8Array, file = '<wav>'): DecodedWav {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (offset: number, what: string) => new AudioFormatError(file, offset, what);
  const tag = (o: number) => String.fromCharCode(bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]);
  if (bytes.length < 12) throw fail(0, `truncated: ${bytes.length} bytes is too short for a RIFF header`);
  if (tag(0) !== 'RIFF' && tag(0) !== 'RIFX') throw fail(0, 'not a RIFF file');
  if (tag(0) === 'RIFX') throw fail(0, 'big-endian RIFX files are not supported');
  if (tag(8) !== 'WAVE') throw fail(8, 'not a WAVE file');
  let fmt: { format: number; channels: number; rate: number; blockAlign: number; bits: number } | undefined;
  let data: { offset: number; length: number } | undefined;
  let o = 12;
  while (o + 8 <= bytes.length) {
    const id = tag(o);
    let size = dv.getUint32(o + 4, true);
    const body = o + 8;
    if (id === 'data') {
      // Streaming writers leave 0 or 0xFFFFFFFF; a size past the end means a truncated file.
      if (size === 0xffffffff || (size === 0 && bytes.length > body)) size = bytes.length - body;
      if (body + size > bytes.length) throw fail(body, `truncated: data chunk declares ${size} bytes, ${bytes.length - body} present`);
      data = { offset: body, length: size };
      if (fmt) break;
    } else if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length) throw fail(o, `fmt chunk of ${size} bytes is malformed or truncated`);
      let format = dv.getUint16(body, true);
      const channels = dv.getUint16(body + 2, true);
      const rate = dv.getUint32(body + 4, true);
      const blockAlign = dv.getUint16(body + 12, true);
      const bits = dv.getUint16(body + 14, true);
      if (format === EXTENSIBLE) {
        if (size < 40) throw fail(o, 'WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes');
        format = dv.getUint16(body + 24, true); // first two bytes of the sub-format GUID
      }
      fmt = { format, channels, rate, blockAlign, bits };
    } else if (body + size > bytes.length) {
      throw fail(o, `truncated: chunk '${id}' declares ${size} bytes, ${bytes.length - body} present`);
    }
    o = body + size + (size & 1);
  }
  if (!fmt) throw fail(12, 'no fmt chunk');
  if (!data) throw fail(o, 'no data chunk');
  const { format, channels, rate, bits } = fmt;
  if (channels < 1) throw fail(22, 'zero channels');
  if (rate < 1 || rate > 1_000_000) throw fail(24, `implausible sample rate ${rate}`);
  const width = bits / 8;
  const okPcm = format === PCM && [8, 16, 24, 32].includes(bits);
  const okFloat = format === FLOAT && (bits === 32 || bits === 64);
  const okLaw = (format === ALAW || format === MULAW) && bits === 8;
  if (!okPcm && !okFloat && !okLaw) throw fail(20, `unsupported encoding: format ${format}, ${bits} bits`);
  const frameBytes = Math.max(fmt.blockAlign, width * channels);
  if (frameBytes < width * channels) throw fail(32, `block align ${fmt.blockAlign} is too small`);
  const frames = Math.floor(data.length / frameBytes);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let f = 0; f < frames; f++) {
    const base = data.offset + f * frameBytes;
    for (let c = 0; c < channels; c++) {
      const p = base + c * width;
      let v: number;
      if (format === FLOAT) v = bits === 32 ? dv.getFloat32(p, true) : dv.getFloat64(p, true);
      else if (format === ALAW) v = alaw(bytes[p]);
      else if (format === MULAW) v = mulaw(bytes[p]);
      else if (bits === 8) v = (bytes[p] - 128) / 128;
      else if (bits === 16) v = dv.getInt16(p, true) / 32768;
      else if (bits === 24) v = (((bytes[p + 2] << 24) | (bytes[p + 1] << 16) | (bytes[p] << 8)) >> 8) / 8388608;
      else v = dv.getInt32(p, true) / 2147483648;
      out[c][f] = v;
    }
  }
  return { sampleRate: rate, channels: out };
}

/** Average of the channels. */
export function downmix(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0];
  const n = channels[0].length;
  const out = new Float32Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) out[i] += ch[i];
  for (let i = 0; i < n; i++) out[i] /= channels.length;
  return out;
}

/** 16-bit PCM mono WAV bytes (for tests and examples). */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  const buf = new Uint8Array(44 + samples.length * 2);
  const dv = new DataView(buf.buffer);
  const w = (o: number, s: string) => { for (let i = 0; i < 4; i++) buf[o + i] = s.charCodeAt(i); };
  w(0, 'RIFF'); dv.setUint32(4, 36 + samples.length * 2, true); w(8, 'WAVE');
  w(12, 'fmt '); dv.setUint32(16, 16, true); dv.setUint16(20, 1, true); dv.setUint16(22, 1, true);
  dv.setUint32(24, sampleRate, true); dv.setUint32(28, sampleRate * 2, true); dv.setUint16(32, 2, true); dv.setUint16(34, 16, true);
  w(36, 'data'); dv.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) dv.setInt16(44 + 2 * i, Math.round(Math.max(-1, Math.min(1, samples[i])) * 32767), true);
  return buf;
}
