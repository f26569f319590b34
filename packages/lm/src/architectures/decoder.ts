// The decoder-only transformer shared by every registered architecture. Architectures differ only in what
// their config turns into (DecoderSpec) and in tensor naming; the math lives here once.
import * as mx from '@mlx/core';
import { ModelFormatError } from '../errors.js';
import { gegluGgml, ggmlActivationFormat } from '../ggml-rounding.js';
import { flashAttentionF16, ggmlRopeCosSin } from '../emulation.js';
import { Embedding, emulatedAttention, emulateQ8Activations, gegluTanh, Linear, RMSNorm, swiglu, type WeightTensor } from '../layers.js';
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
  /** Drops (and disposes) arrays the model no longer needs. */
  release?(arrays: A[]): void;
}

export interface CacheOptions { kvBits?: 4 | 8; kvGroupSize?: number }

export interface DecoderOptions {
  /**
   * Round activations before each quantized product as llama.cpp's CPU backend does (Q8_0 / Q8_1 / Q8_K by
   * weight type, see ggml-rounding.ts), for comparisons with llama.cpp; slower, off by default.
   */
  ggmlActivationRounding?: boolean;
}

/** Rotary position input of one forward: cache offsets (default), explicit positions, or precomputed cos/sin. */
export type RopeInput =
  | { kind: 'offset' }
  | { kind: 'positions'; positions: A /* int32 [B, T] */ }
  | { kind: 'cosSin'; cosSin: RopeCosSin | ((layer: number) => RopeCosSin) };
/** cos/sin of the rotation angle per pair, [B, T, ropeDims / 2] (e.g. Qwen2-VL's M-RoPE sections). */
export interface RopeCosSin { cos: A; sin: A }

/** q/k/v projections, fused into one matmul when the three weights share a format. */
class QKV {
  constructor(readonly fused: Linear | null, readonly parts: [Linear, Linear, Linear], readonly sizes: [number, number, number]) {}
  forward(x: A): [A, A, A] {
    if (!this.fused) return this.parts.map((l) => l.forward(x)) as [A, A, A];
    const [q, k, v] = mx.split(this.fused.forward(x), [this.sizes[0], this.sizes[0] + this.sizes[1]], -1);
    return [q, k, v];
  }
}

class Attention {
  readonly qkv: QKV;
  constructor(
    q: Linear, k: Linear, v: Linear, readonly o: Linear,
    readonly qNorm: RMSNorm | null, readonly kNorm: RMSNorm | null, readonly spec: DecoderSpec, readonly layer: LayerSpec,
    readonly index: number,
  ) {
    this.qkv = new QKV(emulateQ8Activations ? null : fuseLinears([q, k, v]), [q, k, v], [q.outputDims, k.outputDims, v.outputDims]);
  }

  /** q, k, v as [B, heads, T, D] with q/k norms applied (before RoPE). */
  private project(x: A): [A, A, A] {
    const [B, T] = x.shape;
    const { numHeads: H, numKvHeads: KV, headDim: D } = this.spec;
    const [q0, k0, v0] = this.qkv.forward(x);
    let q = mx.transpose(mx.reshape(q0, [B, T, H, D]), [0, 2, 1, 3]);
    let k = mx.transpose(mx.reshape(k0, [B, T, KV, D]), [0, 2, 1, 3]);
    const v = mx.transpose(mx.reshape(v0, [B, T, KV, D]), [0, 2, 1, 3]);
    if (this.qNorm) q = this.qNorm.forward(q);
    if (this.kNorm) k = this.kNorm.forward(k);
    return [q, k, v];
  }

  /** RoPE of x [B, heads, T, D] at integer offsets (a number, or one per batch row). */
  private ropeAt(x: A, offset: number | A, ctx: { freqsArray(f: Float32Array): A }): A {
    const { ropeBase, ropeFreqs, ropeScale } = this.layer;
    const freqs = ropeFreqs ? ctx.freqsArray(ropeFreqs) : null;
    return mx.fast.rope(x, this.spec.ropeDims, this.spec.ropeTraditional, freqs ? null : ropeBase, ropeScale, offset, freqs);
  }

