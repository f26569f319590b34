// SigLIP ViT vision tower as used by Idefics3/SmolVLM: conv patch embedding with bias, learned positions looked up
// by bucketing each image's fractional patch coordinates (so padded / smaller tiles reuse the full grid), encoder
// layers with GELU-tanh, post-LayerNorm on every token. Padded patches are masked out of attention.
import * as mx from '@mlx/core';
import { z } from 'zod';
import { take, type Weights } from '../language/decoder.js';
import { activation, lin, patchify, toWeightDtype, VitLayer, vitConfigSchema } from './common.js';

type A = mx.array;

export const siglipVisionConfigSchema = vitConfigSchema({ layerNormEps: 1e-6, hiddenAct: 'gelu_pytorch_tanh' });
export type SiglipVisionConfig = z.infer<typeof siglipVisionConfigSchema>;

/** Position ids of the valid patches of an nh x nw patch grid in a side x side table (HF's bucketize rule). */
export function bucketPositions(nh: number, nw: number, side: number): Int32Array {
  const key = `${nh}x${nw}/${side}`;
  let ids = positionCache.get(key);
  if (!ids) {
    ids = computeBucketPositions(nh, nw, side);
    if (positionCache.size > 64) positionCache.clear();
    positionCache.set(key, ids);
  }
  return ids;
}
// Every tile of a split image shares one grid: the ids are computed once per grid (0.3 ms each otherwise, which
// was a third of a 13-tile GPU encode's host time).
const positionCache = new Map<string, Int32Array>();

function computeBucketPositions(nh: number, nw: number, side: number): Int32Array {
  const f = Math.fround;
  const step = f(1 / side);
  const bounds: number[] = [];
  for (let i = 1; f(step * i) < 1; i++) bounds.push(f(step * i));
  const coords = (n: number) => {
    const d = f(1 / n), out: number[] = [];
    for (let i = 0; f(i * d) < 1 - 1e-6; i++) out.push(f(i * d));
    return out;
  };
  const bucket = (x: number) => bounds.filter((b) => b <= x).length; // right=True: count of boundaries <= x
  const rows = coords(nh).map(bucket), cols = coords(nw).map(bucket);
  const ids = new Int32Array(rows.length * cols.length);
  let k = 0;
  for (const r of rows) for (const c of cols) ids[k++] = r * side + c;
  return ids;
}

export class SiglipVisionTower {
  readonly layers: VitLayer[];
  readonly patchW: A; readonly patchB: A; readonly pos: A; readonly postLn;
  constructor(readonly cfg: SiglipVisionConfig, w: Weights, p: string, file: string) {
    this.patchW = mx.reshape(take(w, `${p}embeddings.patch_embedding.weight`, file), [cfg.hidden_size, -1]);
    this.patchB = take(w, `${p}embeddings.patch_embedding.bias`, file);
    this.pos = take(w, `${p}embeddings.position_embedding.weight`, file);
    this.postLn = lin(w, `${p}post_layernorm`, file);
    const act = activation(cfg.hidden_act);
    this.layers = Array.from({ length: cfg.num_hidden_layers }, (_, i) => new VitLayer(w, `${p}encoder.layers.${i}.`, file, cfg.num_attention_heads, cfg.layer_norm_eps, act));
  }

  /** pixels [N, 3, H, W] (H, W = image_size), patch masks [N][gh*gw] (1 = real) → [N, gh*gw, hidden]. */
  forward(pix: A, patchMask?: Uint8Array[]): A {
    const P = this.cfg.patch_size, side = this.cfg.image_size / P;
    const [N, , H, W] = pix.shape, gh = Math.floor(H / P), gw = Math.floor(W / P);
    let x = mx.add(mx.matmul(patchify(toWeightDtype(pix, this.patchW), P), mx.transpose(this.patchW)), this.patchB);
    const ids = new Int32Array(N * gh * gw);
    let allFull = true;
    for (let n = 0; n < N; n++) {
      const m = patchMask?.[n];
      const full = !m || m.every((v) => v === 1);
      allFull &&= full;
      let nh = gh, nw = gw;
      if (!full) { nh = 0; nw = 0; for (let i = 0; i < gh; i++) nh += m![i * gw]; for (let j = 0; j < gw; j++) nw += m![j]; }
      const pos = bucketPositions(nh, nw, side);
      if (full) { ids.set(pos, n * gh * gw); continue; }
      let k = 0;
      for (let i = 0; i < gh * gw; i++) if (m![i]) ids[n * gh * gw + i] = pos[k++];
    }
    x = mx.add(x, mx.reshape(mx.take(this.pos, mx.array(ids), 0), [N, gh * gw, -1]));
    let mask: A | undefined;
    if (!allFull) {
      const keep = new Uint8Array(N * gh * gw);
      patchMask!.forEach((m, n) => keep.set(m, n * gh * gw));
      mask = mx.reshape(mx.array(keep, mx.bool), [N, 1, 1, gh * gw]);
    }
    const T = gh * gw, C = this.cfg.hidden_size;
    x = mx.reshape(x, [N * T, C]);
    for (const l of this.layers) x = l.forwardRows(x, N, T, mask);
    return mx.reshape(mx.fast.layerNorm(x, this.postLn[0], this.postLn[1], this.cfg.layer_norm_eps), [N, T, C]);
  }
}
