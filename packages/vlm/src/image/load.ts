// Decoding images with sharp into 8-bit RGB, the way HF processors see them after PIL's convert_to_rgb: grey is
// replicated, transparency is composited onto white with Pillow's integer alpha_composite arithmetic.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ImageDecodeError } from '../errors.js';
import type { RgbImage } from './resample.js';

/** What callers may pass as an image: a path, encoded bytes, or already-decoded RGB pixels. */
export type ImageInput = string | Uint8Array | ArrayBuffer | RgbImage;

const MAX_PIXELS = 268_402_689; // sharp's default limitInputPixels (0x3FFF * 0x3FFF)

function isRgbImage(x: unknown): x is RgbImage {
  return typeof x === 'object' && x !== null && 'data' in x && 'width' in x && 'height' in x && 'channels' in x;
}

/** Pillow's alpha_composite of an RGBA pixel over opaque white, in its 7-bit fixed point. */
function overWhite(c: number, a: number): number {
  const tmp = 128 * (c * a + 255 * (255 - a)) + (0x80 << 7);
  return (((tmp >> 8) + tmp) >> 8) >> 7;
}

/** Turns 1–4 channel 8-bit pixels into RGB as `convert_to_rgb` does. */
export function toRgb(img: RgbImage): RgbImage {
  const { data, width, height, channels } = img;
  if (channels === 3) return img;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (channels === 1 || channels === 2) {
      const g = data[i * channels];
      const v = channels === 2 ? overWhite(g, data[i * 2 + 1]) : g;
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = v;
    } else if (channels === 4) {
      const a = data[i * 4 + 3];
      for (let b = 0; b < 3; b++) out[i * 3 + b] = overWhite(data[i * 4 + b], a);
    } else {
      throw new ImageDecodeError(`images with ${channels} channels are not supported`);
    }
  }
  return { data: out, width, height, channels: 3 };
}

/** Decodes a path / bytes / raw pixels into 8-bit RGB. Throws ImageDecodeError for anything unreadable. */
export async function loadImage(input: ImageInput): Promise<RgbImage> {
  if (isRgbImage(input)) {
    const { width, height, channels, data } = input;
    if (!(width > 0 && height > 0) || data.length !== width * height * channels) {
      throw new ImageDecodeError(`raw image of ${width}x${height}x${channels} has ${data.length} bytes`);
    }
    return toRgb(input);
  }
  const label = typeof input === 'string' ? input : '<bytes>';
  let bytes: Uint8Array;
  try {
    bytes = typeof input === 'string' ? await readFile(input) : input instanceof ArrayBuffer ? new Uint8Array(input) : input;
  } catch (e) {
    throw new ImageDecodeError(`cannot read image ${label}: ${(e as Error).message}`, label);
  }
  if (bytes.length === 0) throw new ImageDecodeError(`image ${label} is empty (0 bytes)`, label);
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: MAX_PIXELS })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.width === 0 || info.height === 0) throw new Error('zero-size image');
    return toRgb({ data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels });
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(`cannot decode image ${label}: ${(e as Error).message}`, label);
  }
}