  /** RoPE at explicit positions [B, T]: each token becomes its own batch row so the fused kernel takes its offset. */
  private ropePositions(x: A, positions: A, ctx: StepContext): A {
    const [B, Hh, T, D] = x.shape;
    const rows = mx.reshape(mx.transpose(x, [0, 2, 1, 3]), [B * T, Hh, 1, D]);
    const r = this.ropeAt(rows, mx.reshape(positions, [B * T]), ctx);
    return mx.transpose(mx.reshape(r, [B, T, Hh, D]), [0, 2, 1, 3]);
  }

  private ropeCosSin(x: A, { cos, sin }: RopeCosSin): A {
    const [B, , T, D] = x.shape;
    const R = this.spec.ropeDims, half = R / 2;
    const c = mx.reshape(cos, [B, 1, T, half]), s = mx.reshape(sin, [B, 1, T, half]);
    const rot = R < D ? x.index(mx.Slice(), mx.Slice(), mx.Slice(), mx.Slice(0, R)) : x;
    let out: A;
    if (this.spec.ropeTraditional) {  // interleaved pairs (x0, x1), (x2, x3), …
      const p = mx.reshape(rot, [B, x.shape[1], T, half, 2]);
      const all = mx.Slice(), a = p.index(all, all, all, all, 0), b = p.index(all, all, all, all, 1);
      out = mx.reshape(mx.stack([mx.subtract(mx.multiply(a, c), mx.multiply(b, s)), mx.add(mx.multiply(a, s), mx.multiply(b, c))], -1), rot.shape);
    } else {  // rotate-half pairs (x_i, x_{i+half})
      const [a, b] = mx.split(rot, 2, -1);
      out = mx.concatenate([mx.subtract(mx.multiply(a, c), mx.multiply(b, s)), mx.add(mx.multiply(a, s), mx.multiply(b, c))], -1);
    }
    return R < D ? mx.concatenate([out, x.index(mx.Slice(), mx.Slice(), mx.Slice(), mx.Slice(R))], -1) : out;
  }

  private rope(x: A, cache: LayerCache, ctx: StepContext): A {
    const r = ctx.rope;
    if (r.kind === 'positions') return this.ropePositions(x, r.positions, ctx);
    if (r.kind === 'cosSin') return this.ropeCosSin(x, typeof r.cosSin === 'function' ? r.cosSin(this.index) : r.cosSin);
    const l = this.layer;
    if (emulateQ8Activations && !ctx.leftPad && x.shape[0] === 1 && l.ropeBase !== null && !l.ropeFreqs && l.ropeScale === 1)
      return this.ropeCosSin(x, ggmlRopeCosSin(cache.offset, x.shape[2], l.ropeBase, this.spec.ropeDims));
    return this.ropeAt(x, ctx.ropeOffset(cache.offset), ctx);
  }

  forward(x: A, cache: LayerCache, ctx: StepContext): A {
    const [B, T] = x.shape;
    const { numHeads: H, headDim: D } = this.spec;
    let [q, k, v] = this.project(x);
    q = this.rope(q, cache, ctx);
    k = this.rope(k, cache, ctx);
    const before = cache.offset;
    if (emulateQ8Activations) {  // llama.cpp keeps K/V (and the query in Q·K) in f16
      const h = (a: A) => mx.astype(mx.astype(a, mx.float16), mx.float32);
      q = h(q), k = h(k), v = h(v);
    }
    const { keys, values, keyPositions } = cache.update(k, v);
    const mask = ctx.mask(T, before, keys.shape[2], keyPositions, cache.window);
    const out = !emulateQ8Activations ? mx.fast.scaledDotProductAttention(q, keys, values, this.spec.attnScale, mask)
      : emulatedAttention === 'noflash' ? f16ProbAttention(q, keys, values, this.spec.attnScale, mask)
        : flashAttentionF16(q, keys, values, this.spec.attnScale, maskPredicate(mask, T, keys.shape[2]));
    return this.o.forward(mx.reshape(mx.transpose(out, [0, 2, 1, 3]), [B, T, H * D]));
  }

