// Llama-shaped float32 text decoders (Idefics3 / SmolVLM, LLaVA) run on @mlx/lm's DecoderModel: the same math as
// TextDecoder, plus fused q/k/v and gate/up projections and lm's compiled decode step (one traced program per
// token instead of ~20 eagerly built ops per layer). Qwen2-VL keeps TextDecoder (M-RoPE positions).
import * as mx from '@mlx/core';
import { DecoderModel, getArchitecture, registeredArchitectures, type LayerCache, type WeightSource } from '@mlx/lm';
import { ModelFormatError } from '../errors.js';
import { TextDecoder, type TextConfig, type Weights } from './decoder.js';

type A = mx.array;

export class LmTextDecoder {
  readonly model: DecoderModel;

  /** True when @mlx/lm has an architecture for this text config (and it needs no multimodal positions). */
  static supports(cfg: TextConfig): boolean {
    const mrope = cfg.rope_parameters?.mrope_section ?? cfg.rope_scaling?.mrope_section;
    return !mrope && registeredArchitectures().includes(cfg.model_type ?? 'llama');
  }

  /** `prefix`: where the checkpoint keeps `layers.N…`, `embed_tokens`, `norm` (e.g. `model.text_model.`). */
  constructor(readonly cfg: TextConfig, private readonly w: Weights, prefix: string, lmHeadName: string, file: string) {
    const arch = getArchitecture(cfg.model_type ?? 'llama');
    const parsed = arch.schema.safeParse({ model_type: 'llama', ...cfg });
    if (!parsed.success) throw new ModelFormatError(`${file}: invalid text_config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, file);
    // lm's names (HF causal-LM layout) → this checkpoint's
    const local = (name: string) => (name === 'lm_head' ? lmHeadName.replace(/\.weight$/, '')
      : name.startsWith('model.') ? prefix + name.slice('model.'.length) : name);
    const src: WeightSource = {
      file,
      tensor: (base) => { const a = w.get(`${local(base)}.weight`); return a ? { weight: a } : undefined; },
      array: (name) => { const m = /^(.*)\.(weight|bias)$/.exec(name); return m ? w.get(`${local(m[1])}.${m[2]}`) : w.get(name); },
      release: (arrays) => { const drop = new Set(arrays); for (const [k, a] of w) if (drop.has(a)) { w.delete(k); a.dispose(); } },
    };
    this.model = new DecoderModel(arch.toSpec(parsed.data, 'hf'), src);
  }

  get maxContext(): number { return this.cfg.max_position_embeddings; }
  get vocabSize(): number { return this.cfg.vocab_size; }

  /** Token embeddings [T, hidden]. */
  embed(ids: readonly number[]): A { return this.model.embed.forward(mx.array(Int32Array.from(ids))); }

  newCache(): LayerCache[] { return this.model.newCache(); }

  /** Logits [1, T, vocab] for input embeddings [1, T, hidden]; positions continue from the cache offset. */
  forward(h: A, caches: LayerCache[], opts: { positions?: number[][]; lastOnly?: boolean } = {}): A {
    if (opts.positions) throw new ModelFormatError('this text decoder has no multimodal positions');
    return this.model.forwardEmbeddings(h, caches, { lastOnly: opts.lastOnly });
  }

  /** Logits [1, 1, vocab] of one next token (the compiled decode step once the caches hold a prompt). */
  forwardToken(token: number, caches: LayerCache[]): A {
    return this.model.forward(mx.array(Int32Array.of(token)).reshape([1, 1]), caches);
  }

  /** Frees what the model made at load (fused projections) that the weight map does not own. */
  dispose(): void {
    this.model.releaseCompiled();
    const owned = new Set(this.w.values());
    for (const a of this.model.arrays()) if (!owned.has(a)) a.dispose();
  }
}

/**
 * The text decoder for a llama-shaped VLM: LmTextDecoder where @mlx/lm has the architecture and the weights are
 * float32, else TextDecoder. (lm keeps its norm weights in float32, so bf16/f16 weights would run every projection
 * in float32 with a per-step weight conversion; TextDecoder stays in the checkpoint's dtype, as HF does.)
 * MLX_VLM_TEXT_DECODER=own forces TextDecoder (before/after comparisons).
 */
export function textDecoder(cfg: TextConfig, w: Weights, prefix: string, lmHeadName: string, file: string): LmTextDecoder | TextDecoder {
  const own = typeof process !== 'undefined' && process.env.MLX_VLM_TEXT_DECODER === 'own';
  const f32 = w.get(`${prefix}embed_tokens.weight`)?.dtype === mx.float32;
  return !own && f32 && LmTextDecoder.supports(cfg) ? new LmTextDecoder(cfg, w, prefix, lmHeadName, file)
    : new TextDecoder(cfg, w, prefix, lmHeadName, file, false);
}
