// Qwen2-VL vision transformer: flattened (t, h, w) patches through a linear patch embedding (HF's Conv3d), 2-D
// rotary embeddings (rows on the first half of each head's rotary dims, columns on the second), attention restricted
// to each image, and a patch merger (LayerNorm, then an MLP over merge x merge neighbouring patches).
import * as mx from '@mlx/core';
import { z } from 'zod';
import { attention } from '../attention.js';
import { take, type Weights } from '../language/decoder.js';
import { activation, lin, linear, toWeightDtype } from './common.js';

type A = mx.array;

export const qwen2VisionConfigSchema = z.object({
  depth: z.number().int().positive(),
  embed_dim: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  num_heads: z.number().int().positive(),
  mlp_ratio: z.number().positive().default(4),
  patch_size: z.number().int().positive(),
  spatial_merge_size: z.number().int().positive().default(2),
  temporal_patch_size: z.number().int().positive().default(2),
  in_channels: z.number().int().positive().default(3),
  hidden_act: z.string().default('quick_gelu'),
}).loose();
export type Qwen2VisionConfig = z.infer<typeof qwen2VisionConfigSchema>;

export class Qwen2VisionTower {
  readonly patchW: A;
  readonly blocks;
  readonly lnQ; readonly mlp0; readonly mlp2;
  readonly act;
  constructor(readonly cfg: Qwen2VisionConfig, w: Weights, p: string, file: string) {
    this.patchW = mx.reshape(take(w, `${p}patch_embed.proj.weight`, file), [cfg.embed_dim, -1]);
    this.act = activation(cfg.hidden_act);
    this.blocks = Array.from({ length: cfg.depth }, (_, i) => {
      const b = `${p}blocks.${i}.`;
      return { n1: lin(w, b + 'norm1', file), n2: lin(w, b + 'norm2', file), qkv: lin(w, b + 'attn.qkv', file),
        proj: lin(w, b + 'attn.proj', file), fc1: lin(w, b + 'mlp.fc1', file), fc2: lin(w, b + 'mlp.fc2', file) };
    });
    this.lnQ = lin(w, `${p}merger.ln_q`, file);
    this.mlp0 = lin(w, `${p}merger.mlp.0`, file);
    this.mlp2 = lin(w, `${p}merger.mlp.2`, file);
  }

  /** cos/sin [N, headDim] of the 2-D rotary embedding for patches in merge-window order. */
  private rotary(grids: number[][]): [A, A] {
    const D = this.cfg.embed_dim / this.cfg.num_heads, M = this.cfg.spatial_merge_size;
    const dim = D / 2, nf = dim / 2;
    const inv = Float64Array.from({ length: nf }, (_, i) => Math.fround(1 / Math.fround(10000 ** Math.fround((2 * i) / dim))));
    const rows: number[][] = [];
    for (const [t, h, w] of grids) for (let f = 0; f < t; f++)
      for (let bh = 0; bh < h / M; bh++) for (let bw = 0; bw < w / M; bw++) for (let mh = 0; mh < M; mh++) for (let mw = 0; mw < M; mw++)
        rows.push([bh * M + mh, bw * M + mw]);
    const N = rows.length;
    const cos = new Float32Array(N * D), sin = new Float32Array(N * D);
    rows.forEach(([hp, wp], n) => {
      for (let i = 0; i < nf; i++) {
        const a = [Math.fround(hp * inv[i]), Math.fround(wp * inv[i])];
        for (let ax = 0; ax < 2; ax++) {
          const j = ax * nf + i, c = Math.cos(a[ax]), s = Math.sin(a[ax]);
          cos[n * D + j] = cos[n * D + j + dim] = c;
          sin[n * D + j] = sin[n * D + j + dim] = s;
        }
      }
    });
    return [mx.array(cos).reshape([N, 1, D]), mx.array(sin).reshape([N, 1, D])];
  }

  /** patches [N, C*T*P*P], grids [[t, h, w]] → merged features [N / merge², hidden]. */
  forward(patches: A, grids: number[][]): A {
    const C = this.cfg.embed_dim, H = this.cfg.num_heads, D = C / H, M = this.cfg.spatial_merge_size;
    let x = mx.matmul(toWeightDtype(patches, this.patchW), mx.transpose(this.patchW));
    const N = x.shape[0];
    const [cos, sin] = this.rotary(grids);
    const rope = (t: A) => {
      const t1 = t.index('...', mx.Slice(0, D / 2)), t2 = t.index('...', mx.Slice(D / 2));
      return mx.add(mx.multiply(t, cos), mx.multiply(mx.concatenate([mx.negative(t2), t1], -1), sin));
    };
    // block-diagonal attention: one segment per frame of each image
    const seg = new Int32Array(N);
    let off = 0, id = 0;
    for (const [t, h, w] of grids) for (let f = 0; f < t; f++) { seg.fill(id++, off, off + h * w); off += h * w; }
    const segs = mx.array(seg);
    const mask = grids.length * Math.max(1, grids[0][0]) > 1
      ? mx.reshape(mx.equal(mx.reshape(segs, [N, 1]), mx.reshape(segs, [1, N])), [1, 1, N, N]) : undefined;
    for (const b of this.blocks) {
      const y = mx.fast.layerNorm(x, b.n1[0], b.n1[1], 1e-6);
      const qkv = mx.reshape(linear(y, ...b.qkv), [N, 3, H, D]);
      const q = rope(qkv.index(mx.Slice(), 0)), k = rope(qkv.index(mx.Slice(), 1)), v = qkv.index(mx.Slice(), 2);
      const tr = (t: A) => mx.expandDims(mx.transpose(t, [1, 0, 2]), 0);           // [1, H, N, D]
      const att = attention(tr(q), tr(k), tr(v), 1 / Math.sqrt(D), mask);
      x = mx.add(x, linear(mx.reshape(mx.transpose(att.index(0), [1, 0, 2]), [N, C]), ...b.proj));
      const z = mx.fast.layerNorm(x, b.n2[0], b.n2[1], 1e-6);
      x = mx.add(x, linear(this.act(linear(z, ...b.fc1)), ...b.fc2));
    }
    const m = mx.reshape(mx.fast.layerNorm(x, this.lnQ[0], this.lnQ[1], 1e-6), [N / (M * M), C * M * M]);
    const gelu = activation('gelu');
    return linear(gelu(linear(m, ...this.mlp0)), ...this.mlp2);
  }
}
