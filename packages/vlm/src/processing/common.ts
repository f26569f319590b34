// Shared pieces of the image processors: the zod schema of preprocessor_config.json and the result type.
import * as mx from '@mlx/core';
import { z } from 'zod';
import type { RgbImage } from '../image/resample.js';

const sizeSchema = z.object({
  height: z.number().int().positive().optional(),
  width: z.number().int().positive().optional(),
  shortest_edge: z.number().int().positive().optional(),
  longest_edge: z.number().int().positive().optional(),
}).loose();

/** The keys of preprocessor_config.json that our processors read (unknown keys are kept, not used). */
export const preprocessorConfigSchema = z.object({
  image_processor_type: z.string().optional(),
  do_resize: z.boolean().default(true),
  size: z.union([sizeSchema, z.number().int().positive()]).optional(),
  resample: z.number().int().min(0).max(5).optional(),
  do_center_crop: z.boolean().default(false),
  crop_size: z.union([sizeSchema, z.number().int().positive()]).optional(),
  do_rescale: z.boolean().default(true),
  rescale_factor: z.number().default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: z.union([z.array(z.number()), z.number()]).optional(),
  image_std: z.union([z.array(z.number()), z.number()]).optional(),
  do_convert_rgb: z.boolean().default(true),
  do_pad: z.boolean().optional(),
  // Idefics3
  do_image_splitting: z.boolean().optional(),
  max_image_size: sizeSchema.optional(),
  // Qwen2-VL
  min_pixels: z.number().int().positive().optional(),
  max_pixels: z.number().int().positive().optional(),
  patch_size: z.number().int().positive().optional(),
  temporal_patch_size: z.number().int().positive().optional(),
  merge_size: z.number().int().positive().optional(),
}).loose();
export type PreprocessorConfig = z.infer<typeof preprocessorConfigSchema>;
export type SizeSpec = z.infer<typeof sizeSchema>;

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
export const STANDARD_MEAN = [0.5, 0.5, 0.5];
export const STANDARD_STD = [0.5, 0.5, 0.5];

export const asTriple = (v: number | number[] | undefined, dflt: number[]): number[] =>
  v === undefined ? dflt : typeof v === 'number' ? [v, v, v] : v;

/** What an image processor hands to its model, plus the text that replaces each image placeholder. */
export interface ProcessedImages {
  /** Model-specific pixel tensor (float32). */
  pixelValues: mx.array;
  /** Idefics3: [tiles, H, W] pixel mask; Qwen2-VL: [images, 3] grid (t, h, w). */
  pixelAttentionMask?: mx.array;
  imageGridThw?: number[][];
  /** One string per image: what its placeholder expands to in the prompt. */
  replacements: string[];
}

export interface ImageProcessor {
  /** The placeholder users put in prompts, one per image (e.g. `<image>`). */
  readonly imageToken: string;
  process(images: RgbImage[]): ProcessedImages;
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
