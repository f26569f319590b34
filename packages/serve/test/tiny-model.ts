// A tiny random llama (2 layers, GQA) with a byte tokenizer, for scheduler/server tests. `referenceGreedy`
// decodes without any cache (full causal recompute per token): the oracle for the paged, batched path.
import * as mx from '@mlx/core';
import { LlamaBatched, type LlamaFns } from '../src/llama-batched.js';
import type { ChatMessage, ServeTokenizer } from '../src/model.js';

export const BOS = 1;
export const EOS = 2;
const OFFSET = 3;

/** Prompts of different lengths for the tiny model's scheduler tests (the last: two 16-token blocks after BOS + 1). */
export const samplePrompts: readonly string[] = [
  'Hello there, how are you?',
  'a',
  'The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog again and again.',
  'Short',
  '0123456789abcdef0123456789abcdef!',
];

export function byteTokenizer(): ServeTokenizer {
  const enc = new TextEncoder();
  return {
    eosTokenIds: [EOS],
    encode: (text, opts) => [...(opts?.addSpecialTokens === false ? [] : [BOS]), ...Array.from(enc.encode(text), (b) => b + OFFSET)],
    decode: (ids) => Buffer.from(ids.filter((i) => i >= OFFSET).map((i) => i - OFFSET)).toString('utf8'),
    applyChatTemplate: (messages: ChatMessage[], opts) =>
      messages.map((m) => `<${m.role}>${typeof m.content === 'string' ? m.content : m.content.map((c) => (c.type === 'text' ? c.text : '')).join('')}\n`).join('') +
      (opts?.addGenerationPrompt ? '<assistant>' : ''),
    streamDecoder: () => {
      let pending: number[] = [];
      const dec = new TextDecoder('utf-8');
      return {
        push(id: number) {
          if (id < OFFSET) return '';
          pending.push(id - OFFSET);
          const s = dec.decode(Uint8Array.from(pending), { stream: true });
          pending = [];
          return s;
        },
        flush() { return dec.decode(); },
      };
    },
  };
}

export interface TinyModel { model: LlamaBatched; fns: LlamaFns; referenceGreedy(prompt: number[], maxTokens: number): number[] }

export function tinyLlama(seed = 7, contextLength = 512): TinyModel {
  const d = 64, H = 4, Hkv = 2, D = 16, hidden = 128, V = 259, nLayers = 2;
  let k = mx.random.key(seed);
  const rnd = (shape: number[], scale: number) => {
    const [a, b] = mx.random.split(k);
    k = a;
    return mx.multiply(mx.random.normal(shape, mx.float32, 0, 1, b), scale);
  };
  const lin = (w: mx.array) => (x: mx.array) => mx.matmul(x, w);
  const norm = (w: mx.array) => (x: mx.array) => mx.fast.rmsNorm(x, w, 1e-5);
  const keep: mx.array[] = [];
  const p = (a: mx.array) => { keep.push(a); return a; };
  const embedW = p(rnd([V, d], 1));
  const layers = Array.from({ length: nLayers }, () => {
    const wg = p(rnd([d, hidden], 0.2)), wu = p(rnd([d, hidden], 0.2)), wd = p(rnd([hidden, d], 0.15));
    return {
      inputNorm: norm(p(mx.add(rnd([d], 0.1), 1))), postAttentionNorm: norm(p(mx.add(rnd([d], 0.1), 1))),
      qProj: lin(p(rnd([d, H * D], 0.25))), kProj: lin(p(rnd([d, Hkv * D], 0.25))), vProj: lin(p(rnd([d, Hkv * D], 0.25))),
      oProj: lin(p(rnd([H * D, d], 0.2))),
      mlp: (x: mx.array) => mx.matmul(mx.multiply(mx.multiply(mx.matmul(x, wg), mx.sigmoid(mx.matmul(x, wg))), mx.matmul(x, wu)), wd),
    };
  });
  const finalW = p(mx.ones([d]));
  const fns: LlamaFns = {
    embed: (ids) => mx.take(embedW, ids, 0), layers, finalNorm: norm(finalW), lmHead: (x) => mx.matmul(x, embedW.T),
    numHeads: H, numKvHeads: Hkv, headDim: D, rope: { base: 10000, traditional: false },
    // f32 weights: the engine's f32 matmul is not row-invariant across batch sizes (only the quantized one is), so
    // linear layers keep the row groups a request alone forms.
    matvecRows: 8,
  };
  mx.eval(...keep);
  const model = new LlamaBatched(fns, byteTokenizer(), V, contextLength, () => mx.dispose(keep));

  /** Plain causal forward over the whole sequence, no cache, no batching: logits of the last position. */
  function lastLogits(ids: number[]): mx.array {
    const T = ids.length;
    let x = fns.embed(mx.array(Int32Array.from(ids)));
    for (const L of layers) {
      const h = L.inputNorm(x);
      const q = mx.fast.rope(L.qProj(h).reshape([1, T, H, D]).transpose([0, 2, 1, 3]), D, false, 10000, 1, 0);
      const kk = mx.fast.rope(L.kProj(h).reshape([1, T, Hkv, D]).transpose([0, 2, 1, 3]), D, false, 10000, 1, 0);
      const v = L.vProj(h).reshape([1, T, Hkv, D]).transpose([0, 2, 1, 3]);
      const o = mx.fast.scaledDotProductAttention(q, kk, v, 1 / Math.sqrt(D), 'causal').transpose([0, 2, 1, 3]).reshape([T, H * D]);
      x = mx.add(x, L.oProj(o));
      x = mx.add(x, L.mlp(L.postAttentionNorm(x)));
    }
    return fns.lmHead(fns.finalNorm(mx.take(x, mx.array(Int32Array.from([T - 1])), 0)));
  }
  return {
    model, fns,
    referenceGreedy(prompt, maxTokens) {
      const ids = [...prompt];
      const out: number[] = [];
      for (let i = 0; i < maxTokens; i++) {
        const t = mx.tidy(() => mx.argmax(lastLogits(ids), 1).item() as number);
        out.push(t);
        ids.push(t);
        if (t === EOS) break;
      }
      return out;
    },
  };
}
