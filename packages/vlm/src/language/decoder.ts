// The language half of a VLM: a Llama/Qwen2 decoder that starts from input embeddings (so image features can be
// spliced in) and supports Qwen2-VL's multimodal RoPE (3 position axes over sections of the rotary dims).
// @mlx/lm's DecoderModel only takes token ids and 1-D positions, hence this small copy of the math.
import * as mx from '@mlx/core';
import { KVCache, type LayerCache } from '@mlx/lm';
import { z } from 'zod';
import { attention } from '../attention.js';
import { ModelFormatError } from '../errors.js';

type A = mx.array;

export const textConfigSchema = z.object({
  model_type: z.string().optional(),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive().optional(),
  head_dim: z.number().int().positive().nullable().optional(),
  rms_norm_eps: z.number().default(1e-6),
  rope_theta: z.number().optional(),
  rope_parameters: z.object({ rope_theta: z.number().optional(), mrope_section: z.array(z.number().int()).optional() }).loose().nullable().optional(),
  rope_scaling: z.object({ mrope_section: z.array(z.number().int()).optional() }).loose().nullable().optional(),
  max_position_embeddings: z.number().int().positive().default(4096),
  attention_bias: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(false),
  hidden_act: z.string().default('silu'),
}).loose();
export type TextConfig = z.infer<typeof textConfigSchema>;

export type Weights = Map<string, A>;

export function take(w: Weights, name: string, file: string): A {
  const a = w.get(name);
  if (!a) throw new ModelFormatError(`${file}: missing tensor '${name}'`, file);
  return a;
}

/** x · wT (+ b) with wT already [in, out]. */
const linearT = (x: A, wT: A, b?: A) => (b ? mx.add(mx.matmul(x, wT), b) : mx.matmul(x, wT));

/**
 * One decoder layer's weights, prepared at load: q/k/v and gate/up concatenated along the output (one matmul each),
 * and every projection as the evaluated transposed view [in, out] of the stored [out, in] (no Transpose node per
 * step). The prepared arrays replace their sources in the weight map, which owns them.
 */
interface Layer { qkvT: A; qkvB?: A; oT: A; gateUpT: A; downT: A; ln1: A; ln2: A }

/** Rotate-half RoPE with explicit cos/sin [T, D] (used for M-RoPE). */
function ropeWith(x: A, cos: A, sin: A): A {
  const D = x.shape[3];
  const x1 = x.index('...', mx.Slice(0, D / 2)), x2 = x.index('...', mx.Slice(D / 2));
  const rot = mx.concatenate([mx.negative(x2), x1], -1);
  return mx.add(mx.multiply(x, cos), mx.multiply(rot, sin));
}

export class TextDecoder {
  readonly layers: Layer[];
  readonly embedTokens: A;
  readonly norm: A;
  readonly lmHeadT: A;
  readonly nHeads: number;
  readonly nKv: number;
  readonly headDim: number;
  readonly theta: number;
  readonly mropeSection: number[] | null;
  readonly invFreq: Float64Array;

  /** `prefix` is where the decoder's `layers.N…`, `embed_tokens`, `norm` live (e.g. `model.text_model.`). */
  constructor(readonly cfg: TextConfig, w: Weights, prefix: string, lmHeadName: string, file: string, qkvBias: boolean) {
    this.nHeads = cfg.num_attention_heads;
    this.nKv = cfg.num_key_value_heads ?? cfg.num_attention_heads;
    this.headDim = cfg.head_dim ?? cfg.hidden_size / cfg.num_attention_heads;
    this.theta = cfg.rope_parameters?.rope_theta ?? cfg.rope_theta ?? 10000;
    this.mropeSection = cfg.rope_parameters?.mrope_section ?? cfg.rope_scaling?.mrope_section ?? null;
    this.invFreq = Float64Array.from({ length: this.headDim / 2 }, (_, i) => Math.fround(1 / Math.fround(this.theta ** Math.fround((2 * i) / this.headDim))));
    const g = (n: string) => take(w, prefix + n, file);
    const opt = (n: string) => w.get(prefix + n);
    this.embedTokens = g('embed_tokens.weight');
    this.norm = g('norm.weight');
    const head = cfg.tie_word_embeddings ? this.embedTokens : (w.get(lmHeadName) ?? this.embedTokens);
    // Sources [out, in] → one evaluated transposed view of their concatenation, stored in the map in their place.
    const prepare = (names: string[], key: string): A => {
      const ws = names.map((n) => g(n));
      const cat = ws.length > 1 ? mx.concatenate(ws, 0) : ws[0];
      const t = mx.transpose(cat);
      mx.eval(t);
      if (ws.length > 1) { cat.dispose(); for (const n of names) { w.get(prefix + n)?.dispose(); w.delete(prefix + n); } }
      w.set(`${prefix}${key}^T`, t);
      return t;
    };
    this.lmHeadT = mx.transpose(head);
    mx.eval(this.lmHeadT);
    w.set(`${lmHeadName}^T`, this.lmHeadT);
    this.layers = Array.from({ length: cfg.num_hidden_layers }, (_, i) => {
      const p = `layers.${i}.`, a = `${p}self_attn.`;
      const bias = qkvBias || cfg.attention_bias;
      const qkvNames = ['q_proj', 'k_proj', 'v_proj'].map((n) => `${a}${n}`);
      let qkvB: A | undefined;
      const bs = bias ? qkvNames.map((n) => opt(`${n}.bias`)) : [];
      if (bs.some(Boolean)) {
        const sizes = qkvNames.map((n) => g(`${n}.weight`).shape[0]);
        qkvB = mx.concatenate(bs.map((b, j) => b ?? mx.zeros([sizes[j]], g(`${qkvNames[0]}.weight`).dtype)), 0);
        mx.eval(qkvB);
        for (const n of qkvNames) { w.get(prefix + n + '.bias')?.dispose(); w.delete(prefix + n + '.bias'); }
        w.set(`${prefix}${a}qkv_proj.bias`, qkvB);
      }
      return {
        qkvT: prepare(qkvNames.map((n) => `${n}.weight`), `${a}qkv_proj.weight`), qkvB,
        oT: prepare([`${a}o_proj.weight`], `${a}o_proj.weight`),
        gateUpT: prepare([`${p}mlp.gate_proj.weight`, `${p}mlp.up_proj.weight`], `${p}mlp.gate_up_proj.weight`),
        downT: prepare([`${p}mlp.down_proj.weight`], `${p}mlp.down_proj.weight`),
        ln1: g(p + 'input_layernorm.weight'), ln2: g(p + 'post_attention_layernorm.weight'),
      };
    });
  }

