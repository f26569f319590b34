// Pixel operations of the HF image processors on 8-bit RGB: crops, pads, and rescale+normalise into float32 CHW,
// rounded to float32 at the same steps numpy does (x * scale in float64, then float32 subtract/divide).
import type { RgbImage } from './resample.js';

/** A float32 image in channels-first layout. */
export interface ChwImage { data: Float32Array; channels: number; height: number; width: number }

/** numpy-style center crop (pads with zeros where the crop is larger, as HF's center_crop does). */
export function centerCrop(img: RgbImage, height: number, width: number): RgbImage {
  const { width: w, height: h, channels: c, data } = img;
  const top = Math.floor((h - height) / 2);
  const left = Math.floor((w - width) / 2);
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < width; x++) {
      const sx = x + left;
      if (sx < 0 || sx >= w) continue;
      for (let b = 0; b < c; b++) out[(y * width + x) * c + b] = data[(sy * w + sx) * c + b];
    }
  }
  return { data: out, width, height, channels: c };
}

/** Crops the rectangle [top, top+height) x [left, left+width). */
export function crop(img: RgbImage, top: number, left: number, height: number, width: number): RgbImage {
  const c = img.channels;
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const src = ((top + y) * img.width + left) * c;
    out.set(img.data.subarray(src, src + width * c), y * width * c);
  }
  return { data: out, width, height, channels: c };
}

/** Pads to a square, centred, with a per-channel fill (LLaVA's pad_to_square). */
export function padToSquare(img: RgbImage, fill: number[]): RgbImage {
  const { width: w, height: h, channels: c } = img;
  if (w === h) return img;
  const m = Math.max(w, h);
  const out = new Uint8Array(m * m * c);
  for (let i = 0; i < m * m; i++) for (let b = 0; b < c; b++) out[i * c + b] = fill[b] ?? fill[0] ?? 0;
  const top = w > h ? Math.trunc((m - h) / 2) : 0;
  const left = w > h ? 0 : Math.trunc((m - w) / 2);
  for (let y = 0; y < h; y++) out.set(img.data.subarray(y * w * c, (y + 1) * w * c), ((y + top) * m + left) * c);
  return { data: out, width: m, height: m, channels: c };
}

/** Rescales (x * factor) and normalises ((x - mean) / std) into float32 CHW. */
export function toChw(img: RgbImage, opts: { rescale?: number; mean?: number[]; std?: number[] }): ChwImage {
  const { width: w, height: h, channels: c, data } = img;
  const out = new Float32Array(c * h * w);
  const f = Math.fround;
  const mean = opts.mean?.map(f), std = opts.std?.map(f);
  for (let b = 0; b < c; b++) {
    const m = mean?.[b], s = std?.[b];
    for (let i = 0; i < h * w; i++) {
      let v = opts.rescale !== undefined ? f(data[i * c + b] * opts.rescale) : data[i * c + b];
      if (m !== undefined && s !== undefined) v = f(f(v - m) / s);
      out[b * h * w + i] = v;
    }
  }
  return { data: out, channels: c, height: h, width: w };
}

/** Zero-pads a CHW image at the bottom/right; returns the image and its pixel mask (1 = real pixel). */
export function padChw(img: ChwImage, height: number, width: number): { image: ChwImage; mask: Uint8Array } {
  const out = new Float32Array(img.channels * height * width);
  const mask = new Uint8Array(height * width);
  for (let b = 0; b < img.channels; b++) {
    for (let y = 0; y < img.height; y++) {
      out.set(img.data.subarray((b * img.height + y) * img.width, (b * img.height + y + 1) * img.width), (b * height + y) * width);
    }
  }
  for (let y = 0; y < img.height; y++) mask.fill(1, y * width, y * width + img.width);
  return { image: { data: out, channels: img.channels, height, width }, mask };
}
