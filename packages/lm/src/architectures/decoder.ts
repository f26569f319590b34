// The decoder-only transformer shared by every registered architecture. Architectures differ only in what
// their config turns into (DecoderSpec) and in tensor naming; the math lives here once.
import * as mx from '@mlx/core';
import { ModelFormatError } from '../errors.js';
import { Embedding, gegluTanh, Linear, RMSNorm, swiglu, type WeightTensor } from '../layers.js';
import { KVCache, QuantizedKVCache, RotatingKVCache, type LayerCache } from '../generation/cache.js';

type A = mx.array;

export interface LayerSpec {
  /** RoPE base (null when `ropeFreqs` gives the per-pair periods, as for Llama 3 scaling). */
  ropeBase: number | null;
  ropeFreqs?: Float32Array;
  /** Position scale (1 / linear scaling factor). */
  ropeScale: number;
  /** Sliding-window size (Infinity for global attention). */
  window: number;
}

export interface DecoderSpec {
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeDims: number;
  /** Interleaved (GPT-J / llama.cpp "NORM") rotary pairs instead of rotate-half. */
  ropeTraditional: boolean;
  layers: LayerSpec[];
  qkNorm: boolean;
  activation: 'silu' | 'gelu_tanh';
  /** Gemma: multiply embeddings by sqrt(hidden). */
  embedScale: number | null;
  /** Gemma: extra norms after attention and around the MLP. */
  sandwichNorms: boolean;
  /** Norm weights stored as w with the model using (1 + w): add 1 at load (HF Gemma). */
  normPlusOne: boolean;
  attnScale: number;
  finalLogitSoftcap: number | null;
  maxContext: number;
  tieEmbeddings: boolean;
}

/** Where weights come from, by Hugging Face tensor name without the `.weight` suffix. */
export interface WeightSource {
  tensor(name: string): WeightTensor | undefined;
  array(name: string): A | undefined;
  file: string;
}

export interface CacheOptions { kvBits?: 4 | 8; kvGroupSize?: number }

class Attention {
  constructor(
    readonly q: Linear, readonly k: Linear, readonly v: Linear, readonly o: Linear,
    readonly qNorm: RMSNorm | null, readonly kNorm: RMSNorm | null, readonly spec: DecoderSpec, readonly layer: LayerSpec,
  ) {}
  forward(x: A, cache: LayerCache, ctx: StepContext): A {
    const [B, T] = x.shape;
    const { numHeads: H, numKvHeads: KV, headDim: D } = this.spec;
    let q = mx.transpose(mx.reshape(this.q.forward(x), [B, T, H, D]), [0, 2, 1, 3]);
    let k = mx.transpose(mx.reshape(this.k.forward(x), [B, T, KV, D]), [0, 2, 1, 3]);
    const v = mx.transpose(mx.reshape(this.v.forward(x), [B, T, KV, D]), [0, 2, 1, 3]);
    if (this.qNorm) q = this.qNorm.forward(q);
    if (this.kNorm) k = this.kNorm.forward(k);
    const offset = ctx.ropeOffset(cache.offset);
    const { ropeBase, ropeFreqs, ropeScale } = this.layer;
    const freqs = ropeFreqs ? ctx.freqsArray(ropeFreqs) : null;
    q = mx.fast.rope(q, this.spec.ropeDims, this.spec.ropeTraditional, freqs ? null : ropeBase, ropeScale, offset, freqs);
    k = mx.fast.rope(k, this.spec.ropeDims, this.spec.ropeTraditional, freqs ? null : ropeBase, ropeScale, offset, freqs);
    const before = cache.offset;
    const { keys, values, keyPositions } = cache.update(k, v);
    const mask = ctx.mask(T, before, keys.shape[2], keyPositions, cache.window);
    const out = mx.fast.scaledDotProductAttention(q, keys, values, this.spec.attnScale, mask);
    return this.o.forward(mx.reshape(mx.transpose(out, [0, 2, 1, 3]), [B, T, H * D]));
  }
}

class MLP {
  constructor(readonly gate: Linear, readonly up: Linear, readonly down: Linear, readonly act: DecoderSpec['activation']) {}
  forward(x: A): A {
    const g = this.gate.forward(x), u = this.up.forward(x);
    return this.down.forward(this.act === 'silu' ? swiglu(g, u) : gegluTanh(g, u));
  }
}

