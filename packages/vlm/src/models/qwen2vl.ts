// Qwen2-VL: dynamic-resolution vision transformer with patch merger; image features replace `<|image_pad|>`
// tokens; the Qwen2 decoder uses M-RoPE: text tokens advance all three position axes together, image tokens
// get (t, row, column) positions on the merged grid, and text after an image resumes after its largest position.
import * as mx from '@mlx/core';
import { z } from 'zod';
import { TextDecoder, textConfigSchema, type Weights } from '../language/decoder.js';
import type { PreprocessorConfig, ProcessedImages } from '../processing/common.js';
import { Qwen2VLImageProcessor } from '../processing/qwen2vl.js';
import { qwen2VisionConfigSchema, Qwen2VisionTower } from '../vision/qwen2vl.js';
import { parseOrThrow, pickPrefix, type ArchitectureFactory, type VlmArchitecture } from './common.js';

export const qwen2vlConfigSchema = z.object({
  model_type: z.literal('qwen2_vl'),
  text_config: textConfigSchema.optional(),
  vision_config: qwen2VisionConfigSchema,
  image_token_id: z.number().int().nonnegative().default(151655),
  vision_start_token_id: z.number().int().nonnegative().default(151652),
}).loose();

class Qwen2VL implements VlmArchitecture {
  readonly modelType = 'qwen2_vl';
  constructor(readonly text: TextDecoder, readonly processor: Qwen2VLImageProcessor, readonly imageTokenId: number,
    readonly tower: Qwen2VisionTower, readonly merge: number) {}

  encodeImages(p: ProcessedImages): mx.array {
    return this.tower.forward(p.pixelValues, p.imageGridThw!);
  }

  positions(ids: readonly number[], p: ProcessedImages | null) {
    const axes: number[][] = [[], [], []];
    let next = 0, st = 0;
    const grids = p?.imageGridThw ?? [];
    const pushText = (n: number) => { for (let i = 0; i < n; i++) for (const a of axes) a.push(next + i); next += n; };
    for (const [t, h, w] of grids) {
      const ed = ids.indexOf(this.imageTokenId, st);
      if (ed < 0) break;
      pushText(ed - st);
      const gh = h / this.merge, gw = w / this.merge;
      for (let ti = 0; ti < t; ti++) for (let r = 0; r < gh; r++) for (let c = 0; c < gw; c++) {
        axes[0].push(next + ti); axes[1].push(next + r); axes[2].push(next + c);
      }
      next += Math.max(t, gh, gw);
      st = ed + t * gh * gw;
    }
    pushText(ids.length - st);
    return { positions: axes, delta: next - ids.length };
  }
}

export const qwen2vlFactory: ArchitectureFactory = {
  modelType: 'qwen2_vl',
  create(config, pre: PreprocessorConfig, _procCfg, w: Weights, file) {
    const cfg = parseOrThrow(qwen2vlConfigSchema, config, 'Qwen2-VL config.json', file);
    // transformers < 5 keeps the text settings at the top level
    const textCfg = parseOrThrow(textConfigSchema, cfg.text_config ?? config, 'Qwen2-VL text config', file);
    const textP = pickPrefix(w, ['model.language_model.', 'model.'], 'embed_tokens.weight', file);
    const visP = pickPrefix(w, ['model.visual.', 'visual.'], 'patch_embed.proj.weight', file);
    const text = new TextDecoder(textCfg, w, textP, 'lm_head.weight', file, true);
    return new Qwen2VL(text, new Qwen2VLImageProcessor(pre), cfg.image_token_id, new Qwen2VisionTower(cfg.vision_config, w, visP, file),
      cfg.vision_config.spatial_merge_size);
  },
};
