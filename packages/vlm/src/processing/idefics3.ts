// Idefics3 / SmolVLM image processor: resize the longest edge, grow to multiples of the encoder size, split into a
// grid of tiles plus a downscaled global image, rescale, normalise, pad; `<image>` expands to
// `<fake_token_around_image><row_r_col_c><image>*n ... \n\n<fake_token_around_image><global-img><image>*n<fake_token_around_image>`.
import * as mx from '@mlx/core';
import { resizeImage, type Resample, type RgbImage } from '../image/resample.js';
import { crop, padChw, toChw, type ChwImage } from '../image/transforms.js';
import { asTriple, STANDARD_MEAN, STANDARD_STD, type ImageProcessor, type PreprocessorConfig, type ProcessedImages } from './common.js';

const MAX_IMAGE_SIZE = 4096;

/** Longest edge → maxLen keeping the aspect ratio, the other side rounded up to even (HF's rescale_to_max_len). */
export function idefics3ResizeSize(height: number, width: number, maxLen: number): [number, number] {
  const aspect = width / height;
  if (width >= height) {
    width = maxLen;
    height = Math.trunc(width / aspect);
    if (height % 2 !== 0) height += 1;
  } else {
    height = maxLen;
    width = Math.trunc(height * aspect);
    if (width % 2 !== 0) width += 1;
  }
  height = Math.max(height, 1);
  width = Math.max(width, 1);
  // scale below the absolute upper bound
  const aspect2 = width / height;
  if (width >= height && width > MAX_IMAGE_SIZE) {
    width = MAX_IMAGE_SIZE;
    height = Math.trunc(width / aspect2);
  } else if (height > width && height > MAX_IMAGE_SIZE) {
    height = MAX_IMAGE_SIZE;
    width = Math.trunc(height * aspect2);
  }
  return [Math.max(height, 1), Math.max(width, 1)];
}

/** Grows both sides to multiples of the encoder's tile size (HF's resize_for_vision_encoder). */
export function multipleOfTileSize(height: number, width: number, tile: number): [number, number] {
  const aspect = width / height;
  if (width >= height) {
    width = Math.ceil(width / tile) * tile;
    height = Math.trunc(width / aspect);
    height = Math.ceil(height / tile) * tile;
  } else {
    height = Math.ceil(height / tile) * tile;
    width = Math.trunc(height * aspect);
    width = Math.ceil(width / tile) * tile;
  }
  return [height, width];
}

export class Idefics3ImageProcessor implements ImageProcessor {
  readonly imageToken = '<image>';
  constructor(readonly cfg: PreprocessorConfig, readonly imageSeqLen: number) {}

  /** One image → its tiles (row-major, then the global image) and the grid shape (0x0 when not split). */
  tiles(img: RgbImage): { tiles: RgbImage[]; rows: number; cols: number } {
    const c = this.cfg;
    const resample = (c.resample ?? 1) as Resample;
    const tile = c.max_image_size?.longest_edge ?? 364;
    if (c.do_resize) {
      const size = c.size;
      const longest = typeof size === 'object' ? size.longest_edge : undefined;
      let h: number, w: number;
      if (longest) [h, w] = idefics3ResizeSize(img.height, img.width, longest);
      else if (typeof size === 'object' && size.height && size.width) [h, w] = [size.height, size.width];
      else [h, w] = idefics3ResizeSize(img.height, img.width, 4 * 364);
      img = resizeImage(img, w, h, resample);
    }
    if (!(c.do_image_splitting ?? true)) return { tiles: [resizeImage(img, tile, tile, resample)], rows: 0, cols: 0 };
    const [h, w] = multipleOfTileSize(img.height, img.width, tile);
    img = resizeImage(img, w, h, resample);
    if (img.height <= tile && img.width <= tile) return { tiles: [img], rows: 0, cols: 0 };
    const rows = Math.floor((img.height - tile) / tile) + 1;
    const cols = Math.floor((img.width - tile) / tile) + 1;
    const tiles: RgbImage[] = [];
    for (let r = 0; r < rows; r++) for (let col = 0; col < cols; col++) tiles.push(crop(img, r * tile, col * tile, tile, tile));
    tiles.push(resizeImage(img, tile, tile, resample));
    return { tiles, rows, cols };
  }

  promptFor(rows: number, cols: number): string {
    const img = '<image>'.repeat(this.imageSeqLen);
    const globalPart = `<fake_token_around_image><global-img>${img}<fake_token_around_image>`;
    if (rows === 0 && cols === 0) return globalPart;
    let s = '';
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) s += `<fake_token_around_image><row_${r + 1}_col_${c + 1}>${img}`;
      s += '\n';
    }
    return `${s}\n${globalPart}`;
  }

  process(images: RgbImage[]): ProcessedImages {
    const c = this.cfg;
    const mean = asTriple(c.image_mean, STANDARD_MEAN), std = asTriple(c.image_std, STANDARD_STD);
    const chw: ChwImage[] = [];
    const replacements: string[] = [];
    for (const im of images) {
      const { tiles, rows, cols } = this.tiles(im);
      replacements.push(this.promptFor(rows, cols));
      for (const t of tiles) {
        chw.push(toChw(t, { rescale: c.do_rescale ? c.rescale_factor : undefined, mean: c.do_normalize ? mean : undefined, std: c.do_normalize ? std : undefined }));
      }
    }
    const H = Math.max(...chw.map((t) => t.height)), W = Math.max(...chw.map((t) => t.width));
    const pix = new Float32Array(chw.length * 3 * H * W);
    const mask = new Uint8Array(chw.length * H * W);
    chw.forEach((t, i) => {
      const p = padChw(t, H, W);
      pix.set(p.image.data, i * 3 * H * W);
      mask.set(p.mask, i * H * W);
    });
    return {
      pixelValues: mx.array(pix).reshape([1, chw.length, 3, H, W]),
      pixelAttentionMask: mx.array(mask).reshape([1, chw.length, H, W]),
      replacements,
    };
  }
}
