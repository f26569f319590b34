// CLIP/LLaVA image processor: shortest edge resize, center crop, rescale, normalise; `<image>` expands to one token
// per vision patch (minus CLS under the "default" feature strategy), as LlavaProcessor does.
import * as mx from '@mlx/core';
import { resizeImage, type Resample, type RgbImage } from '../image/resample.js';
import { centerCrop, padToSquare, toChw } from '../image/transforms.js';
import { asTriple, CLIP_MEAN, CLIP_STD, type ImageProcessor, type PreprocessorConfig, type ProcessedImages } from './common.js';

export interface ClipProcessorOptions {
  patchSize: number;
  numAdditionalImageTokens: number;
  featureSelectStrategy: 'default' | 'full';
  imageToken: string;
}

/** HF get_resize_output_image_size(default_to_square=False): the short side becomes `size`. */
export function shortestEdgeSize(h: number, w: number, size: number): [number, number] {
  const [short, long] = w <= h ? [w, h] : [h, w];
  const newLong = Math.trunc((size * long) / short);
  return w <= h ? [newLong, size] : [size, newLong];
}

export class ClipImageProcessor implements ImageProcessor {
  readonly imageToken: string;
  constructor(readonly cfg: PreprocessorConfig, readonly opts: ClipProcessorOptions) { this.imageToken = opts.imageToken; }

  preprocess(img: RgbImage): Float32Array {
    const c = this.cfg;
    const mean = asTriple(c.image_mean, CLIP_MEAN), std = asTriple(c.image_std, CLIP_STD);
    const resample = (c.resample ?? 3) as Resample;
    if (c.do_pad) img = padToSquare(img, mean.map((m) => Math.trunc(m * 255)));
    if (c.do_resize) {
      const size = c.size ?? { shortest_edge: 224 };
      let h: number, w: number;
      if (typeof size === 'number') [h, w] = shortestEdgeSize(img.height, img.width, size);
      else if (size.shortest_edge) [h, w] = shortestEdgeSize(img.height, img.width, size.shortest_edge);
      else [h, w] = [size.height!, size.width!];
      img = resizeImage(img, w, h, resample);
    }
    if (c.do_center_crop) {
      const cs = c.crop_size ?? { height: 224, width: 224 };
      const [h, w] = typeof cs === 'number' ? [cs, cs] : [cs.height!, cs.width!];
      img = centerCrop(img, h, w);
    }
    return toChw(img, { rescale: c.do_rescale ? c.rescale_factor : undefined, mean: c.do_normalize ? mean : undefined, std: c.do_normalize ? std : undefined }).data;
  }

  /** Output size of one image after resize and crop. */
  private outputSize(): [number, number] {
    const cs = this.cfg.crop_size;
    if (this.cfg.do_center_crop && cs) return typeof cs === 'number' ? [cs, cs] : [cs.height!, cs.width!];
    const s = this.cfg.size;
    if (s && typeof s === 'object' && s.height && s.width) return [s.height, s.width];
    throw new RangeError('ClipImageProcessor: output size depends on the image; set crop_size');
  }

  process(images: RgbImage[]): ProcessedImages {
    const [h, w] = this.outputSize();
    const per = images.map((im) => this.preprocess(im));
    const all = new Float32Array(per.length * 3 * h * w);
    per.forEach((p, i) => all.set(p, i * p.length));
    let n = Math.floor(h / this.opts.patchSize) * Math.floor(w / this.opts.patchSize) + this.opts.numAdditionalImageTokens;
    if (this.opts.featureSelectStrategy === 'default') n -= 1;
    return {
      pixelValues: mx.array(all).reshape([images.length, 3, h, w]),
      replacements: images.map(() => this.imageToken.repeat(n)),
    };
  }
}
