// Whisper's text decoder: token embedding + learned positions, pre-norm blocks of causal self-attention (K/V
// cached per step), cross-attention to the audio features (K/V computed once per audio and cached), MLP; the
// output projection is the token embedding transposed (tied).
import { AsyncResource } from 'node:async_hooks';
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import type { DecoderCache } from './types.js';
import { FusedSelfAttention, gelu } from './encoder.js';

type A = mx.array;

// k / v: self-attention keys/values [B, H, capacity, dh]; the first cache.length rows are valid.
interface LayerState { k?: A; v?: A; crossK?: A; crossV?: A }

/** Self-attention K/V buffers grow in chunks of this many positions (written in place in between). */
const KV_CHUNK = 32;

// The cache outlives the caller's mx.tidy scopes, so the handles it keeps are created in the async context of
// module load, where no tidy scope is active (tidy scopes follow the async context). The lazy graph behind such a
// handle keeps its inputs alive even when the tidy frees their handles.
const outsideTidy = new AsyncResource('mlx-whisper-kv-cache');
const own = (x: A): A => outsideTidy.runInAsyncScope(() => mx.stopGradient(x));

/**
 * Self-attention K/V per layer (concatenated per step) and cross-attention K/V (set on the first call). Its arrays
 * are not registered with any mx.tidy scope: decode() may run inside tidy; dispose() frees them.
 */
export class KVCache implements DecoderCache {
  layers: LayerState[];
  private _length = 0;
  constructor(nLayer: number) { this.layers = Array.from({ length: nLayer }, () => ({})); }
  get length(): number { return this._length; }
  /** Called by the decoder after a step of `t` tokens. */
  advance(t: number): void { this._length += t; }
  /** The cached arrays per layer (e.g. for mx.eval). */
  parameters(): LayerState[] { return this.layers; }
  /**
   * Keeps the self-attention K/V rows `batchIndices` (lazily: the next decode step evaluates the gather). The
   * cross-attention K/V stay as they are: one audio's rows are identical for every beam, so they are kept at
   * batch 1 and the decoder folds the beams into query rows.
   */
  reorder(batchIndices: A): void {
    for (const l of this.layers) {
      for (const key of ['k', 'v'] as const) {
        const old = l[key];
        if (!old) continue;
        l[key] = own(mx.take(old, batchIndices, 0));
        old.dispose();
      }
      // Several audios in one batch (rows differ): those rows move with their beams.
      for (const key of ['crossK', 'crossV'] as const) {
        const old = l[key];
        if (!old || old.shape[0] === 1) continue;
        l[key] = own(mx.take(old, batchIndices, 0));
        old.dispose();
      }
    }
  }
  dispose(): void {
    for (const l of this.layers) for (const a of [l.k, l.v, l.crossK, l.crossV]) a?.dispose();
    this.layers = this.layers.map(() => ({}));
    this._length = 0;
  }
  [Symbol.dispose](): void { this.dispose(); }
}

/**
 * Writes the step's keys or values [B, H, t, dh] at rows offset .. offset+t of the layer's buffer and returns the
 * valid rows [B, H, offset+t, dh] (a view). Between chunk boundaries the write is a slice update that reuses the
 * buffer (nothing else holds it when the step is evaluated), so a step copies t rows instead of the whole cache.
 */
function append(state: LayerState, key: 'k' | 'v', rows: A, offset: number): A {
  const end = offset + rows.shape[2]!;
  const buf = state[key];
  if (buf && buf.shape[2]! >= end) {
    mx.indexPut_(buf, [mx.Slice(), mx.Slice(), mx.Slice(offset, end)], rows);
  } else {
    const [b, h, , dh] = rows.shape as [number, number, number, number];
    const pad = mx.zeros([b, h, Math.ceil(end / KV_CHUNK) * KV_CHUNK - end, dh], rows.dtype);
    const parts = buf ? [buf.index(mx.Slice(), mx.Slice(), mx.Slice(0, offset)), rows, pad] : [rows, pad];
    state[key] = own(mx.concatenate(parts, 2));
    buf?.dispose();
  }
  return state[key]!.index(mx.Slice(), mx.Slice(), mx.Slice(0, end));
}

const heads = (x: A, nHead: number): A => {
  const [b, t, d] = x.shape;
  return mx.transpose(x.reshape([b, t, nHead, d / nHead]), [0, 2, 1, 3]);
};

export class CrossAttention extends nn.Module {
  query: nn.Linear;
  kv: nn.Linear;
  out: nn.Linear;
  constructor(readonly nState: number, readonly nHead: number) {
    super();
    this.query = new nn.Linear(nState, nState);
    this.kv = new nn.Linear(nState, 2 * nState);
    this.out = new nn.Linear(nState, nState);
  }
  forward(x: A, audio: A): A {
    const [k, v] = this.keysValues(audio);
    const q = heads(this.query.forward(x), this.nHead);
    const o = mx.fast.scaledDotProductAttention(q, k, v, 1 / Math.sqrt(this.nState / this.nHead));
    const [b, , t] = o.shape;
    return this.out.forward(mx.transpose(o, [0, 2, 1, 3]).reshape([b, t, this.nState]));
  }
  /** audio [B, S, D] → K, V each [B, H, S, dh] */
  keysValues(audio: A): [A, A] {
    const [b, s] = audio.shape;
    const kv = mx.transpose(this.kv.forward(audio).reshape([b, s, 2, this.nHead, this.nState / this.nHead]), [2, 0, 3, 1, 4]);
    return [kv.index(0), kv.index(1)];
  }
}

