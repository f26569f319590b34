// CLIP ViT vision tower (LLaVA): conv patch embedding (no bias), CLS token, learned positions, pre-LayerNorm
// ("pre_layrnorm" in HF), pre-norm encoder layers with quick-GELU, post-LayerNorm for the pooled output.
import * as mx from '@mlx/core';
import { z } from 'zod';
import { take, type Weights } from '../language/decoder.js';
import { activation, lin, patchify, toWeightDtype, VitLayer, vitConfigSchema } from './common.js';
import { interpolatePositions } from './positions.js';

type A = mx.array;

export const clipVisionConfigSchema = vitConfigSchema({ layerNormEps: 1e-5, hiddenAct: 'quick_gelu' });
export type ClipVisionConfig = z.infer<typeof clipVisionConfigSchema>;

export class ClipVisionTower {
  readonly layers: VitLayer[];
  readonly patchW: A; readonly cls: A; readonly pos: A; readonly preLn; readonly postLn;
  constructor(readonly cfg: ClipVisionConfig, w: Weights, p: string, file: string) {
    const C = cfg.hidden_size;
    this.patchW = mx.reshape(take(w, `${p}embeddings.patch_embedding.weight`, file), [C, -1]);
    this.cls = take(w, `${p}embeddings.class_embedding`, file);
    this.pos = take(w, `${p}embeddings.position_embedding.weight`, file);
    this.preLn = lin(w, `${p}pre_layrnorm`, file);
    this.postLn = lin(w, `${p}post_layernorm`, file);
    const act = activation(cfg.hidden_act);
    this.layers = Array.from({ length: cfg.num_hidden_layers }, (_, i) => new VitLayer(w, `${p}encoder.layers.${i}.`, file, cfg.num_attention_heads, cfg.layer_norm_eps, act));
  }

  /**
   * Hidden states after `layers` encoder layers (HF hidden_states[layers]); pixels [N, 3, H, W]. Sizes other than
   * image_size interpolate the position grid bicubically (HF interpolate_pos_encoding).
   */
  forward(pix: A, layers = this.layers.length): A {
    const [N, , H, W] = pix.shape, P = this.cfg.patch_size, C = this.cfg.hidden_size;
    const patches = mx.matmul(patchify(toWeightDtype(pix, this.patchW), P), mx.transpose(this.patchW));
    const side = this.cfg.image_size / P;
    let pos = this.pos;
    if (Math.floor(H / P) !== side || Math.floor(W / P) !== side) {
      const grid = interpolatePositions(pos.index(mx.Slice(1)), side, Math.floor(H / P), Math.floor(W / P));
      pos = mx.concatenate([pos.index(mx.Slice(0, 1)), grid], 0);
    }
    const cls = mx.broadcastTo(mx.reshape(this.cls, [1, 1, C]), [N, 1, C]);
    let x = mx.add(mx.concatenate([cls, patches], 1), pos);
    x = mx.fast.layerNorm(x, this.preLn[0], this.preLn[1], this.cfg.layer_norm_eps);
    const T = x.shape[1];
    x = mx.reshape(x, [N * T, C]);
    for (let i = 0; i < layers; i++) x = this.layers[i].forwardRows(x, N, T);
    return mx.reshape(x, [N, T, C]);
  }
}