  /**
   * One token (x [1, 1, C]) against fixed-shape cache buffers (the compiled decode step): its k/v are written
   * at `slot` (int32 [1]), RoPE at `ropeOffset` (int32 [1]), attention over every slot under `mask`
   * (bool [1, 1, 1, slots]). Returns the output and the updated buffers.
   */
  forwardSlot(x: A, kbuf: A, vbuf: A, slot: A, ropeOffset: A, mask: A, ctx: StepContext): [A, A, A] {
    const { numHeads: H, headDim: D } = this.spec;
    const [q0, k0, v] = this.projectOne(x);
    const q = this.ropeAt(q0, ropeOffset, ctx), k = this.ropeAt(k0, ropeOffset, ctx);
    const keys = mx.sliceUpdate(kbuf, k, slot, [2]), values = mx.sliceUpdate(vbuf, v, slot, [2]);
    const out = mx.fast.scaledDotProductAttention(q, keys, values, this.spec.attnScale, mask);
    // one token: [1, H, 1, D] has the element order of [1, 1, H·D] (no transpose node)
    return [this.o.forward(mx.reshape(out, [1, 1, H * D])), keys, values];
  }

  /**
   * `project` for one token (x [1, 1, C]) with fewer graph nodes: with T = 1, [1, 1, heads, D] and [1, heads, 1, D]
   * are the same layout, so the fused output is reshaped once and the heads sliced (no split, no transposes).
   * Node count matters here: the compiled decode step replays every node each token.
   */
  private projectOne(x: A): [A, A, A] {
    const { numHeads: H, numKvHeads: KV, headDim: D } = this.spec;
    let q: A, k: A, v: A;
    if (this.qkv.fused) {
      const all = mx.reshape(this.qkv.fused.forward(x), [1, H + 2 * KV, 1, D]);
      const s = mx.Slice();
      q = all.index(s, mx.Slice(0, H)), k = all.index(s, mx.Slice(H, H + KV)), v = all.index(s, mx.Slice(H + KV));
    } else {
      const [a, b, c] = this.qkv.parts.map((l) => l.forward(x));
      q = mx.reshape(a, [1, H, 1, D]), k = mx.reshape(b, [1, KV, 1, D]), v = mx.reshape(c, [1, KV, 1, D]);
    }
    if (this.qNorm) q = this.qNorm.forward(q);
    if (this.kNorm) k = this.kNorm.forward(k);
    return [q, k, v];
  }

  /** Flat tokens x [N, C] at positions [N]; the caller's `attend` does the attention (paged KV). */
  forwardFlat(x: A, positions: A, attend: FlatAttend, ctx: StepContext): A {
    const [N] = x.shape;
    const { numHeads: H, headDim: D } = this.spec;
    let [q, k, v] = this.project(mx.expandDims(x, 0));  // [1, heads, N, D]
    const rows = (a: A) => mx.transpose(a, [2, 1, 0, 3]);  // → [N, heads, 1, D]
    q = this.ropeAt(rows(q), positions, ctx), k = this.ropeAt(rows(k), positions, ctx);
    const sq = (a: A) => mx.squeeze(a, 2);
    const out = attend(this.index, sq(q), sq(k), sq(mx.transpose(v, [2, 1, 0, 3])), { window: this.layer.window, scale: this.spec.attnScale });
    return this.o.forward(mx.reshape(out, [N, H * D]));
  }
}

/** MLX_LM_COMPILED_DECODE=0 turns the compiled decode step off (for comparisons). */
const compiledDecodeEnabled = process.env.MLX_LM_COMPILED_DECODE !== '0';
/** MLX_LM_CUDA_GRAPH=0 replays the compiled decode step kernel by kernel on the GPU instead of as one CUDA graph. */
const decodeGraphEnabled = process.env.MLX_LM_CUDA_GRAPH !== '0';