class Block {
  constructor(readonly attn: Attention, readonly mlp: MLP, readonly inputNorm: RMSNorm, readonly postAttnNorm: RMSNorm,
    readonly preFfnNorm: RMSNorm | null, readonly postFfnNorm: RMSNorm | null) {}
  forward(x: A, cache: LayerCache, ctx: StepContext): A {
    if (this.preFfnNorm) {
      // Gemma: norm → attn → norm → residual; norm → mlp → norm → residual
      const a = this.postAttnNorm.forward(this.attn.forward(this.inputNorm.forward(x), cache, ctx));
      const h = mx.add(x, a);
      return mx.add(h, this.postFfnNorm!.forward(this.mlp.forward(this.preFfnNorm.forward(h))));
    }
    const h = mx.add(x, this.attn.forward(this.inputNorm.forward(x), cache, ctx));
    return mx.add(h, this.mlp.forward(this.postAttnNorm.forward(h)));
  }
}

/** Per-forward helpers: masks shared by the layers of one window size, RoPE offsets of a left-padded batch. */
class StepContext {
  private masks = new Map<string, A | 'causal' | undefined>();
  private freqs = new Map<Float32Array, A>();
  constructor(readonly batch: number, readonly leftPad: number[] | null) {}
  ropeOffset(offset: number): number | A {
    if (!this.leftPad) return offset;
    return mx.array(Int32Array.from(this.leftPad, (p) => offset - p));
  }
  freqsArray(f: Float32Array): A {
    let a = this.freqs.get(f);
    if (!a) this.freqs.set(f, (a = mx.array(f)));
    return a;
  }
  mask(T: number, before: number, L: number, keyPositions: () => number[], window: number): A | 'causal' | undefined {
    const key = `${T}:${before}:${L}:${window}`;
    if (this.masks.has(key)) return this.masks.get(key);
    const m = this.build(T, before, L, keyPositions, window);
    this.masks.set(key, m);
    return m;
  }
  private build(T: number, before: number, L: number, keyPositions: () => number[], window: number) {
    const pos = keyPositions();
    const contiguous = pos.length === L && pos[0] === 0 && pos[L - 1] === L - 1 && L === before + T;
    if (!this.leftPad && contiguous && L <= window) return T === 1 ? undefined : 'causal';
    const B = this.leftPad ? this.batch : 1;
    const m = new Uint8Array(B * T * L);
    for (let b = 0; b < B; b++) {
      const pad = this.leftPad ? this.leftPad[b] : 0;
      for (let i = 0; i < T; i++) {
        const qp = before + i, row = (b * T + i) * L;
        for (let j = 0; j < L; j++) {
          const kp = pos[j];
          m[row + j] = kp >= pad && kp <= qp && qp - kp < window ? 1 : 0;
        }
      }
    }
    return mx.reshape(mx.array(m, mx.bool), [B, 1, T, L]);
  }
}

export class DecoderModel {
  readonly embed: Embedding;
  readonly blocks: Block[];
  readonly norm: RMSNorm;
  readonly lmHead: Linear | null;

  constructor(readonly spec: DecoderSpec, w: WeightSource) {
    const need = (name: string): WeightTensor => {
      const t = w.tensor(name);
      if (!t) throw new ModelFormatError(`${w.file}: missing tensor '${name}' for ${spec.modelType}.`, w.file);
      return t;
    };
    const norm = (name: string) => {
      let a = w.array(`${name}.weight`);
      if (!a) throw new ModelFormatError(`${w.file}: missing tensor '${name}.weight' for ${spec.modelType}.`, w.file);
      a = mx.astype(a, mx.float32);
      if (spec.normPlusOne) a = mx.add(a, 1);
      return new RMSNorm(a, spec.rmsNormEps);
    };
    const linear = (name: string) => new Linear(need(name), w.array(`${name}.bias`));
    this.embed = new Embedding(need('model.embed_tokens'));
    const [vocab, hidden] = embedShape(this.embed, spec);
    if (vocab !== spec.vocabSize || hidden !== spec.hiddenSize)
      throw new ModelFormatError(`${w.file}: embedding is [${vocab}, ${hidden}], config says [${spec.vocabSize}, ${spec.hiddenSize}].`, w.file);
    this.blocks = spec.layers.map((layer, i) => {
      const p = `model.layers.${i}`;
      const attn = new Attention(linear(`${p}.self_attn.q_proj`), linear(`${p}.self_attn.k_proj`), linear(`${p}.self_attn.v_proj`),
        linear(`${p}.self_attn.o_proj`), spec.qkNorm ? norm(`${p}.self_attn.q_norm`) : null,
        spec.qkNorm ? norm(`${p}.self_attn.k_norm`) : null, spec, layer);
      const q = attn.q.outputDims, kv = attn.k.outputDims;
      if (q !== spec.numHeads * spec.headDim || kv !== spec.numKvHeads * spec.headDim)
        throw new ModelFormatError(`${w.file}: layer ${i} projections (${q}, ${kv}) do not match heads × headDim.`, w.file);
      const mlp = new MLP(linear(`${p}.mlp.gate_proj`), linear(`${p}.mlp.up_proj`), linear(`${p}.mlp.down_proj`), spec.activation);
      return new Block(attn, mlp, norm(`${p}.input_layernorm`), norm(`${p}.post_attention_layernorm`),
        spec.sandwichNorms ? norm(`${p}.pre_feedforward_layernorm`) : null,
        spec.sandwichNorms ? norm(`${p}.post_feedforward_layernorm`) : null);
    });
    this.norm = norm('model.norm');
    const head = spec.tieEmbeddings ? undefined : w.tensor('lm_head');
    this.lmHead = head ? new Linear(head) : null;
  }