export class DecoderBlock extends nn.Module {
  attnLn: nn.LayerNorm;
  attn: FusedSelfAttention;
  crossAttnLn: nn.LayerNorm;
  crossAttn: CrossAttention;
  mlpLn: nn.LayerNorm;
  mlp1: nn.Linear;
  mlp2: nn.Linear;
  constructor(nState: number, readonly nHead: number) {
    super();
    this.attnLn = new nn.LayerNorm(nState);
    this.attn = new FusedSelfAttention(nState, nHead);
    this.crossAttnLn = new nn.LayerNorm(nState);
    this.crossAttn = new CrossAttention(nState, nHead);
    this.mlpLn = new nn.LayerNorm(nState);
    this.mlp1 = new nn.Linear(nState, 4 * nState);
    this.mlp2 = new nn.Linear(4 * nState, nState);
  }
  forward(x: A, audio: A, state: LayerState, wantQK: boolean, offset: number): { x: A; qk?: A } {
    const scale = 1 / Math.sqrt(this.attn.nState / this.nHead);
    const [q, kNew, vNew] = this.attn.project(this.attnLn.forward(x));
    const k = append(state, 'k', kNew, offset), v = append(state, 'v', vNew, offset);
    const t = x.shape[1];
    x = mx.add(x, this.attn.merge(mx.fast.scaledDotProductAttention(q, k, v, scale, t > 1 ? 'causal' : undefined)));

    if (!state.crossK || !state.crossV) {
      const [ck, cv] = this.crossAttn.keysValues(audio);
      [state.crossK, state.crossV] = [own(ck), own(cv)];
    }
    const crossIn = this.crossAttnLn.forward(x);
    const [b, tq] = crossIn.shape;
    const h = this.nHead, d = this.attn.nState, dh = d / h;
    // One audio, several rows (beams/samples): attend with all rows' queries as one [1, H, B·T, dh] block against
    // the batch-1 K/V instead of broadcasting K/V to B rows (one pass over K/V instead of B).
    const fold = b > 1 && state.crossK.shape[0] === 1;
    const cq = fold
      ? mx.transpose(this.crossAttn.query.forward(crossIn).reshape([b * tq, h, dh]), [1, 0, 2]).reshape([1, h, b * tq, dh])
      : heads(this.crossAttn.query.forward(crossIn), h);
    let o: A;
    let qk: A | undefined;
    if (wantQK) {
      // Explicit attention so the logits can be returned (openai/whisper's word timing uses q·kᵀ/√dh).
      qk = mx.multiply(mx.matmul(cq, mx.transpose(state.crossK, [0, 1, 3, 2])), scale);
      o = mx.matmul(mx.softmax(qk.astype(mx.float32), -1).astype(cq.dtype), state.crossV);
      qk = qk.astype(mx.float32);
      if (fold) qk = mx.transpose(qk.reshape([h, b, tq, -1]), [1, 0, 2, 3]);
    } else {
      o = mx.fast.scaledDotProductAttention(cq, state.crossK, state.crossV, scale);
    }
    // [1 or B, H, rows, dh] → [B, T, D]
    x = mx.add(x, this.crossAttn.out.forward(mx.transpose(o, [0, 2, 1, 3]).reshape([b, tq, d])));
    x = mx.add(x, this.mlp2.forward(gelu(this.mlp1.forward(this.mlpLn.forward(x)))));
    return { x, qk };
  }
}

export class TextDecoder extends nn.Module {
  tokenEmbedding: nn.Embedding;
  positionalEmbedding: A;
  blocks: DecoderBlock[];
  ln: nn.LayerNorm;
  constructor(readonly nVocab: number, readonly nCtx: number, nState: number, nHead: number, nLayer: number) {
    super();
    this.tokenEmbedding = new nn.Embedding(nVocab, nState);
    this.positionalEmbedding = mx.zeros([nCtx, nState]);
    this.blocks = Array.from({ length: nLayer }, () => new DecoderBlock(nState, nHead));
    this.ln = new nn.LayerNorm(nState);
  }
  /**
   * x [B, T, D] → [B, T, nVocab] with the tied embedding (x · Eᵀ; quantizedMatmul when quantized). The engine's
   * small-M GEMM streams E once for all B·T rows, so beams cost little more than one row.
   */
  private outputProjection(x: A): A {
    return (this.tokenEmbedding as nn.Embedding).asLinear(x);
  }
  /** tokens int32 [B, T] → float32 logits [B, T (or positions.length), nVocab] (and per-layer cross-attention logits when asked). */
  forward(tokens: A, audio: A, cache: KVCache, wantQK: boolean, positions?: readonly number[]): { logits: A; crossQK?: A[] } {
    const offset = cache.length;
    const t = tokens.shape[1];
    if (offset + t > this.nCtx) {
      throw new mx.InvalidArgumentError(`[whisper] ${offset + t} tokens exceed the decoder's context of ${this.nCtx}.`);
    }
    let x = this.tokenEmbedding.forward(tokens);
    x = mx.add(x, this.positionalEmbedding.index(mx.Slice(offset, offset + t)));
    if (audio.dtype !== x.dtype) audio = audio.astype(x.dtype);
    const qks: A[] = [];
    for (let i = 0; i < this.blocks.length; i++) {
      const r = this.blocks[i].forward(x, audio, cache.layers[i], wantQK, offset);
      x = r.x;
      if (r.qk) qks.push(r.qk);
    }
    cache.advance(t);
    // Only the asked positions go through the vocabulary projection (the first pass needs 1–2 of T rows).
    if (positions) x = mx.take(x, mx.array(Int32Array.from(positions, (p) => (p < 0 ? p + t : p))), 1);
    x = this.ln.forward(x);
    const logits = this.outputProjection(x).astype(mx.float32);
    return wantQK ? { logits, crossQK: qks } : { logits };
  }
}