function maskPredicate(mask: A | 'causal' | undefined, T: number, L: number): (b: number, i: number, j: number) => boolean {
  if (mask === undefined) return () => true;
  if (mask === 'causal') return (_b, i, j) => j <= L - T + i;
  const m = mx.astype(mask, mx.uint8).toTypedArray() as Uint8Array, per = mask.shape[0] === 1 ? 0 : T * L;
  return (b, i, j) => m[b * per + i * L + j] === 1;
}

/** llama.cpp's non-flash CPU attention: softmax in f32, probabilities rounded to f16 before the product with V. */
function f16ProbAttention(q: A, k: A, v: A, scale: number, mask: A | 'causal' | undefined): A {
  const [, H, T] = q.shape, KV = k.shape[1], L = k.shape[2];
  if (H !== KV) { k = mx.repeat(k, H / KV, 1); v = mx.repeat(v, H / KV, 1); }
  let s = mx.multiply(mx.matmul(q, mx.transpose(k, [0, 1, 3, 2])), scale);
  if (mask === 'causal') {
    const qi = mx.add(mx.reshape(mx.arange(T), [T, 1]), L - T), kj = mx.reshape(mx.arange(L), [1, L]);
    mask = mx.lessEqual(kj, qi);
  }
  if (mask) s = mx.where(mask, s, -Infinity);
  const p = mx.astype(mx.astype(mx.softmax(s, -1), mx.float16), mx.float32);
  return mx.matmul(p, v);
}

/** Attention callback of `forwardFlat`: q [N, H, D], k/v [N, KVH, D] (RoPE applied) → [N, H, D] or [N, H·D]. */
export type FlatAttend = (layer: number, q: A, k: A, v: A, opts: { window: number; scale: number }) => A;

/** One Linear whose output rows are the given Linears' rows, or null when their formats differ. */
function fuseLinears(ls: Linear[]): Linear | null {
  const [a] = ls;
  const same = ls.every((l) => l.w.quant?.bits === a.w.quant?.bits && l.w.quant?.groupSize === a.w.quant?.groupSize
    && l.w.weight.dtype === a.w.weight.dtype && l.w.scales?.dtype === a.w.scales?.dtype
    && !!l.w.biases === !!a.w.biases && !!l.bias === !!a.bias && l.w.weight.shape[1] === a.w.weight.shape[1]
    && ggmlActivationFormat(l.w.ggmlType) === ggmlActivationFormat(a.w.ggmlType));
  if (!same) return null;
  const cat = (xs: (A | undefined)[]) => (xs[0] ? mx.concatenate(xs as A[], 0) : undefined);
  return new Linear({
    weight: cat(ls.map((l) => l.w.weight))!, scales: cat(ls.map((l) => l.w.scales)), biases: cat(ls.map((l) => l.w.biases)),
    quant: a.w.quant, ggmlType: a.w.ggmlType,
  }, cat(ls.map((l) => l.bias)));
}

class MLP {
  readonly gateUp: Linear | null;
  /** ggml's f16-table GELU (with ggmlActivationRounding). */
  ggmlGelu = false;
  constructor(readonly gate: Linear, readonly up: Linear, readonly down: Linear, readonly act: DecoderSpec['activation']) {
    this.gateUp = emulateQ8Activations ? null : fuseLinears([gate, up]);
  }
  forward(x: A): A {
    let g: A, u: A;
    if (this.gateUp) [g, u] = mx.split(this.gateUp.forward(x), 2, -1);
    else g = this.gate.forward(x), u = this.up.forward(x);
    return this.down.forward(this.act === 'silu' ? swiglu(g, u) : this.ggmlGelu ? gegluGgml(g, u) : gegluTanh(g, u));
  }
}

