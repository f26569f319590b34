// Qwen2-VL image processor: "smart resize" to multiples of patch*merge within [min_pixels, max_pixels], rescale,
// normalise, then flatten into (t, h, w) patches in merge-window order; `<|image_pad|>` expands to t*h*w/merge² pads.
import * as mx from '@mlx/core';
import { VlmInputError } from '../errors.js';
import { resizeImage, type Resample, type RgbImage } from '../image/resample.js';
import { toChw } from '../image/transforms.js';
import { asTriple, CLIP_MEAN, CLIP_STD, roundHalfEven, type ImageProcessor, type PreprocessorConfig, type ProcessedImages } from './common.js';

/** HF's smart_resize (Python round() is half-to-even). */
export function smartResize(height: number, width: number, factor: number, minPixels: number, maxPixels: number): [number, number] {
  if (Math.max(height, width) / Math.min(height, width) > 200) {
    throw new VlmInputError(`absolute aspect ratio must be smaller than 200, got ${Math.max(height, width) / Math.min(height, width)}`);
  }
  let hBar = roundHalfEven(height / factor) * factor;
  let wBar = roundHalfEven(width / factor) * factor;
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    hBar = Math.max(factor, Math.floor(height / beta / factor) * factor);
    wBar = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    hBar = Math.ceil((height * beta) / factor) * factor;
    wBar = Math.ceil((width * beta) / factor) * factor;
  }
  return [hBar, wBar];
}

export class Qwen2VLImageProcessor implements ImageProcessor {
  readonly imageToken = '<|image_pad|>';
  readonly patch: number;
  readonly merge: number;
  readonly temporal: number;
  constructor(readonly cfg: PreprocessorConfig) {
    this.patch = cfg.patch_size ?? 14;
    this.merge = cfg.merge_size ?? 2;
    this.temporal = cfg.temporal_patch_size ?? 2;
  }

  private pixelBounds(): [number, number] {
    const s = typeof this.cfg.size === 'object' ? this.cfg.size : {};
    return [this.cfg.min_pixels ?? s.shortest_edge ?? 56 * 56, this.cfg.max_pixels ?? s.longest_edge ?? 28 * 28 * 1280];
  }

  /** One image → flattened patches [gh*gw, C*T*P*P] and its grid. */
  patches(img: RgbImage): { data: Float32Array; gridH: number; gridW: number } {
    const c = this.cfg, P = this.patch, M = this.merge, T = this.temporal;
    if (c.do_resize) {
      const [minP, maxP] = this.pixelBounds();
      const [h, w] = smartResize(img.height, img.width, P * M, minP, maxP);
      img = resizeImage(img, w, h, (c.resample ?? 3) as Resample);
    }
    const mean = asTriple(c.image_mean, CLIP_MEAN), std = asTriple(c.image_std, CLIP_STD);
    const chw = toChw(img, { rescale: c.do_rescale ? c.rescale_factor : undefined, mean: c.do_normalize ? mean : undefined, std: c.do_normalize ? std : undefined });
    const C = chw.channels, H = chw.height, W = chw.width;
    const gh = Math.floor(H / P), gw = Math.floor(W / P);
    const rowLen = C * T * P * P;
    const out = new Float32Array(gh * gw * rowLen);
    // order: (gh/M, gw/M, M, M) then (C, T, P, P); the single frame is repeated over T
    let row = 0;
    for (let bh = 0; bh < gh / M; bh++) for (let bw = 0; bw < gw / M; bw++) for (let mh = 0; mh < M; mh++) for (let mw = 0; mw < M; mw++) {
      const py = (bh * M + mh) * P, px = (bw * M + mw) * P;
      let o = row * rowLen;
      for (let ch = 0; ch < C; ch++) for (let t = 0; t < T; t++) for (let y = 0; y < P; y++) for (let x = 0; x < P; x++) {
        out[o++] = chw.data[(ch * H + py + y) * W + px + x];
      }
      row++;
    }
    return { data: out, gridH: gh, gridW: gw };
  }

  process(images: RgbImage[]): ProcessedImages {
    const per = images.map((im) => this.patches(im));
    const rowLen = 3 * this.temporal * this.patch * this.patch;
    const total = per.reduce((n, p) => n + p.gridH * p.gridW, 0);
    const all = new Float32Array(total * rowLen);
    let off = 0;
    for (const p of per) { all.set(p.data, off); off += p.data.length; }
    const grids = per.map((p) => [1, p.gridH, p.gridW]);
    return {
      pixelValues: mx.array(all).reshape([total, rowLen]),
      imageGridThw: grids,
      replacements: grids.map(([t, h, w]) => this.imageToken.repeat((t * h * w) / (this.merge * this.merge))),
    };
  }
}