  /** Logits [B, T, vocab] (float32) for token ids [B, T]; appends to the caches. */
  forward(ids: A, caches: LayerCache[], opts: { leftPad?: number[] | null; lastOnly?: boolean } = {}): A {
    const [B] = ids.shape;
    const ctx = new StepContext(B, opts.leftPad && opts.leftPad.some((p) => p > 0) ? opts.leftPad : null);
    let h = this.embed.forward(ids);
    if (this.spec.embedScale !== null) h = mx.multiply(h, Math.fround(this.spec.embedScale));
    for (let i = 0; i < this.blocks.length; i++) h = this.blocks[i].forward(h, caches[i], ctx);
    if (opts.lastOnly && h.shape[1] > 1) h = h.index(mx.Slice(), mx.Slice(-1), mx.Slice());
    h = this.norm.forward(h);
    let logits = this.lmHead ? this.lmHead.forward(h) : this.embed.asLinear(h);
    const cap = this.spec.finalLogitSoftcap;
    if (cap) logits = mx.multiply(mx.tanh(mx.divide(logits, cap)), cap);
    return logits;
  }

  newCache(opts: CacheOptions = {}): LayerCache[] {
    return this.spec.layers.map((l) => Number.isFinite(l.window) ? new RotatingKVCache(l.window)
      : opts.kvBits ? new QuantizedKVCache(opts.kvBits, opts.kvGroupSize ?? 32) : new KVCache());
  }

  /** Bytes of weights read per decoded token (every weight once; the embedding table only as output layer). */
  weightBytes(): number {
    let n = 0;
    const add = (arrs: A[]) => { for (const a of arrs) n += a.nbytes; };
    for (const b of this.blocks) {
      for (const l of [b.attn.q, b.attn.k, b.attn.v, b.attn.o, b.mlp.gate, b.mlp.up, b.mlp.down]) add(l.arrays());
    }
    add(this.lmHead ? this.lmHead.arrays() : this.embed.arrays());
    return n;
  }
}

function embedShape(e: Embedding, spec: DecoderSpec): [number, number] {
  const { weight, quant } = e.w;
  const [v, c] = weight.shape;
  return [v, quant ? (c * 32) / quant.bits : c];
  void spec;
}

/** Llama 3 RoPE scaling: per-pair periods (MLX `freqs`), stretched for long wavelengths. */
export function llama3RopeFreqs(base: number, dims: number, p: { factor: number; lowFreqFactor: number; highFreqFactor: number; originalMax: number }): Float32Array {
  const out = new Float32Array(dims / 2);
  const lowWav = p.originalMax / p.lowFreqFactor, highWav = p.originalMax / p.highFreqFactor;
  for (let i = 0; i < dims / 2; i++) {
    let f = base ** ((2 * i) / dims);
    const wav = 2 * Math.PI * f;
    if (wav > lowWav) f *= p.factor;
    else if (wav > highWav) {
      const smooth = (p.originalMax / wav - p.lowFreqFactor) / (p.highFreqFactor - p.lowFreqFactor);
      f = f / ((1 - smooth) / p.factor + smooth);
    }
    out[i] = f;
  }
  return out;
}