class Block {
  constructor(readonly attn: Attention, readonly mlp: MLP, readonly inputNorm: RMSNorm, readonly postAttnNorm: RMSNorm,
    readonly preFfnNorm: RMSNorm | null, readonly postFfnNorm: RMSNorm | null) {}
  forward(x: A, cache: LayerCache, ctx: StepContext): A {
    return this.around(x, (h) => this.attn.forward(h, cache, ctx));
  }
  forwardFlat(x: A, positions: A, attend: FlatAttend, ctx: StepContext): A {
    return this.around(x, (h) => this.attn.forwardFlat(h, positions, attend, ctx));
  }
  forwardSlot(x: A, kbuf: A, vbuf: A, slot: A, ropeOffset: A, mask: A, ctx: StepContext): [A, A, A] {
    let kv: [A, A] | null = null;
    const out = this.around(x, (h) => {
      const [o, k, v] = this.attn.forwardSlot(h, kbuf, vbuf, slot, ropeOffset, mask, ctx);
      kv = [k, v];
      return o;
    });
    return [out, kv![0], kv![1]];
  }
  private around(x: A, attention: (h: A) => A): A {
    if (this.preFfnNorm) {
      // Gemma: norm → attn → norm → residual; norm → mlp → norm → residual
      const h = mx.add(x, this.postAttnNorm.forward(attention(this.inputNorm.forward(x))));
      return mx.add(h, this.postFfnNorm!.forward(this.mlp.forward(this.preFfnNorm.forward(h))));
    }
    const h = mx.add(x, attention(this.inputNorm.forward(x)));
    return mx.add(h, this.mlp.forward(this.postAttnNorm.forward(h)));
  }
}

/** Per-forward helpers: masks shared by the layers of one window size, RoPE offsets of a left-padded batch. */
class StepContext {
  private masks = new Map<string, A | 'causal' | undefined>();
  private freqs = new Map<Float32Array, A>();
  constructor(readonly batch: number, readonly leftPad: number[] | null, readonly rope: RopeInput = { kind: 'offset' }) {}
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

