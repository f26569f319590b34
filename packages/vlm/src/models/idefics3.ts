// Idefics3 / SmolVLM: SigLIP tower over every tile, pixel-shuffle connector (scale_factor² neighbouring patches
// concatenated along channels) and a bias-free projection, spliced into a Llama decoder at the `<image>` tokens.
import * as mx from '@mlx/core';
import { z } from 'zod';
import { textConfigSchema, take, type Weights } from '../language/decoder.js';
import type { PreprocessorConfig, ProcessedImages } from '../processing/common.js';
import { Idefics3ImageProcessor } from '../processing/idefics3.js';
import { siglipVisionConfigSchema, SiglipVisionTower } from '../vision/siglip.js';
import { textDecoder } from '../language/lm-decoder.js';
import { parseOrThrow, pickPrefix, type ArchitectureFactory, type TextModel, type VlmArchitecture } from './common.js';

type A = mx.array;

export const idefics3ConfigSchema = z.object({
  model_type: z.enum(['idefics3', 'smolvlm']),
  text_config: textConfigSchema,
  vision_config: siglipVisionConfigSchema,
  image_token_id: z.number().int().nonnegative().default(128257),
  scale_factor: z.number().int().positive().default(2),
}).loose();

/** [N, S, C] → [N, S / r², C r²] (HF Idefics3Connector.pixel_shuffle). */
export function pixelShuffle(x: A, r: number): A {
  const [N, S, C] = x.shape, side = Math.round(Math.sqrt(S));
  let y = mx.reshape(x, [N, side, side / r, C * r]);
  y = mx.transpose(y, [0, 2, 1, 3]);
  y = mx.reshape(y, [N, side / r, side / r, C * r * r]);
  y = mx.transpose(y, [0, 2, 1, 3]);
  return mx.reshape(y, [N, S / (r * r), C * r * r]);
}

class Idefics3 implements VlmArchitecture {
  constructor(readonly modelType: string, readonly text: TextModel, readonly processor: Idefics3ImageProcessor, readonly imageTokenId: number,
    readonly tower: SiglipVisionTower, readonly proj: A, readonly scale: number) {}

  dispose(): void { for (const l of this.tower.layers) l.dispose(); this.text.dispose?.(); }

  encodeImages(p: ProcessedImages): A {
    const [, n, C, H, W] = p.pixelValues.shape;
    const pix = mx.reshape(p.pixelValues, [n, C, H, W]);
    const P = this.tower.cfg.patch_size, gh = Math.floor(H / P), gw = Math.floor(W / P);
    let masks: Uint8Array[] | undefined;
    if (p.pixelAttentionMask) {
      // A patch is real when any of its pixels is: reduced where the mask lives, one byte per patch read back
      // (reading the whole pixel mask cost ~3 ms of host time for a 13-tile image).
      const mask = p.pixelAttentionMask;
      const flat = mx.tidy(() => {
        const m = mx.reshape(mask, [n, H, W]).index(mx.Slice(), mx.Slice(0, gh * P), mx.Slice(0, gw * P));
        return mx.any(mx.reshape(m, [n, gh, P, gw, P]), [2, 4]).astype(mx.uint8);
      });
      const bytes = flat.toTypedArray() as Uint8Array;
      flat.dispose();
      masks = Array.from({ length: n }, (_, t) => bytes.subarray(t * gh * gw, (t + 1) * gh * gw));
    }
    const h = this.tower.forward(pix, masks);
    const f = mx.matmul(pixelShuffle(h, this.scale), mx.transpose(this.proj));
    return mx.reshape(f, [-1, f.shape[2]]);
  }
}

export const idefics3Factory: ArchitectureFactory = {
  modelType: 'idefics3',
  create(config, pre: PreprocessorConfig, procCfg, w: Weights, file) {
    const cfg = parseOrThrow(idefics3ConfigSchema, config, 'Idefics3 config.json', file);
    const textP = pickPrefix(w, ['model.text_model.', 'model.language_model.'], 'embed_tokens.weight', file);
    const visP = pickPrefix(w, ['model.vision_model.', 'model.vision_tower.'], 'embeddings.patch_embedding.weight', file);
    const text = textDecoder(cfg.text_config, w, textP, 'lm_head.weight', file);
    const v = cfg.vision_config;
    const seqLen = (procCfg.image_seq_len as number | undefined) ?? Math.trunc((v.image_size / v.patch_size) ** 2 / cfg.scale_factor ** 2);
    const processor = new Idefics3ImageProcessor(pre, seqLen);
    return new Idefics3(cfg.model_type, text, processor, cfg.image_token_id, new SiglipVisionTower(v, w, visP, file),
      take(w, 'model.connector.modality_projection.proj.weight', file), cfg.scale_factor);
  },
};
