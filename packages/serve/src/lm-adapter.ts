// @mlx/lm models behind the scheduler. Llama-style models: the DecoderModel's own layers (embedding, q/k/v/o,
// norms, MLP, output head) run over the flat token list of a step, with attention going to the paged KV cache
// (llama-batched.ts). Other layouts (Gemma 3): the model's forwardFlat hook (flat-batched.ts).
import * as mx from '@mlx/core';
import { loadLM, type LM, type LoadLMOptions } from '@mlx/lm';
import { LlamaBatched, type LlamaLayerFns } from './llama-batched.js';
import type { ChatMessage } from './model.js';
import { FlatBatched } from './flat-batched.js';

/**
 * Wraps a loaded LM. Llama-style layouts (llama, mistral, qwen2, qwen3) run through LlamaBatched; models with
 * Gemma-style layers (sandwich norms, embedding scale, logit softcap, sliding windows, per-layer RoPE) through
 * the model's own flat-batch hook (FlatBatched).
 */
/**
 * Activations in the weights' half-precision dtype (bf16/f16 checkpoints): norms compute in float32 but hand their
 * result back in the weights' dtype, as HF transformers does, so the step stays in half precision (no float32
 * matmuls with upcast weights, and no float32 elementwise chains, which a compiled program on the GPU fuses into
 * kernels that run on the CPU). Default: on when the default device is the GPU; MLX_SERVE_HALF_ACTIVATIONS=1/0
 * overrides. The CPU keeps float32 activations (the results @mlx/lm's own generate gives).
 */
function halfActivations(lm: LM, wanted?: boolean): mx.Dtype | null {
  const env = process.env.MLX_SERVE_HALF_ACTIVATIONS;
  const on = wanted ?? (env === '1' ? true : env === '0' ? false : !mx.defaultDevice().equals(mx.cpu));
  if (!on) return null;
  const w = lm.model.embed.arrays()[0]?.dtype;
  return w === mx.bfloat16 || w === mx.float16 ? w : null;
}

export function batchedFromLM(lm: LM, opts: { disposeLM?: boolean; halfActivations?: boolean } = {}): LlamaBatched | FlatBatched {
  const m = lm.model;
  const spec = m.spec;
  const dispose = () => { if (opts.disposeLM) lm.dispose(); };
  const l0 = spec.layers[0];
  if (spec.sandwichNorms || spec.embedScale !== null || spec.finalLogitSoftcap !== null || spec.layers.some((l) => Number.isFinite(l.window))
    || spec.layers.some((l) => l.ropeBase !== l0.ropeBase || l.ropeFreqs !== l0.ropeFreqs || l.ropeScale !== l0.ropeScale)) {
    return new FlatBatched(lm, dispose);
  }
  const freqs = l0.ropeFreqs ? mx.array(l0.ropeFreqs) : undefined;
  const half = halfActivations(lm, opts.halfActivations);
  const act = half ? (y: mx.array) => (y.dtype === half ? y : y.astype(half)) : (y: mx.array) => y;
  const layers: LlamaLayerFns[] = m.blocks.map((b) => ({
    inputNorm: (x) => act(b.inputNorm.forward(x)),
    postAttentionNorm: (x) => act(b.postAttnNorm.forward(x)),
    qProj: (x) => b.attn.qkv.parts[0].forward(x), kProj: (x) => b.attn.qkv.parts[1].forward(x), vProj: (x) => b.attn.qkv.parts[2].forward(x),
    qkvProj: b.attn.qkv.fused ? (x) => b.attn.qkv.fused!.forward(x) : undefined,
    oProj: (x) => b.attn.o.forward(x),
    qNorm: b.attn.qNorm ? (x) => act(b.attn.qNorm!.forward(x)) : undefined,
    kNorm: b.attn.kNorm ? (x) => act(b.attn.kNorm!.forward(x)) : undefined,
    mlp: (x) => b.mlp.forward(x),
  }));
  return new LlamaBatched({
    embed: (ids) => act(m.embed.forward(ids)),
    layers,
    finalNorm: (x) => act(m.norm.forward(x)),
    lmHead: (x) => (m.lmHead ? m.lmHead.forward(x) : m.embed.asLinear(x)),
    numHeads: spec.numHeads, numKvHeads: spec.numKvHeads, headDim: spec.headDim,
    rope: { dims: spec.ropeDims, base: l0.ropeBase, freqs, scale: l0.ropeScale, traditional: spec.ropeTraditional },
    attnScale: spec.attnScale,
    // The same prompt ids as lm.generate(messages) (BOS handling included).
    encodeChat: (messages: ChatMessage[]) => lm.encodePrompt(messages),
  }, lm.tokenizer, spec.vocabSize, spec.maxContext, () => { freqs?.dispose(); dispose(); });
}

/** Loads a model by registered name, directory or file and wraps it for the scheduler. */
export async function loadBatchedLM(nameOrPath: string, opts: LoadLMOptions = {}): Promise<{ lm: LM; model: LlamaBatched | FlatBatched }> {
  const lm = await loadLM(nameOrPath, opts);
  try {
    return { lm, model: batchedFromLM(lm, { disposeLM: true }) };
  } catch (e) {
    lm.dispose();
    throw e;
  }
}