  constructor(readonly spec: DecoderSpec, w: WeightSource, opts: DecoderOptions = {}) {
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
        spec.qkNorm ? norm(`${p}.self_attn.k_norm`) : null, spec, layer, i);
      const [q, kv] = attn.qkv.sizes;
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
    // Materialise every weight once (format conversions, +1 norms): a lazy weight would be recomputed per step.
    mx.eval(this.arrays());
    // The fused copies replace their parts: free the parts' memory.
    const replaced: A[] = [];
    for (const b of this.blocks) {
      if (b.attn.qkv.fused) for (const l of b.attn.qkv.parts) replaced.push(...l.arrays());
      if (b.mlp.gateUp) for (const l of [b.mlp.gate, b.mlp.up]) replaced.push(...l.arrays());
    }
    w.release?.(replaced);
    if (opts.ggmlActivationRounding) {
      for (const b of this.blocks) {
        for (const l of blockLinears(b)) l.activationFormat = ggmlActivationFormat(l.w.ggmlType);
        b.mlp.ggmlGelu = true;
      }
      if (this.lmHead) this.lmHead.activationFormat = ggmlActivationFormat(this.lmHead.w.ggmlType);
      else this.embed.activationFormat = ggmlActivationFormat(this.embed.w.ggmlType);
    }
  }

  arrays(): A[] {
    const out: A[] = [...this.embed.arrays(), this.norm.weight, ...(this.lmHead?.arrays() ?? [])];
    for (const b of this.blocks) {
      for (const l of blockLinears(b)) out.push(...l.arrays());
      for (const n of [b.inputNorm, b.postAttnNorm, b.preFfnNorm, b.postFfnNorm, b.attn.qNorm, b.attn.kNorm]) if (n) out.push(n.weight);
    }
    return out;
  }

  /** Logits [B, T, vocab] (float32) for token ids [B, T]; appends to the caches. */
  forward(ids: A, caches: LayerCache[], opts: { leftPad?: number[] | null; lastOnly?: boolean } = {}): A {
    if (ids.shape[0] === 1 && ids.shape[1] === 1 && !opts.leftPad?.some((p) => p > 0)) {
      const logits = this.compiledDecode(ids, caches);
      if (logits) return logits;
    }
    return this.forwardEmbeddings(this.embedTokens(ids), caches, opts);
  }

  /** Decode steps (one token, batch 1) run as one compiled program (MLX_LM_COMPILED_DECODE=0: eager). */
  compiledDecoding = compiledDecodeEnabled;
  /**
   * On the GPU, the compiled decode step replays as one CUDA graph with the KV buffers as state (updated in place,
   * no copies): a small model's step is otherwise dominated by ~10 launches per layer. Ignored on the CPU.
   * Read when a step program is first built (`releaseCompiled()` to change it later).
   */
  decodeCudaGraph = decodeGraphEnabled;
  // One program per count of (window, buffer, slot) groups, which fixes the positions of the KV leaves.
  private decodeFns = new Map<number, mx.CompiledFunction<(ids: A, ropeOffset: A, slots: A[], masks: A[], kv: A[], groups: number[]) => A[]>>();

  /** Drops the compiled decode programs (they hold the weights and any CUDA graph buffers natively). */
  releaseCompiled(): void {
    for (const f of this.decodeFns.values()) f.dispose();
    this.decodeFns.clear();
  }

  /**
   * A decode step (one token, batch 1) as one compiled program: the caches expose fixed-shape buffers with the
   * write slot and the attention mask as inputs, so the program is traced once per buffer capacity and
   * replayed natively every step (no per-op JS graph building; elementwise chains fused). Null when the
   * caches cannot (quantized KV, before the first prefill, numerics emulation): the caller runs eagerly.
   */
  private compiledDecode(ids: A, caches: LayerCache[]): A | null {
    if (emulateQ8Activations || !this.compiledDecoding || caches.length !== this.blocks.length) return null;
    const offset = caches[0].offset;
    if (!caches.every((c) => c.offset === offset && c.decodeSlot && c.commitDecode)) return null;
    const slots = caches.map((c) => c.decodeSlot!());
    if (slots.some((s) => !s)) return null;
    // Layers that share the window and the buffer length share one slot index and one mask.
    const groupKeys: string[] = [], groups: number[] = [], slotArrs: A[] = [], masks: A[] = [];
    for (let i = 0; i < caches.length; i++) {
      const s = slots[i]!, window = caches[i].window;
      const key = `${window}:${s.keys.shape[2]}:${s.slot}`;
      let g = groupKeys.indexOf(key);
      if (g < 0) {
        g = groupKeys.push(key) - 1;
        const pos = s.positions(), m = new Uint8Array(pos.length);
        for (let j = 0; j < pos.length; j++) m[j] = pos[j] >= 0 && pos[j] <= offset && offset - pos[j] < window ? 1 : 0;
        slotArrs.push(mx.array(Int32Array.of(s.slot)));
        masks.push(mx.reshape(mx.array(m, mx.bool), [1, 1, 1, pos.length]));
      }
      groups.push(g);
    }
    const G = slotArrs.length, L = caches.length;
    let decodeFn = this.decodeFns.get(G);
    if (!decodeFn) {
      // Leaves: ids, ropeOffset, G slots, G masks, then K/V of each layer; outputs: logits, then K/V per layer.
      const state = Array.from({ length: 2 * L }, (_, j) => [1 + j, 2 + 2 * G + j] as [number, number]);
      const graph = this.decodeCudaGraph && !mx.defaultDevice().equals(mx.cpu) && mx.cuda.isAvailable();
      decodeFn = mx.compile(this.decodeProgram, graph ? { cudaGraph: true, state } : false);
      this.decodeFns.set(G, decodeFn);
    }
    const ropeOffset = mx.array(Int32Array.of(offset));
    const res = decodeFn(ids, ropeOffset, slotArrs, masks, slots.flatMap((s) => [s!.keys, s!.values]), groups);
    mx.dispose(ropeOffset, slotArrs, masks);
    for (let i = 0; i < caches.length; i++) caches[i].commitDecode!(res[1 + 2 * i], res[2 + 2 * i]);
    return res[0];
  }

  // The decode step's graph (traced by mx.compile; an arrow so that it can be passed without binding).
  private readonly decodeProgram = (tok: A, ropeOffset: A, slotIdx: A[], maskArrs: A[], kv: A[], grp: number[]): A[] => {
    const ctx = new StepContext(1, null);
    let h = this.embedTokens(tok);
    const out: A[] = [];
    for (let i = 0; i < this.blocks.length; i++) {
      const g = grp[i];
      const [y, k, v] = this.blocks[i].forwardSlot(h, kv[2 * i], kv[2 * i + 1], slotIdx[g], ropeOffset, maskArrs[g], ctx);
      h = y;
      out.push(k, v);
    }
    return [this.logits(h), ...out];
  };

  /** Input embeddings [B, T, hidden] of token ids, scaled as the model does (Gemma: × sqrt(hidden)). */
  embedTokens(ids: A): A {
    const h = this.embed.forward(ids);
    return this.spec.embedScale !== null ? mx.multiply(h, Math.fround(this.spec.embedScale)) : h;
  }

  /**
   * Logits from input embeddings [B, T, hidden] (VLMs splice image features into `embedTokens` output).
   * RoPE positions default to the cache offsets; `positions` (int32 [B, T]) or `ropeCosSin` (cos/sin per pair,
   * [B, T, ropeDims/2], or a function of the layer index) override them, e.g. for M-RoPE.
   */
  forwardEmbeddings(inputsEmbeds: A, caches: LayerCache[], opts: { leftPad?: number[] | null; lastOnly?: boolean;
    positions?: A; ropeCosSin?: RopeCosSin | ((layer: number) => RopeCosSin) } = {}): A {
    const [B] = inputsEmbeds.shape;
    const rope: RopeInput = opts.ropeCosSin ? { kind: 'cosSin', cosSin: opts.ropeCosSin }
      : opts.positions ? { kind: 'positions', positions: opts.positions } : { kind: 'offset' };
    const ctx = new StepContext(B, opts.leftPad && opts.leftPad.some((p) => p > 0) ? opts.leftPad : null, rope);
    let h = inputsEmbeds;
    for (let i = 0; i < this.blocks.length; i++) h = this.blocks[i].forward(h, caches[i], ctx);
    if (opts.lastOnly && h.shape[1] > 1) h = h.index(mx.Slice(), mx.Slice(-1), mx.Slice());
    return this.logits(h);
  }

  /**
   * One batched step over flat tokens of several sequences (a paged-KV server): tokens/positions int32 [N],
   * `segments` the token count of each sequence (in order, summing to N, informational for `attend`), `attend`
   * does each layer's attention (and owns the KV storage), `logitRows` the rows whose logits are wanted.
   * Returns logits [R, vocab].
   */
  forwardFlat(opts: { tokens: A; positions: A; segments: number[]; attend: FlatAttend; logitRows: A | number[] }): A {
    const { tokens, positions, segments, attend } = opts;
    const N = tokens.shape[0];
    if (tokens.ndim !== 1 || positions.ndim !== 1 || positions.shape[0] !== N)
      throw new ModelFormatError(`forwardFlat: tokens and positions must be 1-D of equal length (got [${tokens.shape}] and [${positions.shape}]).`);
    if (segments.reduce((a, b) => a + b, 0) !== N) throw new ModelFormatError(`forwardFlat: segments sum to ${segments.reduce((a, b) => a + b, 0)}, not ${N}.`);
    const ctx = new StepContext(1, null);
    let h = mx.squeeze(this.embedTokens(mx.expandDims(tokens, 0)), 0);
    for (const b of this.blocks) h = b.forwardFlat(h, positions, attend, ctx);
    const rows = Array.isArray(opts.logitRows) ? mx.array(Int32Array.from(opts.logitRows)) : opts.logitRows;
    return this.logits(mx.take(h, rows, 0));
  }

  private logits(h: A): A {
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
    for (const b of this.blocks) for (const l of blockLinears(b)) add(l.arrays());
    add(this.lmHead ? this.lmHead.arrays() : this.embed.arrays());
    return n;
  }
}

/** The Linears a block runs (fused ones instead of their parts). */
function blockLinears(b: Block): Linear[] {
  const qkv = b.attn.qkv.fused ? [b.attn.qkv.fused] : b.attn.qkv.parts;
  const mlp = b.mlp.gateUp ? [b.mlp.gateUp, b.mlp.down] : [b.mlp.gate, b.mlp.up, b.mlp.down];
  return [...qkv, b.attn.o, ...mlp];
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