  get maxContext(): number { return this.cfg.max_position_embeddings; }
  get vocabSize(): number { return this.cfg.vocab_size; }

  embed(ids: readonly number[]): A {
    return mx.take(this.embedTokens, mx.array(Int32Array.from(ids)), 0);
  }

  newCache(): LayerCache[] { return this.layers.map(() => new KVCache()); }

  /** cos/sin [T, D] for M-RoPE positions [3][T]: rotary pair j uses the axis whose section holds j. */
  private mropeCosSin(pos: number[][]): [A, A] {
    const half = this.headDim / 2, T = pos[0].length;
    const axisOf = new Int32Array(half);
    let j = 0;
    this.mropeSection!.forEach((n, axis) => { for (let k = 0; k < n; k++) axisOf[j++] = axis; });
    const cos = new Float32Array(T * this.headDim), sin = new Float32Array(T * this.headDim);
    for (let t = 0; t < T; t++) for (let i = 0; i < half; i++) {
      const ang = Math.fround(pos[axisOf[i]][t] * this.invFreq[i]);
      const c = Math.cos(ang), s = Math.sin(ang);
      cos[t * this.headDim + i] = cos[t * this.headDim + i + half] = c;
      sin[t * this.headDim + i] = sin[t * this.headDim + i + half] = s;
    }
    return [mx.array(cos).reshape([T, this.headDim]), mx.array(sin).reshape([T, this.headDim])];
  }

  /**
   * Logits [1, T, vocab] for input embeddings [1, T, hidden]. `positions` ([3][T]) switches to M-RoPE; otherwise
   * positions continue from the cache offset. `lastOnly` computes logits for the last position only.
   */
  forward(h: A, caches: LayerCache[], opts: { positions?: number[][]; lastOnly?: boolean } = {}): A {
    const [B, T] = h.shape;
    const H = this.nHeads, KV = this.nKv, D = this.headDim, eps = this.cfg.rms_norm_eps;
    let cs: [A, A] | null = null;
    if (this.mropeSection) {
      const off = caches[0].offset;
      const pos = opts.positions ?? [0, 1, 2].map(() => Array.from({ length: T }, (_, i) => off + i));
      cs = this.mropeCosSin(pos);
    }
    const mask = T > 1 ? 'causal' as const : undefined;
    for (let i = 0; i < this.layers.length; i++) {
      const L = this.layers[i], cache = caches[i];
      const x = mx.fast.rmsNorm(h, L.ln1, eps);
      // [B, T, (H + 2 KV) D] → [B, T, H + 2 KV, D] (a view) → q, k, v slices as [B, heads, T, D]
      const qkv = mx.reshape(linearT(x, L.qkvT, L.qkvB), [B, T, H + 2 * KV, D]);
      const heads = (a: number, b: number) => mx.transpose(qkv.index(mx.Slice(), mx.Slice(), mx.Slice(a, b)), [0, 2, 1, 3]);
      let q = heads(0, H), k = heads(H, H + KV);
      const v = heads(H + KV, H + 2 * KV);
      if (cs) { q = ropeWith(q, cs[0], cs[1]); k = ropeWith(k, cs[0], cs[1]); }
      else { q = mx.fast.rope(q, D, false, this.theta, 1, cache.offset); k = mx.fast.rope(k, D, false, this.theta, 1, cache.offset); }
      const { keys, values } = cache.update(k, v);
      const att = attention(q, keys, values, 1 / Math.sqrt(D), mask);
      h = mx.add(h, linearT(mx.reshape(mx.transpose(att, [0, 2, 1, 3]), [B, T, H * D]), L.oT));
      const y = mx.fast.rmsNorm(h, L.ln2, eps);
      const gu = linearT(y, L.gateUpT), I = L.gateUpT.shape[1] / 2;
      const gate = gu.index('...', mx.Slice(0, I)), up = gu.index('...', mx.Slice(I));
      h = mx.add(h, linearT(mx.multiply(mx.multiply(gate, mx.sigmoid(gate)), up), L.downT));
    }
    if (opts.lastOnly && T > 1) h = h.index(mx.Slice(), mx.Slice(-1), mx.Slice());
    return linearT(mx.fast.rmsNorm(h, this.norm, eps), this.lmHeadT);
  }
}
