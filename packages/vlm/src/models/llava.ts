// LLaVA 1.5: CLIP tower → features of layer `vision_feature_layer` (CLS dropped under the "default" strategy) →
// two-layer GELU projector → replaces each `<image>` token embedding of a Llama decoder.
import * as mx from '@mlx/core';
import { z } from 'zod';
import { textConfigSchema, type Weights } from '../language/decoder.js';
import { ClipImageProcessor } from '../processing/clip.js';
import type { PreprocessorConfig, ProcessedImages } from '../processing/common.js';
import { clipVisionConfigSchema, ClipVisionTower } from '../vision/clip.js';
import { activation, lin, linear } from '../vision/common.js';
import { textDecoder } from '../language/lm-decoder.js';
import { parseOrThrow, pickPrefix, type ArchitectureFactory, type TextModel, type VlmArchitecture } from './common.js';

export const llavaConfigSchema = z.object({
  model_type: z.literal('llava'),
  text_config: textConfigSchema,
  vision_config: clipVisionConfigSchema,
  image_token_index: z.number().int().nonnegative().optional(),
  image_token_id: z.number().int().nonnegative().optional(),
  vision_feature_layer: z.union([z.number().int(), z.array(z.number().int())]).default(-2),
  vision_feature_select_strategy: z.enum(['default', 'full']).default('default'),
  projector_hidden_act: z.string().default('gelu'),
}).loose();

class Llava implements VlmArchitecture {
  readonly modelType = 'llava';
  constructor(readonly text: TextModel, readonly processor: ClipImageProcessor, readonly imageTokenId: number,
    readonly tower: ClipVisionTower, readonly cfg: z.infer<typeof llavaConfigSchema>, readonly proj: { l1: [mx.array, mx.array | undefined]; l2: [mx.array, mx.array | undefined] }) {}

  dispose(): void { for (const l of this.tower.layers) l.dispose(); this.text.dispose?.(); }

  encodeImages(p: ProcessedImages): mx.array {
    const L = this.cfg.vision_config.num_hidden_layers;
    const layer = Array.isArray(this.cfg.vision_feature_layer) ? this.cfg.vision_feature_layer[0] : this.cfg.vision_feature_layer;
    const upTo = layer < 0 ? L + 1 + layer : layer;
    let f = this.tower.forward(p.pixelValues, upTo);
    if (this.cfg.vision_feature_select_strategy === 'default') f = f.index(mx.Slice(), mx.Slice(1));
    const act = activation(this.cfg.projector_hidden_act);
    const out = linear(act(linear(f, ...this.proj.l1)), ...this.proj.l2);
    return mx.reshape(out, [-1, out.shape[2]]);
  }
}

export const llavaFactory: ArchitectureFactory = {
  modelType: 'llava',
  create(config, pre: PreprocessorConfig, procCfg, w: Weights, file) {
    const cfg = parseOrThrow(llavaConfigSchema, config, 'LLaVA config.json', file);
    const textP = pickPrefix(w, ['language_model.model.', 'model.language_model.', 'language_model.'], 'embed_tokens.weight', file);
    const head = ['language_model.lm_head.weight', 'lm_head.weight'].find((k) => w.has(k)) ?? '';
    const visP = pickPrefix(w, ['vision_tower.vision_model.', 'vision_tower.', 'model.vision_tower.vision_model.', 'model.vision_tower.'], 'embeddings.patch_embedding.weight', file);
    const projP = pickPrefix(w, ['multi_modal_projector.', 'model.multi_modal_projector.'], 'linear_1.weight', file);
    const text = textDecoder(cfg.text_config, w, textP, head, file);
    const tokenId = cfg.image_token_index ?? cfg.image_token_id ?? 32000;
    const processor = new ClipImageProcessor(pre, {
      patchSize: (procCfg.patch_size as number | undefined) ?? cfg.vision_config.patch_size,
      numAdditionalImageTokens: (procCfg.num_additional_image_tokens as number | undefined) ?? 1,
      featureSelectStrategy: cfg.vision_feature_select_strategy,
      imageToken: (procCfg.image_token as string | undefined) ?? '<image>',
    });
    return new Llava(text, processor, tokenId, new ClipVisionTower(cfg.vision_config, w, visP, file), cfg,
      { l1: lin(w, `${projP}linear_1`, file), l2: lin(w, `${projP}linear_2`, file) });
  },
};
