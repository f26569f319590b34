// Whisper's audio encoder: two conv1d + GELU (the second with stride 2), sinusoidal positions, pre-norm
// transformer blocks with bidirectional self-attention, a final layer norm.
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';

type A = mx.array;

/** Self-attention with one fused q/k/v projection (one GEMM instead of three). */
export class FusedSelfAttention extends nn.Module {
  qkv: nn.Linear;
  out: nn.Linear;
  constructor(readonly nState: number, readonly nHead: number) {
    super();
    this.qkv = new nn.Linear(nState, 3 * nState);
    this.out = new nn.Linear(nState, nState);
  }
  /** x [B, T, D] → q, k, v each [B, H, T, dh] */
  project(x: A): [A, A, A] {
    const [b, t] = x.shape;
    const dh = this.nState / this.nHead;
    const qkv = this.qkv.forward(x).reshape([b, t, 3, this.nHead, dh]);
    const parts = mx.transpose(qkv, [2, 0, 3, 1, 4]); // [3, B, H, T, dh]
    return [parts.index(0), parts.index(1), parts.index(2)];
  }
  forward(x: A): A {
    const [q, k, v] = this.project(x);
    return this.merge(mx.fast.scaledDotProductAttention(q, k, v, 1 / Math.sqrt(this.nState / this.nHead)));
  }
  /** [B, H, T, dh] → [B, T, D] through the output projection */
  merge(o: A): A {
    const [b, , t] = o.shape;
    return this.out.forward(mx.transpose(o, [0, 2, 1, 3]).reshape([b, t, this.nState]));
  }
}

export class EncoderBlock extends nn.Module {
  attnLn: nn.LayerNorm;
  attn: FusedSelfAttention;
  mlpLn: nn.LayerNorm;
  mlp1: nn.Linear;
  mlp2: nn.Linear;
  constructor(nState: number, nHead: number) {
    super();
    this.attnLn = new nn.LayerNorm(nState);
    this.attn = new FusedSelfAttention(nState, nHead);
    this.mlpLn = new nn.LayerNorm(nState);
    this.mlp1 = new nn.Linear(nState, 4 * nState);
    this.mlp2 = new nn.Linear(4 * nState, nState);
  }
  forward(x: A): A {
    const [q, k, v] = this.attn.project(this.attnLn.forward(x));
    const scale = 1 / Math.sqrt(this.attn.nState / this.attn.nHead);
    x = mx.add(x, this.attn.merge(mx.fast.scaledDotProductAttention(q, k, v, scale)));
    return mx.add(x, this.mlp2.forward(nn.gelu(this.mlp1.forward(this.mlpLn.forward(x)))));
  }
}

export class AudioEncoder extends nn.Module {
  conv1: nn.Conv1d;
  conv2: nn.Conv1d;
  positionalEmbedding: A;
  blocks: EncoderBlock[];
  lnPost: nn.LayerNorm;
  constructor(readonly nMels: number, readonly nCtx: number, nState: number, nHead: number, nLayer: number) {
    super();
    this.conv1 = new nn.Conv1d(nMels, nState, 3, 1, 1);
    this.conv2 = new nn.Conv1d(nState, nState, 3, 2, 1);
    this.positionalEmbedding = mx.zeros([nCtx, nState]);
    this.blocks = Array.from({ length: nLayer }, () => new EncoderBlock(nState, nHead));
    this.lnPost = new nn.LayerNorm(nState);
  }
  /** mel [B, nMels, 2·nCtx] (channels-first like openai/whisper) → [B, nCtx, nState] */
  forward(mel: A): A {
    let x = mx.transpose(mel, [0, 2, 1]);
    if (x.dtype !== this.conv1.weight.dtype) x = x.astype(this.conv1.weight.dtype);
    x = nn.gelu(this.conv1.forward(x));
    x = nn.gelu(this.conv2.forward(x));
    const t = x.shape[1];
    if (t > this.nCtx) throw new mx.ShapeError(`[whisper] mel has ${2 * t} frames; the encoder takes at most ${2 * this.nCtx}.`);
    x = mx.add(x, t === this.nCtx ? this.positionalEmbedding : this.positionalEmbedding.index(mx.Slice(0, t)));
    for (const b of this.blocks) x = b.forward(x);
    return this.lnPost.forward(x);
  }
}
