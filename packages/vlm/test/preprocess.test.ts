// Preprocessing parity: our decode + PIL-exact resampling vs the HF PIL image processors (fixtures from
// scripts/oracles/hf/vlm_parity.py), for PNG (RGB, RGBA, grey, grey+alpha, palette), JPEG (colour, grey, 4:4:4) and
// WebP images from 3x5 to 257x131, tall and wide; and raw resizes vs PIL's Image.resize, every filter.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadImage } from '../src/image/load.js';
import { preprocessorConfigSchema } from '../src/processing/common.js';
import { ClipImageProcessor } from '../src/processing/clip.js';
import { Idefics3ImageProcessor } from '../src/processing/idefics3.js';
import { Qwen2VLImageProcessor } from '../src/processing/qwen2vl.js';
import { resizeImage, verticalFirst, type Resample } from '../src/image/resample.js';
import { ImageDecodeError } from '../src/errors.js';

const FIX = join(import.meta.dirname, 'fixtures');
const json = (p: string) => JSON.parse(readFileSync(join(FIX, p), 'utf8'));
const IMAGES: string[] = json('images/index.json').parity_images;

function maxAbsDiff(a: mx.array, b: mx.array): number {
  expect(a.shape).toEqual(b.shape);
  return mx.max(mx.abs(mx.subtract(a, b))).item() as number;
}

describe('preprocessing parity with HF PIL image processors', () => {
  const cases = {
    llava: () => new ClipImageProcessor(preprocessorConfigSchema.parse(json('llava/processor_config.json').image_processor),
      { patchSize: 6, numAdditionalImageTokens: 1, featureSelectStrategy: 'default', imageToken: '<image>' }),
    idefics3: () => new Idefics3ImageProcessor(preprocessorConfigSchema.parse(json('idefics3/processor_config.json').image_processor), 4),
    qwen2_vl: () => new Qwen2VLImageProcessor(preprocessorConfigSchema.parse(json('qwen2_vl/preprocessor_config.json'))),
  };
  for (const [name, make] of Object.entries(cases)) {
    it(`${name}: pixel values within 1e-3 for ${IMAGES.length} images`, async () => {
      const ref = mx.load(join(FIX, name, 'preprocess.safetensors')) as Record<string, mx.array>;
      const proc = make();
      const errs: Record<string, number> = {};
      const offFraction: Record<string, number> = {};
      for (const img of IMAGES) {
        const out = proc.process([await loadImage(join(FIX, 'images', img))]);
        const r = ref[`${img}.pixel_values`];
        errs[img] = maxAbsDiff(out.pixelValues, r);
        offFraction[img] = (mx.sum(mx.greater(mx.abs(mx.subtract(out.pixelValues, r)), 1e-3)).item() as number) / r.size;
        if (out.pixelAttentionMask) expect(maxAbsDiff(out.pixelAttentionMask.astype(mx.int32), ref[`${img}.pixel_attention_mask`])).toBe(0);
        if (out.imageGridThw) expect(out.imageGridThw).toEqual(ref[`${img}.image_grid_thw`].tolist());
      }
      console.log(name, 'max |ours - HF| per image:', errs);
      for (const [img, e] of Object.entries(errs)) expect(e, `${img}: off-by-1e-3 fraction ${offFraction[img]}`).toBeLessThan(1e-3);
    });
  }
});

describe('resizeImage vs PIL Image.resize', () => {
  it('is byte-exact on every oracle case (all filters, RGB and L, both of Pillow 13\'s pass orders, reducing_gap)', () => {
    const { pillow, cases } = json('resize/cases.json') as { pillow: string; cases: Array<{ filter: number; in: number[]; out: number[]; reducing_gap?: number }> };
    const ref = mx.load(join(FIX, 'resize', 'oracle.safetensors')) as Record<string, mx.array>;
    let verticalFirstCases = 0;
    const mismatches: string[] = [];
    cases.forEach((c, i) => {
      const [w, h, ch] = c.in, [W, H] = c.out;
      const src = new Uint8Array(ref[`${i}.in`].tolist().flat(2) as number[]);
      const out = resizeImage({ data: src, width: w, height: h, channels: ch }, W, H, c.filter as Resample, { reducingGap: c.reducing_gap });
      const want = ref[`${i}.out`].tolist().flat(2) as number[];
      let maxDiff = 0;
      for (let k = 0; k < want.length; k++) maxDiff = Math.max(maxDiff, Math.abs(out.data[k] - want[k]));
      if (out.data.length !== want.length || maxDiff !== 0) mismatches.push(`#${i} filter ${c.filter} ${w}x${h}x${ch} -> ${W}x${H} gap ${c.reducing_gap}: max diff ${maxDiff}`);
      if (W !== w && H !== h && verticalFirst(w, h, W, H)) verticalFirstCases++;
    });
    expect(mismatches, `Pillow ${pillow}`).toEqual([]);
    expect(verticalFirstCases).toBeGreaterThan(5); // the set exercises the vertical-first order
    expect(cases.filter((c) => c.reducing_gap !== undefined).length).toBeGreaterThan(20);
  });
});

describe('bad images', () => {
  it('corrupt and empty files and bad raw pixels give ImageDecodeError', async () => {
    for (const f of ['corrupt.png', 'empty.jpg', 'missing.png']) {
      await expect(loadImage(join(FIX, 'images', f))).rejects.toBeInstanceOf(ImageDecodeError);
    }
    await expect(loadImage(new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({ code: 'MLX_IMAGE_DECODE' });
    await expect(loadImage({ data: new Uint8Array(0), width: 0, height: 0, channels: 3 })).rejects.toBeInstanceOf(ImageDecodeError);
    // the process stays healthy: a good image still decodes
    expect((await loadImage(join(FIX, 'images', 'a.png'))).width).toBe(40);
  });
});
